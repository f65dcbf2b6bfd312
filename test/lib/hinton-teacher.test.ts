/**
 * kd.distill.hintonMnistTeacher: the shared teacher recipe. Its key is chapter 4's hand-written key (so teachers
 * cached before the move are found), the second call loads from the cache, the key follows every input, and the
 * weights are those of the recipe written out by hand.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { stableHash } from '../../lib/distill/cache';
import { assertCachedTeacher } from '../support/cached-teacher';

before(async () => {
  await kd.backend.init();
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-teacher-'));

test('the key is chapter 4’s key, field for field, in both data modes', () => {
  const handWritten = {
    model: 'hintonTeacher',
    epochs: 40,
    batchSize: 128,
    augment: true,
    seed: 0,
    data: { mnist: { train: 2000, test: 8000, seed: 0 }, validation: 0.2 },
  };
  const key = kd.distill.hintonMnistTeacherKey({ mnist: { train: 2000, test: 8000 }, validation: 0.2, epochs: 40 });
  assert.equal(stableHash(key), stableHash(handWritten));
  const idx = kd.distill.hintonMnistTeacherKey({ idxDir: '/data/fmnist', validation: 0.2, epochs: 60 });
  assert.equal(
    stableHash(idx),
    stableHash({
      model: 'hintonTeacher',
      epochs: 60,
      batchSize: 128,
      augment: true,
      seed: 0,
      data: { idxDir: '/data/fmnist', validation: 0.2 },
    }),
  );
});

test('the key changes with every input that changes the weights', () => {
  const base = { mnist: { train: 2000, test: 8000, seed: 0 }, validation: 0.2, epochs: 40, batchSize: 128, seed: 0 };
  const h = (o: Partial<typeof base> & { idxDir?: string }) =>
    stableHash(kd.distill.hintonMnistTeacherKey({ ...base, ...o }));
  const variants = [
    h({}),
    h({ epochs: 60 }),
    h({ batchSize: 64 }),
    h({ seed: 1 }),
    h({ validation: 0.1 }),
    h({ mnist: { train: 1000, test: 8000, seed: 0 } }),
    h({ mnist: { train: 2000, test: 8000, seed: 3 } }),
    h({ idxDir: '/x' }),
  ];
  assert.equal(new Set(variants).size, variants.length);
  // the progress display and the cache folder do not change the weights, so not the key either
  assert.equal(h({}), stableHash(kd.distill.hintonMnistTeacherKey({ ...base, callbacks: {}, cacheDir: '/y' })));
});

test('bad options are named', () => {
  assert.throws(() => kd.distill.hintonMnistTeacherKey({ validation: 1, epochs: 1 }), /validation.*\[0, 1\).*1/);
  assert.throws(() => kd.distill.hintonMnistTeacherKey({ validation: 0.2, epochs: 0 }), /epochs.*integer >= 1/);
  assert.throws(() => kd.distill.hintonMnistTeacherKey({ validation: 0.2, epochs: 2, batchSize: 1.5 }), /batchSize/);
  assert.throws(() => kd.distill.hintonMnistTeacherKey({ validation: 0.2, epochs: 2, idxDir: '' }), /idxDir/);
});

test('trains once with the hand-written recipe, then loads from the cache', async () => {
  const dir = tmp();
  const opts = { mnist: { train: 200, test: 50 }, validation: 0.2, epochs: 1, batchSize: 64, cacheDir: dir };
  const before = tf.memory().numTensors;
  const first = await kd.distill.hintonMnistTeacher(opts);
  assert.equal(first.trained, true);
  assert.deepEqual([first.train.n, first.validation.n, first.test.n], [160, 40, 50]);
  assert.equal(fs.readdirSync(dir).length, 1);

  // the recipe spelled out: same data, model seed, Distiller seed, epochs, batch size and jitter
  const source = kd.data.mnist({ train: 200, test: 50, seed: 0 });
  const { train } = kd.data.split(source.train, 0.2, 0);
  assert.deepEqual(Array.from(train.y), Array.from(first.train.y));
  const byHand = kd.models.hintonTeacher({ seed: 0 });
  const trainer = new kd.Distiller({ student: byHand, task: 'crossEntropy', seed: 0 });
  await trainer.fit(train, { epochs: 1, batchSize: 64, augment: true });
  trainer.dispose();

  const second = await kd.distill.hintonMnistTeacher(opts);
  assert.equal(second.trained, false);
  assertCachedTeacher(first.teacher, second.teacher, byHand);
  for (const m of [first.teacher, second.teacher, byHand]) m.dispose();
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  fs.rmSync(dir, { recursive: true });
});
