/**
 * kd.features.extractor: features equal the layers applied by hand, one forward pass, weights shared
 * with the original model (not copied), unknown layers listed, no leaks. Sequential and functional.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { extractor, layerNames } from '../../lib/features';
import { assertAllClose } from '../support/gradcheck';

function sequentialCnn(): tf.Sequential {
  return tf.sequential({
    name: 'seqcnn',
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'conv1' }),
      tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 3, activation: 'tanh', name: 'hidden' }),
      tf.layers.dense({ units: 2, name: 'logits' }),
    ],
  });
}

/** input → a → (b, c) → add → logits: a two-branch functional model. */
function functionalModel(): tf.LayersModel {
  const input = tf.input({ shape: [4], name: 'x' });
  const a = tf.layers.dense({ units: 5, activation: 'relu', name: 'a' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 3, name: 'b' }).apply(a) as tf.SymbolicTensor;
  const c = tf.layers.dense({ units: 3, activation: 'sigmoid', name: 'c' }).apply(a) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([b, c]) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 2, name: 'logits' }).apply(sum) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: 'branchy' });
}

/** Apply Sequential layers one by one up to `name` (the manual forward pass). */
function manualSequential(model: tf.Sequential, x: tf.Tensor, name: string): tf.Tensor {
  return tf.tidy(() => {
    let h = x;
    for (const layer of model.layers) {
      h = layer.apply(h) as tf.Tensor;
      if (layer.name === name) return h;
    }
    throw new Error(`no layer ${name}`);
  });
}

/** Apply the functional model's layers by hand. */
function manualFunctional(m: tf.LayersModel, x: tf.Tensor): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const get = (n: string) => m.getLayer(n);
    const a = get('a').apply(x) as tf.Tensor;
    const b = get('b').apply(a) as tf.Tensor;
    const c = get('c').apply(a) as tf.Tensor;
    const sum = get('sum').apply([b, c]) as tf.Tensor;
    return { a, b, c, sum, logits: get('logits').apply(sum) as tf.Tensor };
  });
}

test('features.extractor', async (tb) => {
  await tf.setBackend('cpu');

  await tb.test('layerNames lists model.layers in order', () => {
    assert.deepEqual(layerNames(sequentialCnn()), ['conv1', 'pool1', 'flat', 'hidden', 'logits']);
    assert.deepEqual(layerNames(functionalModel()), ['x', 'a', 'b', 'c', 'sum', 'logits']);
  });

  await tb.test('Sequential: names and indices; features equal the layers applied by hand', () => {
    const m = sequentialCnn();
    const x = tf.randomNormal([3, 6, 6, 1], 0, 1, 'float32', 7);
    const ex = extractor(m, ['conv1', 3, 'logits']);
    assert.deepEqual(ex.layers, ['conv1', 'hidden', 'logits']);
    const before = tf.memory().numTensors;
    const r = ex(x);
    assert.equal(tf.memory().numTensors, before + 3, 'output (= logits feature) + conv1 + hidden only');
    assert.deepEqual(Object.keys(r.features).sort(), ['conv1', 'hidden', 'logits']);
    assert.deepEqual(r.features.conv1.shape, [3, 4, 4, 2]);
    for (const name of ['conv1', 'hidden', 'logits']) {
      const want = manualSequential(m, x, name);
      assertAllClose(r.features[name].dataSync(), want.dataSync(), { rtol: 1e-6 }, name);
      want.dispose();
    }
    const predicted = m.predict(x) as tf.Tensor;
    assertAllClose(r.output.dataSync(), predicted.dataSync(), { rtol: 1e-6 }, 'output');
    assert.equal(r.outputs.length, 1);
    tf.dispose([predicted, r.output, ...Object.values(r.features), x]);
  });

  await tb.test('functional: branch features equal the layers applied by hand', () => {
    const m = functionalModel();
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const r = extractor(m, ['a', 'c', 'sum'])(x);
    const want = manualFunctional(m, x);
    for (const name of ['a', 'c', 'sum'])
      assertAllClose(r.features[name].dataSync(), want[name].dataSync(), { rtol: 1e-6 }, name);
    assertAllClose(r.output.dataSync(), want.logits.dataSync(), { rtol: 1e-6 }, 'output');
    tf.dispose([r.output, ...Object.values(r.features), ...Object.values(want), x]);
  });

  await tb.test('one forward pass: every layer is called exactly once per extraction', () => {
    const m = functionalModel();
    const calls: Record<string, number> = {};
    for (const layer of m.layers) {
      const original = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => {
        calls[layer.name] = (calls[layer.name] ?? 0) + 1;
        return original(inputs, kwargs);
      };
    }
    const ex = extractor(m, ['a', 'b', 'c']);
    const x = tf.ones([2, 4]);
    const r = ex(x);
    for (const name of ['a', 'b', 'c', 'sum', 'logits'])
      assert.equal(calls[name], 1, `${name} called ${calls[name]} times`);
    tf.dispose([r.output, ...Object.values(r.features), x]);
  });

  await tb.test('weights are shared, not copied: changing the original changes the extractor', () => {
    const m = sequentialCnn();
    const ex = extractor(m, ['hidden']);
    const originals = m.getLayer('hidden').trainableWeights;
    assert.ok(
      ex.model.getLayer('hidden').trainableWeights.every((w, i) => w === originals[i]),
      'same LayerVariable objects',
    );
    const x = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 11);
    const r1 = ex(x);
    const [kernel, bias] = m.getLayer('hidden').getWeights();
    const newBias = tf.add(bias, 1);
    m.getLayer('hidden').setWeights([kernel, newBias]);
    const r2 = ex(x);
    // tanh(h + 1) ≠ tanh(h): the extractor saw the new bias; and it equals the manual pass with it
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(r2.features.hidden, r1.features.hidden))).dataSync()[0]);
    assert.ok(diff > 1e-3, `features did not change (max diff ${diff})`);
    const want = manualSequential(m, x, 'hidden');
    assertAllClose(r2.features.hidden.dataSync(), want.dataSync(), { rtol: 1e-6 }, 'after setWeights');
    tf.dispose([r1.output, r1.features.hidden, r2.output, r2.features.hidden, want, newBias, x]);
  });

  await tb.test("gradients through features reach the original model's variables", () => {
    const m = functionalModel();
    const ex = extractor(m, ['c']);
    const x = tf.ones([2, 4]);
    const { value, grads } = tf.variableGrads(() =>
      tf.tidy(() => {
        const r = ex(x, { training: true });
        return tf.sum(r.features.c);
      }),
    );
    const names = Object.keys(grads);
    for (const w of [...m.getLayer('a').trainableWeights, ...m.getLayer('c').trainableWeights]) {
      assert.ok(names.includes(w.originalName) || names.includes(w.name), `no gradient for ${w.name}`);
    }
    tf.dispose([value, x, ...Object.values(grads)]);
  });

  await tb.test('unknown layers and bad arguments', () => {
    const m = sequentialCnn();
    assert.throws(
      () => extractor(m, ['conv2']),
      (e: Error) =>
        e.message.includes("unknown layer 'conv2'") &&
        ['conv1', 'pool1', 'flat', 'hidden', 'logits'].every((n) => e.message.includes(n)),
    );
    assert.throws(() => extractor(m, [9]), /index must be an integer in \[0, 4\], got 9; available layers: conv1/);
    assert.throws(() => extractor({} as tf.LayersModel, ['a']), /model must be a tf\.LayersModel.*got object/);
    assert.throws(() => extractor(m, 'conv1' as never), /layers must be an array.*got string/);
  });
});
