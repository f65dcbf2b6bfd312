/**
 * kd.losses.gradientCheck: the numeric gradient matches derivatives worked by hand, a correct tf.grad passes, and
 * gradients that are wrong while the values are right (a doubled custom gradient, a stopped normalisation) are
 * caught with the relative error the hand calculation predicts. Coordinates are subsampled reproducibly; no leaks.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { gradientCheck, stopGradient } from '../../lib/losses';
import { assertAllClose } from '../support/gradcheck';

const X = [0.5, -1.25, 2, 0.1, -0.7, 1.5];

test('losses.gradientCheck', async (tb) => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const x = tf.tensor2d(X, [2, 3]);

  await tb.test('sum of cubes: numeric gradient = 3x² by hand, small error', () => {
    const r = gradientCheck((v) => tf.sum(tf.pow(v, 3)), x);
    assert.deepEqual(r.indices, [0, 1, 2, 3, 4, 5]);
    const hand = X.map((v) => 3 * v * v);
    assertAllClose(r.numeric, hand, { rtol: 1e-3, atol: 0 }, 'numeric');
    assertAllClose(r.analytic, hand, { rtol: 1e-6, atol: 0 }, 'analytic');
    assert.ok(r.maxRelativeError < 1e-3, `maxRelativeError ${r.maxRelativeError}`);
    assert.ok(r.maxAbsoluteError <= r.maxRelativeError * 12 + 1e-12, 'relative to the largest entry, 3·2² = 12');
  });

  await tb.test('a custom gradient twice too large: relative error |2g − g| / max|2g| = 1/2', () => {
    const doubled = tf.customGrad<tf.Scalar>(((v: tf.Tensor) => ({
      value: tf.sum(tf.square(v)),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.mul(4, v)),
    })) as never);
    const r = gradientCheck(doubled, x);
    assert.ok(Math.abs(r.maxRelativeError - 0.5) < 1e-3, `maxRelativeError ${r.maxRelativeError}`);
  });

  await tb.test('a stopped normalisation: same value, gradient without its projection term', () => {
    // f(v) = Σ (v/‖v‖ − t)² with ‖v‖ computed on stopGradient(v): the value is exact, the gradient is
    // 2(u − t)/‖v‖ instead of (I − u uᵀ)·2(u − t)/‖v‖, with u = v/‖v‖.
    const t = tf.tensor1d([1, 0, 0]);
    const v = tf.tensor1d([0.6, 0.8, 0]);
    const right = (a: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.sub(tf.div(a, tf.norm(a)), t)));
    const wrong = (a: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.sub(tf.div(a, tf.norm(stopGradient(a))), t)));
    const ok = gradientCheck(right, v);
    const bad = gradientCheck(wrong, v);
    assert.ok(Math.abs(tf.tidy(() => right(v).sub(wrong(v)).dataSync()[0])) === 0, 'same value');
    // By hand, ‖v‖ = 1, u = v, u − t = (−0.4, 0.8, 0), u·(u − t) = −0.24 + 0.64 = 0.4:
    // right: 2[(−0.4, 0.8, 0) − 0.4·(0.6, 0.8, 0)] = (−1.28, 0.96, 0); wrong: (−0.8, 1.6, 0).
    assertAllClose(ok.numeric, [-1.28, 0.96, 0], { rtol: 1e-3, atol: 0 }, 'numeric');
    assertAllClose(bad.analytic, [-0.8, 1.6, 0], { rtol: 1e-6, atol: 0 }, 'wrong analytic');
    assert.ok(ok.maxRelativeError < 1e-3, `right: ${ok.maxRelativeError}`);
    // max |wrong − numeric| = |1.6 − 0.96| = 0.64 over the largest entry 1.6: 0.4.
    assert.ok(Math.abs(bad.maxRelativeError - 0.4) < 1e-3, `wrong: ${bad.maxRelativeError}`);
    tf.dispose([t, v]);
  });

  await tb.test('coordinates: a reproducible subset of distinct indices; all when x is small', () => {
    const big = tf.tidy(() => tf.range(0, 1000).div(1000));
    const r1 = gradientCheck((v) => tf.sum(tf.square(v)), big, { coordinates: 10, seed: 3 });
    const r2 = gradientCheck((v) => tf.sum(tf.square(v)), big, { coordinates: 10, seed: 3 });
    assert.deepEqual(r1.indices, r2.indices);
    assert.equal(new Set(r1.indices).size, 10);
    assert.ok(
      r1.indices.every((i, k) => Number.isInteger(i) && i >= 0 && i < 1000 && (k === 0 || i > r1.indices[k - 1])),
    );
    // d/dv_i Σ v² = 2 v_i = 2 i / 1000.
    assertAllClose(
      r1.numeric,
      r1.indices.map((i) => (2 * i) / 1000),
      { rtol: 1e-2, atol: 0 },
      'numeric',
    );
    big.dispose();
  });

  await tb.test('bad arguments', () => {
    assert.throws(() => gradientCheck('f' as never, x), /f must be a function/);
    assert.throws(
      () => gradientCheck((v) => tf.sum(v), [1, 2] as never),
      /x must be a non-empty float32 tf\.Tensor, got an array/,
    );
    assert.throws(() => gradientCheck((v) => v as tf.Scalar, x), /f must return a scalar tensor, got shape \[2,3\]/);
    assert.throws(() => gradientCheck((v) => tf.sum(v), x, { eps: 0 }), /eps must be a positive number, got 0/);
    assert.throws(
      () => gradientCheck((v) => tf.sum(v), x, { coordinates: 1.5 }),
      /coordinates must be an integer >= 1/,
    );
  });

  x.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
});
