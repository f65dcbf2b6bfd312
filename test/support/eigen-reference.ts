/**
 * Float64 references for the kd.analysis PCA tests, written independently of lib/analysis: the sample covariance by
 * plain loops and the full eigen-decomposition of a symmetric matrix by the classical Jacobi method (rotate away the
 * largest off-diagonal entry until none is left above 1e-14 of the norm), not the library's block iteration.
 */
export type Mat = number[][];

/** Column means and the covariance with the n − 1 denominator. */
export function covariance(x: Mat): { mean: number[]; cov: Mat } {
  const n = x.length;
  const d = x[0].length;
  const mean = new Array<number>(d).fill(0);
  for (const row of x) for (let j = 0; j < d; j++) mean[j] += row[j] / n;
  const cov: Mat = Array.from({ length: d }, () => new Array<number>(d).fill(0));
  for (const row of x) {
    for (let i = 0; i < d; i++)
      for (let j = 0; j < d; j++) cov[i][j] += ((row[i] - mean[i]) * (row[j] - mean[j])) / (n - 1);
  }
  return { mean, cov };
}

/** All eigenpairs of symmetric `m`, largest value first; vectors[i] is the unit eigenvector of values[i]. */
export function symmetricEigen(m: Mat): { values: number[]; vectors: number[][] } {
  const n = m.length;
  const a = m.map((r) => [...r]);
  const v: Mat = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? 1 : 0)));
  const norm = Math.sqrt(a.flat().reduce((s, x) => s + x * x, 0)) || 1;
  for (let step = 0; step < 100 * n * n; step++) {
    let p = 0;
    let q = 1;
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) if (Math.abs(a[i][j]) > Math.abs(a[p][q])) [p, q] = [i, j];
    if (n < 2 || Math.abs(a[p][q]) <= 1e-14 * norm) break;
    // angle that zeroes a[p][q]: tan 2φ = 2 a_pq / (a_qq − a_pp)
    const phi = 0.5 * Math.atan2(2 * a[p][q], a[q][q] - a[p][p]);
    const c = Math.cos(phi);
    const s = Math.sin(phi);
    const rotate = (x: number, y: number): [number, number] => [c * x - s * y, s * x + c * y];
    for (let k = 0; k < n; k++) [a[k][p], a[k][q]] = rotate(a[k][p], a[k][q]);
    for (let k = 0; k < n; k++) [a[p][k], a[q][k]] = rotate(a[p][k], a[q][k]);
    for (let k = 0; k < n; k++) [v[k][p], v[k][q]] = rotate(v[k][p], v[k][q]);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => v.map((row) => row[i])) };
}

/** The residual ‖m v − λ v‖ of a claimed eigenpair, to check the reference itself. */
export function eigenResidual(m: Mat, value: number, vector: number[]): number {
  return Math.sqrt(
    m.reduce((s, row, i) => s + (row.reduce((t, x, j) => t + x * vector[j], 0) - value * vector[i]) ** 2, 0),
  );
}
