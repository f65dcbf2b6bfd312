/**
 * The Distiller's dense fast path on tensorflow (lib/distill/dense-chain.ts): outputs and every variable's gradient
 * equal tfjs-layers' own model.apply and autodiff within float32 rounding, a small net equals a float64 forward
 * written here, fewer kernels run, and it steps aside wherever it does not apply (dropout in training, other
 * layers, other backends). tensorflow only: elsewhere the Distiller never takes this path.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { denseChain } from '../../lib/distill/dense-chain';
import { assertAllClose, randomFlat, rng } from '../support/gradcheck';

const hasTensorflow = async () => (await kd.backend.available()).includes('tensorflow');

function models(): [string, tf.LayersModel][] {
  const noBias = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [12], units: 9, activation: 'relu', useBias: false }),
      tf.layers.dense({ units: 5 }),
    ],
  });
  return [
    ['embeddingNet 784-64-16 + L2Normalize', kd.models.embeddingNet({ inputShape: [784], hidden: [64], dim: 16 })],
    [
      'mlp on [28, 28, 1] (Flatten, dropout)',
      kd.models.mlp({ inputShape: [28, 28, 1], hidden: [32, 32], dropout: 0.3 }),
    ],
    ['dense without bias', noBias],
  ];
}

test('dense fast path on tensorflow: the outputs and gradients of model.apply, in fewer kernels', async (t) => {
  if (!(await hasTensorflow())) return t.skip('tensorflow backend not installed');
  await kd.backend.init('tensorflow');
  const r = rng(5);
  for (const [name, model] of models()) {
    await t.test(name, async () => {
      const shape = model.inputs[0].shape.slice(1) as number[];
      const n = 6;
      const before = tf.memory().numTensors;
      const x = tf.tensor(randomFlat(r, n * shape.reduce((a, b) => a * b, 1)), [n, ...shape]);
      const fast = denseChain(model);
      assert.ok(fast, 'the fast path applies to this model');
      const [mine, theirs] = tf.tidy(() => [fast(x, false)!.dataSync(), (model.apply(x) as tf.Tensor).dataSync()]);
      assertAllClose(mine, theirs, { rtol: 1e-5, atol: 1e-6 }, 'outputs');

      // Gradients of a weighted sum of the outputs w.r.t. every variable. The mlp trains through its dropout,
      // which the fast path leaves to model.apply, so only inference models are compared in training mode.
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const outDim = model.outputs[0].shape[1] as number;
      const weights = tf.tensor2d(randomFlat(r, n * outDim), [n, outDim]);
      const grads = (f: () => tf.Tensor) =>
        tf.tidy(() => {
          const { grads: g } = tf.variableGrads(() => tf.sum(tf.mul(f(), weights)), vars);
          return vars.map((v) => g[v.name].dataSync());
        });
      const viaApply = grads(() => model.apply(x, { training: false }) as tf.Tensor);
      const viaFast = grads(() => fast(x, false)!);
      vars.forEach((v, i) => assertAllClose(viaFast[i], viaApply[i], { rtol: 1e-4, atol: 1e-6 }, `d/d ${v.name}`));

      const kernels = async (f: () => void) => (await tf.profile(f)).kernels.length;
      const kFast = await kernels(() =>
        tf.tidy(() => {
          tf.variableGrads(() => tf.sum(fast(x, false)!), vars);
        }),
      );
      const kApply = await kernels(() =>
        tf.tidy(() => {
          tf.variableGrads(() => tf.sum(model.apply(x) as tf.Tensor), vars);
        }),
      );
      assert.ok(kFast < kApply, `kernels for output and gradients: ${kFast} fast, ${kApply} through model.apply`);
      tf.dispose([x, weights]);
      assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
    });
  }
});

test('dense fast path: a 3-4-2 net equals a float64 forward pass', async (t) => {
  if (!(await hasTensorflow())) return t.skip('tensorflow backend not installed');
  await kd.backend.init('tensorflow');
  const [w1, b1, w2, b2] = [
    [
      [0.5, -1, 0.25, 2],
      [1.5, 0.5, -0.75, 0],
      [-2, 1, 1, -0.5],
    ],
    [0.1, -0.2, 0.3, -0.4],
    [
      [1, -1],
      [0.5, 2],
      [-1.5, 0.25],
      [2, 1],
    ],
    [0.05, -0.05],
  ];
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tf.layers.dense({ units: 2 })],
  });
  model.setWeights([tf.tensor2d(w1), tf.tensor1d(b1), tf.tensor2d(w2), tf.tensor1d(b2)]);
  const xs = [
    [1, 2, 3],
    [-1, 0.5, 2],
    [0.3, -0.7, -1.1],
  ];
  const expected = xs.flatMap((x) => {
    const h = b1.map((b, j) => Math.max(0, b + x.reduce((a, xi, i) => a + xi * w1[i][j], 0)));
    return b2.map((b, k) => b + h.reduce((a, hj, j) => a + hj * w2[j][k], 0));
  });
  const x = tf.tensor2d(xs);
  const out = tf.tidy(() => denseChain(model)!(x, true)!.dataSync());
  assertAllClose(out, expected, { rtol: 1e-6, atol: 1e-6 }, 'outputs against float64');
  x.dispose();
});

test('dense fast path steps aside: dropout in training, other layers, other backends', async (t) => {
  if (!(await hasTensorflow())) return t.skip('tensorflow backend not installed');
  await kd.backend.init('tensorflow');
  const mlp = kd.models.mlp({ inputShape: [8], hidden: [4], dropout: 0.5 });
  const x = tf.ones([2, 8]);
  assert.equal(denseChain(mlp)!(x, true), null, 'training through a dropout layer is left to model.apply');
  assert.equal(denseChain(kd.models.cnnStudent()), null, 'a convolutional model does not take the path');
  const softmax = tf.sequential({ layers: [tf.layers.dense({ inputShape: [8], units: 3, activation: 'softmax' })] });
  assert.equal(denseChain(softmax), null, 'only linear and relu activations');
  await kd.backend.init('wasm');
  assert.equal(denseChain(mlp)!(x, false), null, 'wasm keeps model.apply');
  await kd.backend.init('tensorflow');
  x.dispose();
});

test('Distiller({ fusedDense: true }) on tensorflow: fewer kernels per step, RKD trains, numTensors flat; off by default', async (t) => {
  if (!(await hasTensorflow())) return t.skip('tensorflow backend not installed');
  await kd.backend.init('tensorflow');
  const teacher = kd.models.embeddingNet({ inputShape: [784], hidden: [64], dim: 16 });
  const student = kd.models.embeddingNet({ inputShape: [784], hidden: [32], dim: 16 });
  const data = kd.data.mnist({ train: 256, test: 0, seed: 1 }).train;
  const config = { student, teacher, task: null, terms: [{ loss: 'rkd' as const }], seed: 0 };
  const batch = { x: tf.tensor2d(data.x.slice(0, 64 * 784), [64, 784]), y: tf.tensor1d(data.y.slice(0, 64), 'int32') };
  const kernelsPerStep = async (fusedDense?: boolean) => {
    const probe = new kd.distill.Distiller({ ...config, fusedDense, optimizer: { name: 'sgd', learningRate: 1e-12 } });
    const k = (await tf.profile(() => void probe.trainOnBatch(batch))).kernels.length;
    probe.dispose();
    return k;
  };
  const [plain, byDefault, fused] = [await kernelsPerStep(false), await kernelsPerStep(), await kernelsPerStep(true)];
  assert.equal(byDefault, plain, 'off by default');
  assert.ok(fused < plain, `kernels per step: ${fused} with fusedDense, ${plain} without`);
  tf.dispose([batch.x, batch.y]);
  assert.throws(
    () => new kd.distill.Distiller({ ...config, fusedDense: 'yes' as unknown as boolean }),
    /^Error: fusedDense: expected true or false, got "yes"$/,
  );
  const d = new kd.distill.Distiller({ ...config, fusedDense: true });
  const counts: number[] = [];
  const h = await d.fit(data, {
    epochs: 3,
    batchSize: 64,
    callbacks: { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
  });
  const total = h.epochs.map((e) => e.losses.total);
  assert.ok(total.every(Number.isFinite), `losses ${total}`);
  assert.ok(total[2] < total[0], `RKD falls over three epochs: ${total.map((v) => v.toFixed(4)).join(' → ')}`);
  assert.deepEqual(counts, [counts[0], counts[0], counts[0]], 'numTensors flat across epochs');
});
