/** kd.analysis.reinitializeLayer: one layer from the source, the others from the model, neither input changed. */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';

before(async () => {
  await kd.backend.init();
});

const values = (m: tf.LayersModel, layer: string) =>
  m
    .getLayer(layer)
    .getWeights()
    .map((w) => Array.from(w.dataSync()));

test('the named layer takes the source’s weights; the other layers and both inputs are unchanged', async () => {
  const model = kd.models.mlp({ inputShape: [6], hidden: [5, 4], classes: 3, seed: 1 });
  const source = kd.models.mlp({ inputShape: [6], hidden: [5, 4], classes: 3, seed: 2 });
  const modelBefore = ['hidden1', 'hidden2', 'logits'].map((l) => values(model, l));
  const before = tf.memory().numTensors;
  const copy = await kd.analysis.reinitializeLayer(model, 'hidden2', source);
  assert.deepEqual(values(copy, 'hidden2'), values(source, 'hidden2'));
  assert.deepEqual(values(copy, 'hidden1'), modelBefore[0]);
  assert.deepEqual(values(copy, 'logits'), modelBefore[2]);
  assert.notDeepEqual(values(copy, 'hidden2'), modelBefore[1]);
  assert.deepEqual(
    ['hidden1', 'hidden2', 'logits'].map((l) => values(model, l)),
    modelBefore,
    'model untouched',
  );
  // the copy owns its weights: changing it leaves the source alone
  const zeros = copy
    .getLayer('hidden2')
    .getWeights()
    .map((w) => tf.zerosLike(w));
  copy.getLayer('hidden2').setWeights(zeros);
  tf.dispose(zeros);
  assert.ok(values(source, 'hidden2')[0].some((v) => v !== 0));
  copy.dispose();
  assert.equal(tf.memory().numTensors, before);
  const other = kd.models.mlp({ inputShape: [6], hidden: [7, 4], classes: 3, seed: 2 });
  await assert.rejects(
    kd.analysis.reinitializeLayer(model, 'hidden1', other),
    /'hidden1'.*\[\[6,5\],\[5\]\].*\[\[6,7\],\[7\]\]/,
  );
  await assert.rejects(kd.analysis.reinitializeLayer(model, 'hidden9', source), /hidden1.*hidden9/);
  for (const m of [model, source, other]) m.dispose();
});
