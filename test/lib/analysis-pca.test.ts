import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { rng } from '../support/gradcheck';
import { covariance, eigenResidual, symmetricEigen, type Mat } from '../support/eigen-reference';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);

/** Equal up to an overall sign (an eigenvector's sign is arbitrary). */
function closeUpToSign(a: number[], b: number[], tol: number, what: string) {
  const s = a.reduce((t, x, i) => t + x * b[i], 0) < 0 ? -1 : 1;
  a.forEach((x, i) => close(x, s * b[i], tol, `${what}[${i}]`));
}

/** n samples in d dimensions with variances scales[j]² along a random orthonormal basis (rows of a QR of normals). */
function structured(seed: number, n: number, scales: number[]): Mat {
  const r = rng(seed);
  const d = scales.length;
  const basis: Mat = [];
  for (let i = 0; i < d; i++) {
    const v = Array.from({ length: d }, () => r.normal());
    for (const b of basis) {
      const f = v.reduce((s, x, j) => s + x * b[j], 0);
      b.forEach((x, j) => (v[j] -= f * x));
    }
    const norm = Math.hypot(...v);
    basis.push(v.map((x) => x / norm));
  }
  return Array.from({ length: n }, () => {
    const z = scales.map((s) => s * r.normal());
    return Array.from({ length: d }, (_, j) => 3 + z.reduce((s, zi, i) => s + zi * basis[i][j], 0));
  });
}

test('pca on a hand-computable 2-D set: the diagonal of y = x and its normal', async () => {
  await tf.setBackend('cpu');
  // centred already; covariance (1/3)[[20, 16], [16, 20]]: 12 along (1, 1)/√2 and 4/3 along (1, −1)/√2
  const x = [
    [3, 3],
    [-3, -3],
    [1, -1],
    [-1, 1],
  ];
  const p = kd.analysis.pca(x, { components: 2 });
  const h = Math.SQRT1_2;
  p.mean.forEach((m, i) => close(m, 0, 1e-7, `mean[${i}]`));
  close(p.explainedVariance[0], 12, 1e-5, 'variance 0');
  close(p.explainedVariance[1], 4 / 3, 1e-5, 'variance 1');
  close(p.explainedVarianceRatio[0], 0.9, 1e-6, 'ratio 0');
  close(p.explainedVarianceRatio[1], 0.1, 1e-6, 'ratio 1');
  // the sign convention makes the largest entry (the first, on a tie) positive
  [h, h].forEach((v, i) => close(p.components[0][i], v, 1e-6, `component 0[${i}]`));
  [h, -h].forEach((v, i) => close(p.components[1][i], v, 1e-6, `component 1[${i}]`));
  const t = p.transform([
    [3, 3],
    [1, -1],
  ]);
  const expected = [
    [3 * Math.SQRT2, 0],
    [0, Math.SQRT2],
  ];
  t.arraySync().forEach((row, i) => row.forEach((v, j) => close(v, expected[i][j], 1e-5, `projected[${i}][${j}]`)));
  t.dispose();
});

test('pca matches a float64 Jacobi eigen-decomposition of the covariance, up to sign', async () => {
  await tf.setBackend('cpu');
  // d = 30 with k = 3 leaves most of the space outside the block iteration's 11 columns
  const scales = Array.from({ length: 30 }, (_, i) => 4 * 0.8 ** i);
  const x = structured(7, 400, scales);
  const { mean, cov } = covariance(x);
  const ref = symmetricEigen(cov);
  ref.values
    .slice(0, 3)
    .forEach((v, i) => assert.ok(eigenResidual(cov, v, ref.vectors[i]) < 1e-9, 'reference is an eigenpair'));
  const total = cov.reduce((s, row, i) => s + row[i], 0);

  const before = tf.memory().numTensors;
  const xt = tf.tensor2d(x);
  const p = kd.analysis.pca(xt, { components: 3 });
  xt.dispose();
  assert.equal(tf.memory().numTensors, before, 'pca leaves no tensors');

  assert.equal(p.components.length, 3);
  mean.forEach((m, j) => close(p.mean[j], m, 1e-4, `mean[${j}]`));
  for (let i = 0; i < 3; i++) {
    close(p.explainedVariance[i], ref.values[i], 1e-4 * ref.values[0], `variance ${i}`);
    close(p.explainedVarianceRatio[i], ref.values[i] / total, 1e-5, `ratio ${i}`);
    closeUpToSign(p.components[i], ref.vectors[i], 2e-4, `component ${i}`);
    // the sign is fixed: the largest-magnitude entry is positive, so two fits of one data set draw the same plot
    const largest = p.components[i].reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0);
    assert.ok(largest > 0, `component ${i}'s largest entry ${largest} is positive`);
    for (let j = 0; j < 3; j++) {
      const dot = p.components[i].reduce((s, a, c) => s + a * p.components[j][c], 0);
      close(dot, i === j ? 1 : 0, 1e-9, `components ${i}·${j}`);
    }
  }

  // each projected column has the sample variance its component claims
  const t = p.transform(x);
  const cols = t.arraySync();
  t.dispose();
  assert.equal(tf.memory().numTensors, before, 'transform leaves only its result, disposed here');
  for (let i = 0; i < 3; i++) {
    const c = cols.map((row) => row[i]);
    const m = c.reduce((s, v) => s + v, 0) / c.length;
    close(m, 0, 1e-3, `projected mean ${i}`);
    close(
      c.reduce((s, v) => s + (v - m) ** 2, 0) / (c.length - 1),
      ref.values[i],
      1e-3 * ref.values[0],
      `projected variance ${i}`,
    );
  }
});

test('pca of data with more features than samples keeps a zero-variance remainder at zero', async () => {
  await tf.setBackend('cpu');
  // 3 samples in 5-D span a 2-D affine plane: variances beyond the second are 0
  const x = [
    [1, 0, 0, 2, 0],
    [0, 1, 0, 0, 3],
    [0, 0, 1, 1, 1],
  ];
  const { cov } = covariance(x);
  const ref = symmetricEigen(cov);
  const p = kd.analysis.pca(x, { components: 4 });
  for (let i = 0; i < 2; i++) {
    close(p.explainedVariance[i], ref.values[i], 1e-5, `variance ${i}`);
    closeUpToSign(p.components[i], ref.vectors[i], 1e-5, `component ${i}`);
  }
  close(p.explainedVariance[2], 0, 1e-5, 'variance 2');
  close(p.explainedVarianceRatio[0] + p.explainedVarianceRatio[1], 1, 1e-5, 'two components explain everything');
});

test('pca rejects bad input with what it expected', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  assert.throws(() => kd.analysis.pca([[1, 2]]), /at least 2 rows.*got 1/);
  assert.throws(
    () =>
      kd.analysis.pca(
        [
          [1, 2],
          [3, 4],
        ],
        { components: 3 },
      ),
    /components must be an integer in \[1, 2\].*got 3/,
  );
  assert.throws(
    () =>
      kd.analysis.pca(
        [
          [1, 2],
          [3, 4],
        ],
        { components: 0 },
      ),
    /got 0/,
  );
  assert.throws(() => kd.analysis.pca([[1, 2], [3]]), /x\[1\] must be a number\[\] of length 2/);
  assert.throws(
    () =>
      kd.analysis.pca([
        [1, 2],
        [3, NaN],
      ]),
    /x\[1\]\[1\] must be a finite number, got NaN/,
  );
  assert.throws(() => kd.analysis.pca([] as number[][]), /non-empty number\[\]\[\]/);
  const r3 = tf.zeros([2, 2, 2]);
  assert.throws(() => kd.analysis.pca(r3 as tf.Tensor2D), /rank-2 tensor.*got shape \[2,2,2\]/);
  r3.dispose();
  const p = kd.analysis.pca(
    [
      [1, 2],
      [3, 5],
      [0, 1],
    ],
    { components: 1 },
  );
  assert.throws(() => p.transform([[1, 2, 3]]), /must have 2 columns.*got shape \[1,3\]/);
  assert.equal(tf.memory().numTensors, before, 'no tensors left by the failed calls');
});
