/**
 * kd.losses.attentionMap and kd.losses.rkdPotentials (the maps chapter 3 draws) against float64 hand
 * computations; bad input; no tensor leaks (cpu backend).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

const tf = kd.tf;

test('cpu backend', async () => {
  await tf.setBackend('cpu');
});

test('attentionMap: channel mean of f², unit norm per sample', () => {
  // One sample, 2×1 positions, 2 channels: Q = [(1 + 9)/2, (4 + 0)/2] = [5, 2], a = Q / √29.
  const f = tf.tensor4d([1, -3, 2, 0], [1, 2, 1, 2]);
  const n0 = tf.memory().numTensors;
  const a = kd.losses.attentionMap(f);
  assert.deepEqual(a.shape, [1, 2, 1]);
  const want = [5 / Math.sqrt(29), 2 / Math.sqrt(29)];
  a.dataSync().forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `a[${i}] ${v} vs ${want[i]}`));
  // p = 1: Q = [(1 + 3)/2, (2 + 0)/2] = [2, 1].
  const a1 = kd.losses.attentionMap(f, 1);
  const want1 = [2 / Math.sqrt(5), 1 / Math.sqrt(5)];
  a1.dataSync().forEach((v, i) => assert.ok(Math.abs(v - want1[i]) < 1e-6, `p=1: a[${i}]`));
  tf.dispose([a, a1]);
  assert.equal(tf.memory().numTensors, n0, 'no tensor leak');
  assert.throws(() => kd.losses.attentionMap(tf.zeros([2, 3])), /attentionMap/);
  assert.throws(() => kd.losses.attentionMap(f, 0), /attentionMap: p must be a positive number, got 0/);
  f.dispose();
});

test('rkdPotentials: distances over their mean, cosines of the angles', () => {
  // A right triangle: x0 = (0,0), x1 = (3,0), x2 = (0,4). Distances 3, 4, 5; μ = 4.
  const x = tf.tensor2d([0, 0, 3, 0, 0, 4], [3, 2]);
  const n0 = tf.memory().numTensors;
  const { distances, angles } = kd.losses.rkdPotentials(x);
  const d = distances.arraySync();
  const want = [
    [0, 3 / 4, 4 / 4],
    [3 / 4, 0, 5 / 4],
    [4 / 4, 5 / 4, 0],
  ];
  want.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(d[i][j] - v) < 1e-6, `d[${i}][${j}]`)));
  const c = angles.arraySync();
  // At x0 between x1 and x2: a right angle; at x1 between x0 and x2: cos = 3/5; at x2: cos = 4/5.
  assert.ok(Math.abs(c[0][1][2]) < 1e-6, 'right angle at x0');
  assert.ok(Math.abs(c[1][0][2] - 3 / 5) < 1e-6, `cos at x1 ${c[1][0][2]}`);
  assert.ok(Math.abs(c[2][0][1] - 4 / 5) < 1e-6, `cos at x2 ${c[2][0][1]}`);
  assert.ok(Math.abs(c[1][2][2] - 1) < 1e-6, 'same direction: cosine 1');
  tf.dispose([distances, angles]);
  assert.equal(tf.memory().numTensors, n0, 'no tensor leak');
  x.dispose();
  assert.throws(() => kd.losses.rkdPotentials(tf.zeros([3])), /rkdPotentials/);
});
