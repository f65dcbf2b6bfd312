/**
 * kd.features.countLayerCalls: counts match calls counted by hand (one predict = one call per layer; the
 * extractor's multi-output model = one; model + extractor = two), the layers' `call` is put back after (also
 * when fn throws), async work is refused, no tensors are left behind.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { countLayerCalls, extractor } from '../../lib/features';

/** input → conv → pool → flatten → dense → logits (5 computing layers besides the input). */
function cnn(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 1], name: 'x' });
  let h = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input);
  h = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(h);
  h = tf.layers.flatten({ name: 'flat' }).apply(h);
  h = tf.layers.dense({ units: 3, activation: 'relu', name: 'hidden' }).apply(h);
  const out = tf.layers.dense({ units: 2, name: 'logits' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'small_cnn' });
}

const NAMES = ['conv', 'pool', 'flat', 'hidden', 'logits'];
const each = (n: number) => Object.fromEntries(NAMES.map((name) => [name, n]));

test('features.countLayerCalls', async (tb) => {
  await tf.setBackend('cpu');
  const m = cnn();
  const x = tf.ones([2, 6, 6, 1]);
  const before = tf.memory().numTensors;

  await tb.test('one predict: each computing layer once, the input layer not listed', () => {
    const { result, calls } = countLayerCalls(m, () => tf.tidy(() => (m.predict(x) as tf.Tensor).shape));
    assert.deepEqual(result, [2, 2]);
    assert.deepEqual(calls, each(1));
  });

  await tb.test("the extractor's multi-output model runs each shared layer once; with the model itself, twice", () => {
    const ex = extractor(m, ['conv', 'hidden']);
    assert.deepEqual(countLayerCalls(m, () => tf.tidy(() => void ex(x))).calls, each(1));
    assert.deepEqual(
      countLayerCalls(m, () =>
        tf.tidy(() => {
          ex(x);
          m.apply(x);
        }),
      ).calls,
      each(2),
    );
    // Layers applied one by one, the way a hand-written loop would: still once each.
    const manual = countLayerCalls(m, () =>
      tf.tidy(() => {
        let h: tf.Tensor = x;
        for (const layer of m.layers.slice(1)) h = layer.apply(h) as tf.Tensor;
      }),
    );
    assert.deepEqual(manual.calls, each(1));
  });

  await tb.test('building a model from symbolic tensors computes nothing', () => {
    const { calls } = countLayerCalls(m, () => extractor(m, ['pool']));
    assert.deepEqual(calls, each(0));
  });

  await tb.test("every layer's call is put back, also after fn throws; an own wrapper is kept", () => {
    const own = m.getLayer('hidden');
    const theirs = own.call.bind(own);
    const wrapper: typeof theirs = (inputs, kwargs) => theirs(inputs, kwargs);
    own.call = wrapper;
    assert.throws(
      () =>
        countLayerCalls(m, () => {
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(Object.getOwnPropertyDescriptor(own, 'call')?.value, wrapper, 'the own wrapper is back');
    delete (own as { call?: unknown }).call;
    for (const l of m.layers)
      assert.equal(Object.prototype.hasOwnProperty.call(l, 'call'), false, `${l.name} keeps no wrapper`);
    // Outside countLayerCalls nothing is counted any more: a fresh count starts at 0 and sees one predict.
    tf.tidy(() => {
      m.predict(x);
    });
    assert.deepEqual(countLayerCalls(m, () => 0).calls, each(0));
  });

  await tb.test('bad arguments and async work', async () => {
    assert.throws(() => countLayerCalls({} as tf.LayersModel, () => 0), /model must be a tf\.LayersModel, got object/);
    assert.throws(() => countLayerCalls(m, 'predict' as never), /fn must be a function, got string/);
    assert.throws(() => countLayerCalls(m, async () => 0), /fn must be synchronous; it returned a Promise/);
    for (const l of m.layers) assert.equal(Object.prototype.hasOwnProperty.call(l, 'call'), false);
    await Promise.resolve();
  });

  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  x.dispose();
});
