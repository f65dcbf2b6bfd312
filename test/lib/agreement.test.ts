/**
 * kd.distill.agreement against a float64 reference on models with known logits, and kd.distill.recordTeacher:
 * distilling from the recording trains the same student as distilling from the live teacher.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';

before(async () => {
  await kd.backend.init();
});

/** A linear model [2] → [3] with the given kernel (rows = inputs) and no bias: logits by hand. */
const linear = (w: number[][]) =>
  tf.sequential({
    layers: [tf.layers.dense({ inputShape: [2], units: 3, useBias: false, weights: [tf.tensor2d(w)] })],
  });

function logSoftmax64(z: number[]): number[] {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((a, v) => a + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

test('top-1 agreement and mean KL(reference ‖ model) match a float64 computation, at T = 1 and T = 3', () => {
  const wr = [
    [1, -1, 0.5],
    [0, 2, -1],
  ];
  const wm = [
    [0.5, -1, 1],
    [0.3, 1, -2],
  ];
  const xs = [
    [1, 0],
    [0, 1],
    [2, -1],
    [-1, 1],
    [0.5, 0.5],
  ];
  const ys = [0, 2, 0, 1, 1];
  const ds = { x: Float32Array.from(xs.flat()), y: Int32Array.from(ys), n: 5, sampleShape: [2], classes: 3 };
  const ref = linear(wr),
    mod = linear(wm);
  const logits = (w: number[][], x: number[]) => [0, 1, 2].map((j) => x[0] * w[0][j] + x[1] * w[1][j]);
  for (const T of [1, 3]) {
    let same = 0,
      kl = 0,
      right = 0;
    xs.forEach((x, i) => {
      const zr = logits(wr, x),
        zm = logits(wm, x);
      if (zr.indexOf(Math.max(...zr)) === zm.indexOf(Math.max(...zm))) same++;
      if (zm.indexOf(Math.max(...zm)) === ys[i]) right++;
      const lr = logSoftmax64(zr.map((v) => v / T)),
        lm = logSoftmax64(zm.map((v) => v / T));
      kl += lr.reduce((a, l, j) => a + Math.exp(l) * (l - lm[j]), 0);
    });
    const refLogits = tf.tensor2d(xs.map((x) => logits(wr, x)));
    for (const reference of [ref, refLogits]) {
      const r = kd.distill.agreement(reference, mod, ds, { temperature: T, batchSize: 2 });
      assert.equal(r.n, 5);
      assert.equal(r.top1, same / 5);
      assert.equal(r.accuracy, right / 5);
      assert.ok(Math.abs(r.kl - kl / 5) < 1e-5, `T=${T}: kl ${r.kl} vs ${kl / 5}`);
    }
    assert.throws(() => kd.distill.agreement(tf.slice(refLogits, [0, 0], [4, 3]), mod, ds), /shape \[5, classes\]/);
    refLogits.dispose();
  }
  const self = kd.distill.agreement(ref, ref, ds);
  assert.equal(self.top1, 1);
  assert.ok(Math.abs(self.kl) < 1e-6);
  assert.throws(() => kd.distill.agreement(ref, mod, ds, { temperature: 0 }), /temperature/);
  const four = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 4 })] });
  const before = tf.memory().numTensors;
  assert.throws(() => kd.distill.agreement(ref, four, ds), /3 and 4 outputs/);
  assert.equal(tf.memory().numTensors, before, 'no leak on error');
  for (const m of [ref, mod, four]) m.dispose();
});

test('a student distilled from the recorded teacher equals one distilled from the live teacher', async () => {
  const { train } = kd.data.mnist({ train: 96, test: 0, seed: 2 });
  const teacher = kd.models.mlp({ hidden: [32], seed: 5 });
  const rec = kd.distill.recordTeacher(teacher, train);
  assert.equal(rec.data.views![rec.teacherView].x.length, 96 * 10);
  const run = async (withRecording: boolean) => {
    const student = kd.models.mlp({ hidden: [16], seed: 1 });
    const terms = [kd.terms.hinton({ temperature: 4, alpha: 0.9 })];
    const d = withRecording
      ? new kd.Distiller({ student, teacher: rec.teacher, teacherView: rec.teacherView, task: null, terms, seed: 3 })
      : new kd.Distiller({ student, teacher, task: null, terms, seed: 3 });
    await d.fit(withRecording ? rec.data : train, { epochs: 2, batchSize: 32 });
    d.dispose();
    return student;
  };
  const live = await run(false),
    recorded = await run(true);
  const a = live.getWeights(),
    b = recorded.getWeights();
  for (let i = 0; i < a.length; i++) {
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a[i], b[i]))).dataSync()[0]);
    assert.ok(d < 1e-5, `weight ${i} differs by ${d}`);
  }
  assert.throws(() => kd.distill.recordTeacher(teacher, rec.data), /already has a view 'teacher'/);
  for (const m of [live, recorded, teacher, rec.teacher]) m.dispose();
});
