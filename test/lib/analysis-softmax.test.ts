import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { softmaxLossAndGradient } from '../../lib/analysis/softmax-regression';
import { rng } from '../support/gradcheck';

/** Float64 reference objective: mean cross-entropy of softmax(x w + b) plus (l2/2)‖w‖², by plain loops. */
function referenceLoss(x: number[][], y: number[], w: number[][], b: number[], l2: number): number {
  let total = 0;
  x.forEach((row, i) => {
    const z = b.map((bj, j) => bj + row.reduce((s, v, k) => s + v * w[k][j], 0));
    const max = Math.max(...z);
    const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
    total += lse - z[y[i]];
  });
  return total / x.length + (l2 / 2) * w.flat().reduce((s, v) => s + v * v, 0);
}

// three classes in three corners of the plane, separable by lines
const corners = [
  [-2, -2],
  [2, -2],
  [0, 2],
];
function toySet(seed: number, n: number) {
  const r = rng(seed);
  const y = Array.from({ length: n }, (_, i) => i % 3);
  const x = y.map((c) => corners[c].map((m) => m + 0.5 * (r.uniform() - 0.5)));
  return { x, y };
}

test('softmax regression separates a linearly separable set, its loss falling from ln 3', async () => {
  await tf.setBackend('cpu');
  const { x, y } = toySet(3, 60);
  const before = tf.memory().numTensors;
  const clf = kd.analysis.softmaxRegression({ steps: 100 });
  const { losses } = clf.fit(x, y);
  assert.equal(tf.memory().numTensors, before, 'fit leaves no tensors');
  assert.equal(losses.length, 101);
  // zero weights predict 1/3 for every class: the loss starts at ln 3
  assert.ok(Math.abs(losses[0] - Math.log(3)) < 1e-6, `initial loss ${losses[0]}`);
  assert.ok(losses[100] < 0.1 * losses[0], `final loss ${losses[100]}`);
  assert.deepEqual(Array.from(clf.predict(x)), y, 'every training point classified right');
  const test = toySet(4, 30);
  assert.deepEqual(Array.from(clf.predict(test.x)), test.y, 'and fresh points from the same corners');
  // the loss the fit reports is the objective at the fitted weights, recomputed here in float64
  assert.ok(Math.abs(losses[100] - referenceLoss(x, y, clf.weights, clf.bias, 1e-4)) < 1e-5);
  const p = clf.probabilities([
    [-2, -2],
    [0, 2],
  ]);
  const rows = p.arraySync();
  p.dispose();
  rows.forEach((row) => assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-6, 'probabilities sum to 1'));
  assert.ok(rows[0][0] > 0.9 && rows[1][2] > 0.9, 'confident at the corners');
  assert.equal(tf.memory().numTensors, before, 'no tensors left');
});

test('softmax regression without momentum and a small step never increases the loss', async () => {
  await tf.setBackend('cpu');
  const { x, y } = toySet(5, 30);
  const { losses } = kd.analysis.softmaxRegression({ steps: 50, momentum: 0, learningRate: 0.1 }).fit(x, y);
  losses.slice(1).forEach((l, i) => assert.ok(l <= losses[i] + 1e-7, `step ${i + 1}: ${l} > ${losses[i]}`));
  // deterministic: the same data and options give the same losses
  assert.deepEqual(
    kd.analysis.softmaxRegression({ steps: 50, momentum: 0, learningRate: 0.1 }).fit(x, y).losses,
    losses,
  );
});

test('the analytic gradient matches float64 central differences of the reference loss', async () => {
  await tf.setBackend('cpu');
  const r = rng(9);
  const [n, d, c, l2] = [7, 4, 3, 0.3];
  const x = Array.from({ length: n }, () => Array.from({ length: d }, () => r.normal()));
  const y = Array.from({ length: n }, (_, i) => (i * 2) % c);
  const w = Array.from({ length: d }, () => Array.from({ length: c }, () => r.normal()));
  const b = Array.from({ length: c }, () => r.normal());
  const before = tf.memory().numTensors;
  const [xt, yt, wt, bt] = [
    tf.tensor2d(x),
    tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), c).toFloat() as tf.Tensor2D),
    tf.tensor2d(w),
    tf.tensor1d(b),
  ];
  const g = softmaxLossAndGradient(xt, yt, wt, bt, l2);
  const [loss, dw, db] = [g.loss.dataSync()[0], g.dw.arraySync(), g.db.arraySync()];
  tf.dispose([xt, yt, wt, bt, g.loss, g.dw, g.db]);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Math.abs(loss - referenceLoss(x, y, w, b, l2)) < 1e-5, 'loss');
  const h = 1e-6;
  for (let k = 0; k < d; k++) {
    for (let j = 0; j < c; j++) {
      const plus = w.map((row) => [...row]);
      const minus = w.map((row) => [...row]);
      plus[k][j] += h;
      minus[k][j] -= h;
      const fd = (referenceLoss(x, y, plus, b, l2) - referenceLoss(x, y, minus, b, l2)) / (2 * h);
      assert.ok(Math.abs(dw[k][j] - fd) < 1e-5 * Math.max(1, Math.abs(fd)), `dw[${k}][${j}] ${dw[k][j]} vs ${fd}`);
    }
  }
  for (let j = 0; j < c; j++) {
    const plus = [...b];
    const minus = [...b];
    plus[j] += h;
    minus[j] -= h;
    const fd = (referenceLoss(x, y, w, plus, l2) - referenceLoss(x, y, w, minus, l2)) / (2 * h);
    assert.ok(Math.abs(db[j] - fd) < 1e-5, `db[${j}] ${db[j]} vs ${fd}`);
  }
});

test('softmax regression rejects bad input with what it expected', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  assert.throws(() => kd.analysis.softmaxRegression({ steps: 0 }), /steps must be a positive integer, got 0/);
  assert.throws(() => kd.analysis.softmaxRegression({ learningRate: -1 }), /learningRate must be > 0, got -1/);
  assert.throws(() => kd.analysis.softmaxRegression({ momentum: 1 }), /momentum must be in \[0, 1\), got 1/);
  assert.throws(() => kd.analysis.softmaxRegression({ classes: 1 }), /classes must be an integer ≥ 2, got 1/);
  const clf = kd.analysis.softmaxRegression({ classes: 3, steps: 2 });
  assert.throws(() => clf.predict([[1, 2]]), /predict: call fit\(x, y\) first/);
  assert.throws(() => clf.fit([[1, 2]], [3]), /y\[0\] must be an integer in \[0, 2\], got 3/);
  assert.throws(() => clf.fit([[1, 2]], [0, 1]), /y must have one label per row of x \(1\), got 2/);
  clf.fit(
    [
      [1, 2],
      [3, 4],
    ],
    [0, 2],
  );
  assert.throws(() => clf.probabilities([[1, 2, 3]]), /x must have 2 columns \(as in fit\), got shape \[1,3\]/);
  assert.equal(tf.memory().numTensors, before, 'no tensors left by the failed calls');
});
