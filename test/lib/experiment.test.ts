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
  const r = await kd.experiment.overSeeds([1, 2, 3], async (seed) => { order.push(seed); return { acc: seed / 10, name: `s${seed}` }; });
  assert.deepEqual(order, [1, 2, 3]);
  assert.ok(Math.abs(r.summary.acc.mean - 0.2) < 1e-12);
  assert.ok(Math.abs(r.summary.acc.std - 0.1) < 1e-12);
  assert.equal(r.summary.name, undefined);
  await assert.rejects(kd.experiment.overSeeds([], () => ({})), /seeds must be a non-empty array/);
});

test('class-bias tuning counts errors as worked out by hand', () => {
  // 3 samples, 3 classes; class 2 is under-predicted by about 1.
  const logits = new Float32Array([
    0, 1, 0.5, // label 2: predicted 1 unless delta > 0.5
    2, 0, 1.5, // label 0: stays 0 unless delta > 0.5
    0, 0, 3, // label 2: correct already
  ]);
  const labels = new Int32Array([2, 0, 2]);
  assert.deepEqual(kd.experiment.classBiasErrors(logits, labels, 3, 2, 0), { errors: 1, classErrors: 1 });
  assert.deepEqual(kd.experiment.classBiasErrors(logits, labels, 3, 2, 0.75), { errors: 1, classErrors: 0 });
  const t = kd.experiment.tuneClassBias(logits, labels, 3, 2, [0, 0.75]);
  // both candidates give 1 error overall; the first (no shift) is kept on ties
  assert.equal(t.delta, 0);
  assert.equal(t.classErrorsBefore, 1);
  assert.throws(() => kd.experiment.classBiasErrors(logits, labels, 4, 2, 0), /logits must hold labels.length × classes = 3 × 4 = 12 values, got 9/);
  assert.throws(() => kd.experiment.classBiasErrors(logits, labels, 3, 5, 0), /class must be an integer in \[0, 2\], got 5/);
});

test('shiftClassBias edits only the chosen logit bias', async () => {
  await tf.setBackend('cpu');
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 3, name: 'logits', kernelInitializer: 'zeros', biasInitializer: 'zeros' })] });
  const before = tf.memory().numTensors;
  kd.experiment.shiftClassBias(model, 1, 2.5);
  assert.equal(tf.memory().numTensors, before);
  const out = tf.tidy(() => Array.from((model.predict(tf.tensor2d([[1, 1]])) as tf.Tensor).dataSync()));
  assert.deepEqual(out, [0, 2.5, 0]);
  assert.throws(() => kd.experiment.shiftClassBias(model, 3, 1), /class must be an integer in \[0, 2\] of layer 'logits', got 3/);
});
