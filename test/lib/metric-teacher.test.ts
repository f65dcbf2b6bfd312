/**
 * kd.distill.metricLearningSetting: the disjoint-class setting shared by chapters 5 and 6. Per-class sampling on a
 * hand-made dataset, the class split of the bundled digits (counts and disjointness), presets and overrides, the
 * key following every weight-changing input, and the teacher trained once by the recipe written out by hand,
 * then loaded from the cache.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { permutation } from '../../lib/common/random';
import { stableHash } from '../../lib/distill/cache';

before(async () => {
  await kd.backend.init();
});

test('samplePerClass keeps the first k of each class in the seeded shuffle, in that order', () => {
  // 8 one-pixel samples whose value is their index: labels 0 0 0 1 1 1 2 2
  const y = [0, 0, 0, 1, 1, 1, 2, 2];
  const ds: kd.data.Dataset = {
    x: Float32Array.from(y.keys()),
    y: Int32Array.from(y),
    n: 8,
    sampleShape: [1],
    classes: 3,
  };
  const order = Array.from(permutation(8, 5));
  const expected: number[] = [];
  const taken = [0, 0];
  for (const i of order) {
    if (y[i] < 2 && taken[y[i]] < 2) {
      taken[y[i]]++;
      expected.push(i);
    }
  }
  const out = kd.distill.samplePerClass(ds, [0, 1], 2, 5);
  assert.deepEqual(Array.from(out.x), expected);
  assert.deepEqual(
    Array.from(out.y),
    expected.map((i) => y[i]),
  );
  assert.throws(() => kd.distill.samplePerClass(ds, [2], 3, 0), /class 2 has 2 samples, fewer than the 3/);
});

test('the data: train classes 0–4, unseen classes 5–9, the preset counts per class', () => {
  const { train, test: unseen } = kd.distill.metricLearningData({ quick: true });
  const counts = (ds: kd.data.Dataset) => kd.data.classCounts(ds);
  assert.deepEqual(counts(train), [200, 200, 200, 200, 200, 0, 0, 0, 0, 0]);
  assert.deepEqual(counts(unseen), [0, 0, 0, 0, 0, 200, 200, 200, 200, 200]);
  const full = kd.distill.metricLearningData({ trainPerClass: 3, testPerClass: 2, trainClasses: [1, 3] });
  assert.deepEqual(counts(full.train), [0, 3, 0, 3, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(counts(full.test), [2, 0, 2, 0, 2, 2, 2, 2, 2, 2]);
});

test('presets, overrides and the key', () => {
  const q = kd.distill.metricLearningRecipe({ quick: true });
  const f = kd.distill.metricLearningRecipe({});
  assert.deepEqual([q.data.trainPerClass, q.data.testPerClass, q.epochs], [200, 200, 3]);
  assert.deepEqual([f.data.trainPerClass, f.data.testPerClass, f.epochs], [800, 400, 6]);
  assert.equal(kd.distill.metricLearningRecipe({ quick: true, epochs: 9 }).epochs, 9);
  const h = (o: kd.distill.MetricLearningOptions) => stableHash(kd.distill.metricLearningTeacherKey(o));
  const variants = [
    h({ quick: true }),
    h({}),
    h({ quick: true, epochs: 4 }),
    h({ quick: true, seed: 1 }),
    h({ quick: true, batchSize: 50 }),
    h({ quick: true, trainPerClass: 100 }),
    h({ quick: true, testPerClass: 100 }),
    h({ quick: true, trainClasses: [5, 6, 7, 8, 9] }),
    h({ quick: true, idxDir: '/x' }),
  ];
  assert.equal(new Set(variants).size, variants.length);
  // the order of trainClasses, the progress display and the cache folder do not change the weights
  assert.equal(h({ quick: true }), h({ quick: true, trainClasses: [4, 3, 2, 1, 0], callbacks: {}, cacheDir: '/y' }));
});

test('bad options are named', () => {
  assert.throws(() => kd.distill.metricLearningRecipe({ epochs: 0 }), /epochs must be an integer >= 1, got 0/);
  assert.throws(() => kd.distill.metricLearningRecipe({ trainPerClass: 1.5 }), /trainPerClass/);
  assert.throws(() => kd.distill.metricLearningRecipe({ trainClasses: [3] }), /at least 2 classes/);
  assert.throws(() => kd.distill.metricLearningRecipe({ trainClasses: [0, 1, 2, 3, 4, 5, 6, 7, 8] }), /unseen/);
  assert.throws(() => kd.distill.metricLearningRecipe({ idxDir: '' }), /idxDir/);
});

test('trains once with the recipe written out by hand, then loads from the cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-metric-'));
  const opts = { trainPerClass: 12, testPerClass: 6, epochs: 1, batchSize: 30, cacheDir: dir };
  const before = tf.memory().numTensors;
  const first = await kd.distill.metricLearningSetting(opts);
  assert.equal(first.trained, true);
  assert.deepEqual([first.train.n, first.test.n], [60, 30]);
  assert.deepEqual(first.teacher.outputs[0].shape, [null, 64]);

  const byHand = kd.models.embeddingNet({ filters: [32, 64], hidden: [128], dim: 64, seed: 0 });
  const trainer = new kd.Distiller({
    student: byHand,
    task: 'triplet',
    taskOptions: { mining: 'distanceWeighted', margin: 0.2 },
    seed: 0,
  });
  await trainer.fit(first.train, { epochs: 1, batchSize: 30 });
  trainer.dispose();

  const second = await kd.distill.metricLearningSetting(opts);
  assert.equal(second.trained, false);
  const a = first.teacher.getWeights(),
    b = second.teacher.getWeights(),
    c = byHand.getWeights();
  assert.equal(a.length, c.length);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(Array.from(b[i].dataSync()), Array.from(a[i].dataSync()), `cached weight ${i}`);
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a[i], c[i]))).dataSync()[0]);
    assert.ok(d < 1e-5, `weight ${i} differs from the hand-written recipe by ${d}`);
  }
  for (const m of [first.teacher, second.teacher, byHand]) m.dispose();
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  fs.rmSync(dir, { recursive: true });
});
