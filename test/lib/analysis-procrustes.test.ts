/**
 * kd.analysis.procrustes against hand-worked cases: a square rotated by 90°, doubled and shifted (scale, rotation
 * and both errors derived by hand), a mirrored 3-d set (the orthogonal map may reflect), a noisy 2-d set against a
 * brute-force scan over angles and reflections, and bad input named.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';

before(async () => {
  await kd.backend.init();
});

const close = (a: number, b: number, what: string, tol = 1e-9) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
const closeRows = (a: number[][], b: number[][], what: string, tol = 1e-5) =>
  a.forEach((r, i) => r.forEach((v, j) => close(v, b[i][j], `${what}[${i}][${j}]`, tol)));

test('a square turned by 90°, doubled and moved by (3, 4) aligns back exactly', () => {
  const square = [
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
  ];
  // (x, y) ↦ 2 · (−y, x) + (3, 4)
  const moved = [
    [3, 6],
    [1, 4],
    [3, 2],
    [5, 4],
  ];
  const r = kd.analysis.procrustes(square, moved);
  close(r.scale, 0.5, 'scale', 1e-6);
  // Row convention x ↦ x · R: (0, 1) must go to (1, 0) and (−1, 0) to (0, 1).
  closeRows(
    r.rotation,
    [
      [0, -1],
      [1, 0],
    ],
    'rotation',
  );
  closeRows(r.aligned, square, 'aligned');
  // Raw squared distances 40 + 10 + 20 + 50 = 120 over the square's spread 4.
  close(r.rawError, 30, 'rawError', 1e-5);
  close(r.alignedError, 0, 'alignedError', 1e-9);
});

test('a mirrored 3-d set aligns with a reflection (det −1)', () => {
  const ref = [
    [0, 0, 0],
    [1, 0, 0],
    [0, 2, 0],
    [0, 0, 3],
    [1, 1, 1],
  ];
  const mirrored = ref.map(([x, y, z]) => [x, -y, z]);
  const r = kd.analysis.procrustes(ref, mirrored);
  closeRows(r.aligned, ref, 'aligned');
  close(r.scale, 1, 'scale', 1e-6);
  closeRows(
    r.rotation,
    [
      [1, 0, 0],
      [0, -1, 0],
      [0, 0, 1],
    ],
    'rotation',
  );
  close(r.alignedError, 0, 'alignedError', 1e-9);
});

test('with noise it matches a brute-force scan over angles, reflections and the best scale', () => {
  const ref = [
    [0, 0],
    [2, 0],
    [2, 1],
    [0, 1.5],
    [1, 3],
  ];
  const theta = 0.7;
  const moving = ref.map(([x, y], i) => [
    1.7 * (x * Math.cos(theta) - y * Math.sin(theta)) + 5 + (i % 2 ? 0.1 : -0.05),
    1.7 * (x * Math.sin(theta) + y * Math.cos(theta)) - 2 + (i === 3 ? 0.2 : 0),
  ]);
  const r = kd.analysis.procrustes(ref, moving);
  const mean = (m: number[][]) => [0, 1].map((j) => m.reduce((s, p) => s + p[j], 0) / m.length);
  const [ma, mb] = [mean(ref), mean(moving)];
  const a = ref.map((p) => [p[0] - ma[0], p[1] - ma[1]]);
  const spread = a.reduce((s, p) => s + p[0] ** 2 + p[1] ** 2, 0);
  let best = Infinity;
  for (const flip of [1, -1]) {
    const b = moving.map((p) => [p[0] - mb[0], flip * (p[1] - mb[1])]);
    for (let k = 0; k < 200000; k++) {
      const t = (2 * Math.PI * k) / 200000;
      const rb = b.map(([x, y]) => [x * Math.cos(t) - y * Math.sin(t), x * Math.sin(t) + y * Math.cos(t)]);
      const s =
        rb.reduce((acc, p, i) => acc + p[0] * a[i][0] + p[1] * a[i][1], 0) /
        b.reduce((acc, p) => acc + p[0] ** 2 + p[1] ** 2, 0);
      const err = rb.reduce((acc, p, i) => acc + (s * p[0] - a[i][0]) ** 2 + (s * p[1] - a[i][1]) ** 2, 0);
      best = Math.min(best, err);
    }
  }
  close(r.alignedError, best / spread, 'alignedError vs scan', 1e-7);
  assert.ok(
    r.alignedError > 0 && r.alignedError < r.rawError,
    'noise leaves some structure error, far below the raw one',
  );
});

test('bad input is named', () => {
  assert.throws(
    () =>
      kd.analysis.procrustes(
        [
          [0, 0],
          [1, 1],
        ],
        [
          [0, 0, 0],
          [1, 1, 1],
        ],
      ),
    /moving must have the reference's shape \[2, 2\]/,
  );
  assert.throws(
    () =>
      kd.analysis.procrustes(
        [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      ),
    /reference points are all identical/,
  );
  // Three collinear points span one of two dimensions.
  assert.throws(
    () =>
      kd.analysis.procrustes(
        [
          [0, 0],
          [1, 1],
          [2, 2],
        ],
        [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      ),
    /span fewer than 2 dimensions/,
  );
  assert.throws(
    () => kd.analysis.procrustes([[0, NaN]], [[0, 0]]),
    /procrustes: reference\[0\]\[1\] must be a finite number/,
  );
  const before = tf.memory().numTensors;
  kd.analysis.procrustes(
    tf.tensor2d([
      [0, 0],
      [1, 0],
      [0, 1],
    ]),
    [
      [0, 0],
      [2, 0],
      [0, 2],
    ],
  );
  assert.ok(tf.memory().numTensors <= before + 1, "only the caller's tensor stays");
});
