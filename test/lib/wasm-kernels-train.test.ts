/**
 * End-to-end: every kind of model kdlab builds (dense, conv2d + max/avg pooling, GRU, LSTM,
 * embedding + self-attention) trains on each test backend — wasm above all, whose stock 4.22 kernels
 * cannot train conv nets — with the full-batch loss falling and no tensor left behind.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as backend from '../../lib/backend';
import { testBackends } from '../support/backends';

/** Deterministic data: values in [-1,1) and labels from a fixed rule, so the task is learnable. */
function data(n: number, shape: number[], classes: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  const size = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n * size);
  let s = seed;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 31 - 1;
  }
  const labels = Array.from({ length: n }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < size; j += 3) sum += v[i * size + j];
    return Math.min(classes - 1, Math.max(0, Math.floor(((sum / Math.sqrt(size / 3) + 1) * classes) / 2)));
  });
  return { x: tf.tensor(v, [n, ...shape]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), classes) };
}

/**
 * Full-batch Adam; returns [loss before, loss after]. Asserts that steps 2..n leave the engine's
 * tensor count and the backend's buffer count unchanged (step 1 creates Adam's slot variables), which
 * catches kernels that leak intermediates.
 */
function train(forward: (training: boolean) => tf.Tensor, y: tf.Tensor, steps: number, lr: number): [number, number] {
  const opt = tf.train.adam(lr);
  const lossOf = (training: boolean) => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(y, forward(training));
  const before = tf.tidy(() => lossOf(false).dataSync()[0]);
  tf.dispose(opt.minimize(() => lossOf(true), true) ?? []);
  const count = tf.memory().numTensors,
    buffers = tf.backend().numDataIds();
  for (let i = 1; i < steps; i++) tf.dispose(opt.minimize(() => lossOf(true), true) ?? []);
  assert.equal(tf.memory().numTensors, count, 'training steps leaked tensors');
  assert.equal(tf.backend().numDataIds(), buffers, 'training steps leaked backend buffers');
  const after = tf.tidy(() => lossOf(false).dataSync()[0]);
  opt.dispose();
  assert.ok(Number.isFinite(before) && Number.isFinite(after), `finite losses (${before}, ${after})`);
  return [before, after];
}

function fits(
  model: tf.LayersModel,
  n: number,
  shape: number[],
  classes: number,
  steps = 25,
  lr = 0.02,
): [number, number] {
  const { x, y } = data(n, shape, classes, 7);
  const r = train((training) => model.apply(x, { training }) as tf.Tensor, y, steps, lr);
  tf.dispose([x, y]);
  model.dispose();
  return r;
}

async function each(fn: (name: string) => [number, number]): Promise<void> {
  for (const name of await testBackends()) {
    await backend.init(name);
    const [before, after] = fn(name);
    assert.ok(after < 0.8 * before, `${name}: loss ${before.toFixed(4)} -> ${after.toFixed(4)} did not fall by 20%`);
  }
}

test('dense net trains (transposed-matmul gradients, dropout)', async () => {
  await each(() =>
    fits(
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [12], units: 32, activation: 'relu' }),
          tf.layers.dropout({ rate: 0.1 }),
          tf.layers.dense({ units: 3 }),
        ],
      }),
      64,
      [12],
      3,
    ),
  );
});

test('conv net trains (Conv2D filter/input gradients with stride 2, max and average pooling)', async () => {
  await each(() =>
    fits(
      tf.sequential({
        layers: [
          tf.layers.conv2d({
            inputShape: [10, 10, 2],
            filters: 6,
            kernelSize: 3,
            strides: 2,
            padding: 'same',
            activation: 'relu',
          }),
          tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.conv2d({ filters: 8, kernelSize: 2, padding: 'valid', activation: 'relu' }),
          tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3 }),
        ],
      }),
      32,
      [10, 10, 2],
      3,
      30,
    ),
  );
});

test('GRU and LSTM train (recurrent gradients through time)', async () => {
  for (const cell of ['gru', 'lstm'] as const) {
    await each(() =>
      fits(
        tf.sequential({
          layers: [
            (cell === 'gru' ? tf.layers.gru : tf.layers.lstm)({ inputShape: [6, 4], units: 12 }),
            tf.layers.dense({ units: 2 }),
          ],
        }),
        48,
        [6, 4],
        2,
        30,
      ),
    );
  }
});

test('embedding + scaled dot-product self-attention trains (gather gradient, QKᵀ with transposeB)', async () => {
  await each(() => {
    const n = 32,
      len = 6,
      vocab = 10,
      d = 8;
    const tokens: number[] = [],
      labels: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: len }, (_, j) => (i * 7 + j * ((i % 3) + 1)) % vocab);
      tokens.push(...row);
      labels.push(row.filter((t) => t < 5).length >= 3 ? 1 : 0);
    }
    const ids = tf.tensor2d(tokens, [n, len], 'int32');
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);
    const init = (shape: number[], seed: number) =>
      tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, 0.3, 'float32', seed)));
    const emb = init([vocab, d], 1),
      wq = init([d, d], 2),
      wk = init([d, d], 3),
      wv = init([d, d], 4),
      wo = init([d, 2], 5);
    const forward = () =>
      tf.tidy(() => {
        const e = tf.gather(emb, ids); // [n, len, d]
        const proj = (w: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(e, [n * len, d]), w), [n, len, d]);
        const q = proj(wq),
          k = proj(wk),
          v = proj(wv);
        const att = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(d))); // [n, len, len]
        return tf.matMul(tf.mean(tf.matMul(att, v), 1), wo); // [n, 2]
      });
    const r = train(forward, y, 30, 0.05);
    tf.dispose([ids, y, emb, wq, wk, wv, wo]);
    return r;
  });
});
