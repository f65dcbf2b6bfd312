import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';

test('meanStd uses the n−1 sample deviation', () => {
  // values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum 32, sample variance 32/7
  const s = kd.experiment.meanStd([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.mean, 5);
  assert.ok(Math.abs(s.std - Math.sqrt(32 / 7)) < 1e-12);
  assert.equal(kd.experiment.meanStd([3]).std, 0);
  assert.equal(kd.experiment.formatMeanStd({ mean: 1.234, std: 0.05, n: 2, values: [] }, 1), '1.2 ± 0.1');
  assert.throws(() => kd.experiment.meanStd([]), /non-empty/);
  assert.throws(() => kd.experiment.meanStd([1, NaN]), /values\[1\].*NaN/);
});

test('overSeeds runs each seed in order and summarises numeric fields only', async () => {
  const order: number[] = [];
  const r = await kd.experiment.overSeeds([1, 2, 3], async (seed) => {
    order.push(seed);
    return { acc: seed / 10, name: `s${seed}` };
  });
  assert.deepEqual(order, [1, 2, 3]);
  assert.ok(Math.abs(r.summary.acc.mean - 0.2) < 1e-12);
  assert.ok(Math.abs(r.summary.acc.std - 0.1) < 1e-12);
  assert.equal(r.summary.name, undefined);
  await assert.rejects(
    kd.experiment.overSeeds([], () => ({})),
    /seeds must be a non-empty array/,
  );
});

test('class-bias tuning counts errors as worked out by hand', () => {
  // 3 samples, 3 classes; class 2 is under-predicted by about 1.
  const logits = new Float32Array([
    0,
    1,
    0.5, // label 2: predicted 1 unless delta > 0.5
    2,
    0,
    1.5, // label 0: stays 0 unless delta > 0.5
    0,
    0,
    3, // label 2: correct already
  ]);
  const labels = new Int32Array([2, 0, 2]);
  assert.deepEqual(kd.experiment.classBiasErrors(logits, labels, 3, 2, 0), { errors: 1, classErrors: 1 });
  assert.deepEqual(kd.experiment.classBiasErrors(logits, labels, 3, 2, 0.75), { errors: 1, classErrors: 0 });
  const t = kd.experiment.tuneClassBias(logits, labels, 3, 2, [0, 0.75]);
  // both candidates give 1 error overall; the first (no shift) is kept on ties
  assert.equal(t.delta, 0);
  assert.equal(t.classErrorsBefore, 1);
  assert.throws(
    () => kd.experiment.classBiasErrors(logits, labels, 4, 2, 0),
    /logits must hold labels.length × classes = 3 × 4 = 12 values, got 9/,
  );
  assert.throws(
    () => kd.experiment.classBiasErrors(logits, labels, 3, 5, 0),
    /class must be an integer in \[0, 2\], got 5/,
  );
});

test('shiftClassBias edits only the chosen logit bias', async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [2],
        units: 3,
        name: 'logits',
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
      }),
    ],
  });
  const before = tf.memory().numTensors;
  kd.experiment.shiftClassBias(model, 1, 2.5);
  assert.equal(tf.memory().numTensors, before);
  const out = tf.tidy(() => Array.from((model.predict(tf.tensor2d([[1, 1]])) as tf.Tensor).dataSync()));
  assert.deepEqual(out, [0, 2.5, 0]);
  assert.throws(
    () => kd.experiment.shiftClassBias(model, 3, 1),
    /class must be an integer in \[0, 2\] of layer 'logits', got 3/,
  );
});

test('paired comparison: gains, paired std and t worked out by hand', () => {
  // gains 10, 6, 4: mean 20/3; squared deviations 100/9 + 4/9 + 64/9 = 168/9, /2 → variance 28/3
  const p = kd.experiment.paired([90, 85, 88], [80, 79, 84]);
  assert.deepEqual(p.gains, [10, 6, 4]);
  assert.ok(Math.abs(p.mean - 20 / 3) < 1e-12);
  assert.ok(Math.abs(p.std - Math.sqrt(28 / 3)) < 1e-12);
  assert.ok(Math.abs(p.standardError - Math.sqrt(28 / 9)) < 1e-12);
  assert.ok(Math.abs(p.t - 20 / 3 / Math.sqrt(28 / 9)) < 1e-12); // 3.78 < t(0.975, 2) = 4.303
  assert.equal(p.critical, 4.303);
  assert.equal(p.wins, 3);
  assert.equal(p.verdict, 'noise'); // three wins out of three is not yet 95 % evidence at this spread
  // gains 5, 6, 7, 6: mean 6, variance 2/3, se √(2/3)/2, t ≈ 14.7 > t(0.975, 3) = 3.182
  const q = kd.experiment.paired([15, 16, 17, 16], [10, 10, 10, 10]);
  assert.ok(Math.abs(q.t - 6 / (Math.sqrt(2 / 3) / 2)) < 1e-12);
  assert.equal(q.verdict, 'better');
  // gains −2, −3, −2: mean −7/3, variance 1/3, se 1/3, t = −7 < −4.303
  const w = kd.experiment.paired([10, 10, 10], [12, 13, 12]);
  assert.ok(Math.abs(w.t + 7) < 1e-12);
  assert.equal(w.verdict, 'worse');
  assert.equal(w.wins, 0);
  assert.equal(kd.experiment.paired([3, 3], [3, 3]).t, 0);
  assert.equal(kd.experiment.paired([5, 7], [3, 5]).t, Infinity);
  assert.equal(kd.experiment.paired([5, 7], [3, 5]).verdict, 'better');
});

test('paired comparison: critical values and the evidence sentence', () => {
  assert.equal(kd.experiment.tCritical95(1), 12.706);
  assert.equal(kd.experiment.tCritical95(4), 2.776);
  assert.equal(kd.experiment.tCritical95(30), 2.042);
  assert.equal(kd.experiment.tCritical95(100), 2.042);
  const p = kd.experiment.paired([15, 16, 17, 16], [10, 10, 10, 10]);
  assert.equal(
    kd.experiment.describePaired(p),
    '6.0 fewer errors on average over 4 paired seeds (fewer in 4 of 4; std of the paired differences 0.8, t = 14.7, |t| > 3.18 needed for 95 % confidence)',
  );
  assert.equal(
    kd.experiment.describePaired(kd.experiment.paired([10, 10, 10], [12, 13, 12]), 'errors', 2),
    '2.33 more errors on average over 3 paired seeds (fewer in 0 of 3; std of the paired differences 0.58, t = -7.0, |t| > 4.30 needed for 95 % confidence)',
  );
});

test('paired comparison rejects what cannot be paired', () => {
  assert.throws(() => kd.experiment.paired([1, 2, 3], [1, 2]), /must pair up \(same seeds\), got 3 and 2 values/);
  assert.throws(() => kd.experiment.paired([1], [2]), /at least 2 pairs .* got 1/);
  assert.throws(() => kd.experiment.paired([1, NaN], [1, 2]), /baseline\[1\] must be a finite number, got NaN/);
  assert.throws(() => kd.experiment.tCritical95(0), /df must be an integer ≥ 1, got 0/);
});
