/**
 * kd.distill.metricLearningSetting: the disjoint-class setting shared by chapters 5 and 6. Per-class sampling on a
 * hand-made dataset, the class split of the bundled digits (counts and disjointness), every image a ±2 px shift of
 * its centred version (found by brute force), Fashion-MNIST's files and note when installed, presets and
 * overrides, the key following every weight-changing input (and nothing else), and the teacher trained once by the
 * recipe written out by hand, then loaded from the cache.
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
import { assertCachedTeacher } from '../support/cached-teacher';

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
  const { train, test: unseen } = kd.distill.metricLearningData({ quick: true, source: 'bundled-mnist' });
  const counts = (ds: kd.data.Dataset) => kd.data.classCounts(ds);
  assert.deepEqual(counts(train), [200, 200, 200, 200, 200, 0, 0, 0, 0, 0]);
  assert.deepEqual(counts(unseen), [0, 0, 0, 0, 0, 200, 200, 200, 200, 200]);
  const small: kd.distill.MetricLearningOptions = {
    trainPerClass: 3,
    testPerClass: 2,
    trainClasses: [1, 3],
    source: 'bundled-mnist',
  };
  const full = kd.distill.metricLearningData(small);
  assert.deepEqual(counts(full.train), [0, 3, 0, 3, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(counts(full.test), [2, 0, 2, 0, 2, 2, 2, 2, 2, 2]);
});

test('every image is the centred one moved by its own offset of at most ±jitter px', () => {
  const opts = { trainPerClass: 6, testPerClass: 4, source: 'bundled-mnist' } as const;
  const centred = kd.distill.metricLearningData({ ...opts, jitter: 0 });
  const moved = kd.distill.metricLearningData(opts);
  const mnist = kd.data.mnistAll();
  // jitter 0: exactly the per-class sample of the bundled digits
  const bySample = kd.distill.samplePerClass(kd.data.withoutClasses(mnist, [5, 6, 7, 8, 9]), [0, 1, 2, 3, 4], 6, 0);
  assert.deepEqual(Array.from(centred.train.x), Array.from(bySample.x));
  for (const [a, b] of [
    [centred.train, moved.train],
    [centred.test, moved.test],
  ]) {
    assert.deepEqual(Array.from(b.y), Array.from(a.y));
    const offsets = new Set<string>();
    for (let i = 0; i < a.n; i++) {
      const img = a.x.subarray(i * 784, (i + 1) * 784),
        got = Array.from(b.x.subarray(i * 784, (i + 1) * 784));
      // brute force over the 25 offsets: which ones reproduce the moved image (a blank border allows several)
      const fits: string[] = [];
      for (let dx = -2; dx <= 2; dx++)
        for (let dy = -2; dy <= 2; dy++) {
          const out = new Float32Array(784);
          kd.data.shiftImage(img, 28, 28, 1, dx, dy, out, 0);
          if (Array.from(out).every((v, j) => v === got[j])) fits.push(`${dx},${dy}`);
        }
      assert.ok(fits.length > 0, `image ${i} is no ±2 px shift of its centred version`);
      if (fits.length === 1) offsets.add(fits[0]);
    }
    assert.ok(offsets.size >= 3, `offsets drawn per image, got only ${[...offsets].join(' ')}`);
  }
});

test('Fashion-MNIST when installed: garment names in the note, train classes from the train files', (t) => {
  const dir = kd.data.fashionMnistDir();
  if (!dir) {
    t.skip('Fashion-MNIST is not installed');
    return;
  }
  const r = kd.distill.metricLearningRecipe({ quick: true });
  assert.equal(r.data.source, 'fashion-mnist');
  assert.match(
    r.note,
    /^Data: Fashion-MNIST .*train classes T-shirt\/top, Trouser, Pullover, Dress, Coat; unseen classes Sandal, Shirt, Sneaker, Bag, Ankle boot; every image shifted by up to ±2 px\.$/,
  );
  const { train, test: unseen } = kd.distill.metricLearningData({ trainPerClass: 2, testPerClass: 2, jitter: 0 });
  const fm = kd.data.idxDataset(dir);
  const inTrainFile = (ds: kd.data.Dataset, src: kd.data.Dataset) => {
    for (let i = 0; i < ds.n; i++) {
      const img = ds.x.subarray(i * 784, (i + 1) * 784);
      let found = false;
      for (let j = 0; j < src.n && !found; j++)
        found = src.y[j] === ds.y[i] && img.every((v, k) => v === src.x[j * 784 + k]);
      if (!found) return false;
    }
    return true;
  };
  assert.ok(inTrainFile(train, fm.train), 'train-class images come from the train files');
  assert.ok(inTrainFile(unseen, fm.test), 'unseen-class images come from the test files');
  assert.equal(
    kd.distill.metricLearningRecipe({ source: 'bundled-mnist' }).note,
    'Data: the 10,000 MNIST digits bundled with kdlab; train classes 0, 1, 2, 3, 4; unseen classes 5, 6, 7, 8, 9; every image shifted by up to ±2 px.',
  );
});

test('presets, overrides and the key', () => {
  const q = kd.distill.metricLearningRecipe({ quick: true });
  const f = kd.distill.metricLearningRecipe({});
  assert.deepEqual([q.data.trainPerClass, q.data.testPerClass, q.epochs, q.data.jitter], [200, 200, 3, 2]);
  assert.deepEqual([f.data.trainPerClass, f.data.testPerClass, f.epochs, f.data.jitter], [200, 400, 3, 2]);
  assert.equal(kd.distill.metricLearningRecipe({ quick: true, epochs: 9 }).epochs, 9);
  const h = (o: kd.distill.MetricLearningOptions) => stableHash(kd.distill.metricLearningTeacherKey(o));
  const b = { source: 'bundled-mnist' } as const;
  const variants = [
    h({ ...b, quick: true }),
    h({ ...b, quick: true, epochs: 4 }),
    h({ ...b, quick: true, seed: 1 }),
    h({ ...b, quick: true, batchSize: 50 }),
    h({ ...b, quick: true, trainPerClass: 100 }),
    h({ ...b, quick: true, jitter: 0 }),
    h({ ...b, quick: true, trainClasses: [5, 6, 7, 8, 9] }),
    h({ quick: true, idxDir: '/x' }),
  ];
  assert.equal(new Set(variants).size, variants.length);
  // quick and full mode share the teacher (they differ only in the retrieval set); the order of trainClasses,
  // the progress display and the cache folder do not change the weights either
  assert.equal(h({ ...b, quick: true }), h({ ...b }));
  assert.equal(h({ ...b, quick: true }), h({ ...b, testPerClass: 7 }));
  assert.equal(
    h({ ...b, quick: true }),
    h({ ...b, quick: true, trainClasses: [4, 3, 2, 1, 0], callbacks: {}, cacheDir: '/y' }),
  );
});

test('bad options are named', () => {
  assert.throws(() => kd.distill.metricLearningRecipe({ epochs: 0 }), /epochs must be an integer >= 1, got 0/);
  assert.throws(() => kd.distill.metricLearningRecipe({ trainPerClass: 1.5 }), /trainPerClass/);
  assert.throws(() => kd.distill.metricLearningRecipe({ trainClasses: [3] }), /at least 2 classes/);
  assert.throws(() => kd.distill.metricLearningRecipe({ trainClasses: [0, 1, 2, 3, 4, 5, 6, 7, 8] }), /unseen/);
  assert.throws(() => kd.distill.metricLearningRecipe({ idxDir: '' }), /idxDir/);
  assert.throws(() => kd.distill.metricLearningRecipe({ jitter: -1 }), /jitter must be an integer >= 0, got -1/);
  assert.throws(
    () => kd.distill.metricLearningRecipe({ source: 'mnist' as 'auto' }),
    /source must be one of auto, fashion-mnist, bundled-mnist, got "mnist"/,
  );
  assert.throws(
    () => kd.distill.metricLearningRecipe({ idxDir: '/x', source: 'bundled-mnist' }),
    /idxDir or source, not both/,
  );
});

test('trains once with the recipe written out by hand, then loads from the cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-metric-'));
  const opts = {
    source: 'bundled-mnist',
    trainPerClass: 12,
    testPerClass: 6,
    epochs: 1,
    batchSize: 30,
    cacheDir: dir,
  } as const;
  const before = tf.memory().numTensors;
  const first = await kd.distill.metricLearningSetting(opts);
  assert.equal(first.trained, true);
  assert.deepEqual([first.train.n, first.test.n], [60, 30]);
  assert.deepEqual(first.teacher.outputs[0].shape, [null, 64]);

  const byHand = kd.models.embeddingNet({ filters: [32, 64], hidden: [], dim: 64, seed: 0 });
  const trainer = new kd.Distiller({
    student: byHand,
    task: 'triplet',
    taskOptions: { mining: 'distanceWeighted', margin: 0.05 },
    seed: 0,
  });
  await trainer.fit(first.train, { epochs: 1, batchSize: 30 });
  trainer.dispose();

  const second = await kd.distill.metricLearningSetting(opts);
  assert.equal(second.trained, false);
  assertCachedTeacher(first.teacher, second.teacher, byHand);
  for (const m of [first.teacher, second.teacher, byHand]) m.dispose();
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  fs.rmSync(dir, { recursive: true });
});
