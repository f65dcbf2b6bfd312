/**
 * Procrustes analysis (Schönemann 1966; Gower 1975): the similarity transform — translation, one global scale and
 * an orthogonal map (rotation, possibly with a reflection) — that brings one point set closest to another in the
 * least-squares sense. What is left after it is the difference in *structure*; what it removes is only where and
 * how large the configuration is and which way it faces. Relational KD (Park et al. 2019) transfers exactly the
 * structure, so a relational student's embeddings may be far from the teacher's and still align after it.
 */
import { jacobiEigen } from './eigen';
import { matrixTensor, type MatrixInput } from './input';

export interface ProcrustesResult {
  /** `moving` after the fitted transform, [N][d]: scale · (moving − its mean) · rotation + reference's mean. */
  aligned: number[][];
  /** The fitted global scale (> 0). */
  scale: number;
  /** The fitted orthogonal d × d matrix (row-vector convention: x ↦ x · rotation). */
  rotation: number[][];
  /**
   * Σ‖reference_i − moving_i‖² / Σ‖reference_i − mean(reference)‖²: how far the points are before any alignment,
   * relative to the reference's spread (0 = identical positions; 1 = as far as collapsing onto the mean).
   */
  rawError: number;
  /** The same ratio for `aligned`: what differs in structure (0 = the same shape up to a similarity transform). */
  alignedError: number;
}

function rows(x: MatrixInput, name: string): number[][] {
  const t = matrixTensor(x, `procrustes: ${name}`);
  try {
    return t.arraySync();
  } finally {
    t.dispose();
  }
}

function centred(m: number[][]): { c: number[][]; mean: number[] } {
  const d = m[0].length;
  const mean = Array.from({ length: d }, (_, j) => m.reduce((a, r) => a + r[j], 0) / m.length);
  return { c: m.map((r) => r.map((v, j) => v - mean[j])), mean };
}

const sumSq = (m: number[][]) => m.reduce((a, r) => a + r.reduce((b, v) => b + v * v, 0), 0);
const sqDist = (a: number[][], b: number[][]) =>
  a.reduce((s, r, i) => s + r.reduce((t, v, j) => t + (v - b[i][j]) ** 2, 0), 0);

/**
 * Fit `moving` onto `reference` (same N points in the same order, same width d) by translation, scale and an
 * orthogonal map, in float64. The orthogonal map is the polar factor of M = B̃ᵀÃ (B̃, Ã centred):
 * R = M (MᵀM)^(−1/2), and the scale is tr((MᵀM)^(1/2)) / ‖B̃‖². Both sets must span all d dimensions
 * (N > d points in general position); project to fewer dimensions first (e.g. kd.analysis.pca) otherwise.
 * Used in chapter 6 (§6.4: is a student's embedding the teacher's, or only the teacher's shape?).
 * @param reference [N, d] the fixed points (e.g. the teacher's embeddings)
 * @param moving [N, d] the points to align (e.g. the student's embeddings of the same samples)
 * @example
 * const { rawError, alignedError } = kd.analysis.procrustes(teacherEmb, studentEmb);
 */
export function procrustes(reference: MatrixInput, moving: MatrixInput): ProcrustesResult {
  const a = rows(reference, 'reference');
  const b = rows(moving, 'moving');
  const n = a.length;
  const d = a[0].length;
  if (b.length !== n || b[0].length !== d)
    throw new Error(
      `procrustes: moving must have the reference's shape [${n}, ${d}] (the same points in the same order), got [${b.length}, ${b[0].length}]`,
    );
  const A = centred(a);
  const B = centred(b);
  const spread = sumSq(A.c);
  if (!(spread > 0)) throw new Error('procrustes: the reference points are all identical (no spread to compare to)');
  // M = B̃ᵀ Ã (d × d) and its Gram matrix MᵀM.
  const m = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => B.c.reduce((s, r, k) => s + r[i] * A.c[k][j], 0)),
  );
  const gram = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => m.reduce((s, r) => s + r[i] * r[j], 0)),
  );
  const { values, vectors } = jacobiEigen(gram);
  const largest = Math.max(values[0], 0);
  if (!(largest > 0) || values[d - 1] <= 1e-12 * largest)
    throw new Error(
      `procrustes: the points span fewer than ${d} dimensions (${n} points); give more points than dimensions or project them first (e.g. kd.analysis.pca)`,
    );
  const sv = values.map(Math.sqrt); // singular values of M
  // (MᵀM)^(−1/2) = V diag(1/σ) Vᵀ; rotation = M · that.
  const invRoot = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => vectors[i].reduce((s, v, k) => s + (v * vectors[j][k]) / sv[k], 0)),
  );
  const rotation = m.map((r) => Array.from({ length: d }, (_, j) => r.reduce((s, v, k) => s + v * invRoot[k][j], 0)));
  const scale = sv.reduce((s, v) => s + v, 0) / sumSq(B.c);
  const aligned = B.c.map((r) =>
    Array.from({ length: d }, (_, j) => scale * r.reduce((s, v, k) => s + v * rotation[k][j], 0) + A.mean[j]),
  );
  return { aligned, scale, rotation, rawError: sqDist(a, b) / spread, alignedError: sqDist(a, aligned) / spread };
}
