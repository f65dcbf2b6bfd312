/**
 * kd.models.LayerNorm against a float64 reference (forward) and against tfjs-layers' layerNormalization
 * (forward and gradients with the same weights), bad input, no tensor leaks (cpu backend).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';
import { mulberry32 } from '../../lib/common/random';

const tf = kd.tf;

test('cpu backend', async () => {
  await tf.setBackend('cpu');
});

/** Float64 layer norm of rows of length d. */
function reference(x: number[], d: number, gamma: number[], beta: number[], eps: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / d; r++) {
    const row = x.slice(r * d, r * d + d);
    const mu = row.reduce((a, v) => a + v, 0) / d;
    const v = row.reduce((a, u) => a + (u - mu) ** 2, 0) / d;
    row.forEach((u, j) => out.push((gamma[j] * (u - mu)) / Math.sqrt(v + eps) + beta[j]));
  }
  return out;
}

test('LayerNorm matches a float64 reference and tfjs layerNormalization, forward and gradients', () => {
  const rand = mulberry32(7);
  const [B, T, d] = [3, 4, 5];
  const xs = Array.from({ length: B * T * d }, () => 4 * rand() - 1);
  const gamma = Array.from({ length: d }, () => 0.5 + rand());
  const beta = Array.from({ length: d }, () => rand() - 0.5);
  const ours = new kd.models.LayerNorm({ name: 'ours' });
  const theirs = tf.layers.layerNormalization({ name: 'theirs' });
  for (const layer of [ours, theirs]) {
    layer.build([null, T, d]);
    tf.tidy(() => layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta)]));
  }
  const n0 = tf.memory().numTensors; // the layers' weights stay; everything the test makes must go
  const x = tf.tensor3d(xs, [B, T, d]);
  const y = ours.apply(x) as kd.tf.Tensor;
  const want = reference(xs, d, gamma, beta, 1e-3);
  const got = Array.from(y.dataSync());
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5, `y[${i}] = ${v}, reference ${want[i]}`));
  // Gradients of a weighted sum w.r.t. x, gamma and beta: identical to tfjs's layer (which is correct, slow).
  const w = tf.randomNormal([B, T, d], 0, 1, 'float32', 3);
  const grads = (layer: kd.tf.layers.Layer) =>
    tf.variableGrads(
      () => tf.sum<kd.tf.Scalar>(tf.mul(layer.apply(x) as kd.tf.Tensor, w)),
      [...layer.trainableWeights.map((v) => v.read() as kd.tf.Variable)],
    );
  const dx = (layer: kd.tf.layers.Layer) =>
    tf.grad((input: kd.tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as kd.tf.Tensor, w)))(x);
  const [a, b] = [grads(ours), grads(theirs)];
  const close = (p: kd.tf.Tensor, q: kd.tf.Tensor, what: string) =>
    p
      .dataSync()
      .forEach((v, i) => assert.ok(Math.abs(v - q.dataSync()[i]) < 1e-4, `${what}[${i}]: ${v} vs ${q.dataSync()[i]}`));
  close(Object.values(a.grads)[0], Object.values(b.grads)[0], 'dγ');
  close(Object.values(a.grads)[1], Object.values(b.grads)[1], 'dβ');
  const [dxa, dxb] = [dx(ours), dx(theirs)];
  close(dxa, dxb, 'dx');
  tf.dispose([x, y, w, a.value, b.value, dxa, dxb, ...Object.values(a.grads), ...Object.values(b.grads)]);
  assert.equal(tf.memory().numTensors, n0, 'no tensor leak');
});

test('LayerNorm: bad epsilon and shapes are clear errors', () => {
  assert.throws(() => new kd.models.LayerNorm({ epsilon: 0 }), /LayerNorm: epsilon must be a positive number, got 0/);
  assert.throws(() => new kd.models.LayerNorm().build([null]), /LayerNorm: input must be \[batch, \.\.\., d\]/);
});
