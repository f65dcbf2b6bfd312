/**
 * kdlab's tensorflow kernels (lib/backend/tensorflow-kernels.ts): ReLU's gradient as one TF ReluGrad op, with the
 * values dy·[x > 0] computed by hand, and an MLP's gradients equal to the cpu backend's; on cpu and wasm the
 * gradient is still tfjs's own (Step + Multiply). Skipped, named, when the tensorflow backend is not installed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';
import { mulberry32 } from '../../lib/common/random';
import { testBackends } from '../support/backends';

const tf = kd.tf;

/** Gradient of Σ dy·relu(x) and the kernels that computed it. */
async function reluGrad(x: number[], dy: number[]): Promise<{ grad: number[]; kernels: string[] }> {
  const xs = tf.tensor1d(x);
  const dys = tf.tensor1d(dy);
  const f = (a: kd.tf.Tensor) => tf.sum(tf.mul(tf.relu(a), dys));
  let grad: number[] = [];
  const prof = await tf.profile(() => {
    const g = tf.grad(f)(xs);
    grad = Array.from(g.dataSync());
    return g;
  });
  tf.dispose([xs, dys]);
  return { grad, kernels: prof.kernels.map((k) => k.name) };
}

test('ReLU gradient: one ReluGrad op on tensorflow, tfjs own elsewhere, values dy·[x > 0]', async (t) => {
  const backends = await testBackends();
  const rand = mulberry32(9);
  const x = [-2, -0, 0, 1e-30, 3, Infinity, -Infinity, ...Array.from({ length: 57 }, () => 4 * rand() - 2)];
  const dy = x.map(() => 2 * rand() - 1);
  const want = x.map((xi, i) => (xi > 0 ? Math.fround(dy[i]) : 0));
  for (const name of backends) {
    await kd.backend.init(name);
    const { grad, kernels } = await reluGrad(x, dy);
    // === (not Object.is): dy·0 may be −0 on one backend and +0 on another.
    grad.forEach((g, i) => assert.ok(g === want[i], `${name}: d relu at x = ${x[i]}: ${g}, expected ${want[i]}`));
    if (name === 'tensorflow') {
      assert.ok(kernels.includes('KdlabReluGrad') && !kernels.includes('Step'), `${name}: ${kernels.join(',')}`);
    } else {
      assert.ok(kernels.includes('Step') && !kernels.includes('KdlabReluGrad'), `${name}: ${kernels.join(',')}`);
    }
  }
  if (!backends.includes('tensorflow')) t.skip('tensorflow backend not installed: npx kdlab setup tensorflow');
});

test('an MLP with ReLU layers gets the same gradients on tensorflow as on cpu', async (t) => {
  if (!(await testBackends()).includes('tensorflow'))
    return t.skip('tensorflow backend not installed: npx kdlab setup tensorflow');
  const rand = mulberry32(4);
  const xs = Array.from({ length: 16 * 12 }, () => rand() - 0.5);
  const ys = Array.from({ length: 16 }, (_, i) => i % 4);
  const grads = async (name: kd.backend.BackendName) => {
    await kd.backend.init(name);
    const model = kd.models.mlp({ inputShape: [12], hidden: [10, 10], classes: 4, seed: 2 });
    const out = tf.tidy(() => {
      const x = tf.tensor2d(xs, [16, 12]);
      const y = tf.oneHot(tf.tensor1d(ys, 'int32'), 4);
      const { grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.apply(x) as kd.tf.Tensor));
      return Object.values(g).map((v) => Array.from(v.dataSync()));
    });
    model.dispose();
    return out;
  };
  const cpu = await grads('cpu');
  const native = await grads('tensorflow');
  native.forEach((g, k) =>
    g.forEach((v, i) =>
      assert.ok(
        Math.abs(v - cpu[k][i]) <= 1e-6 + 1e-4 * Math.abs(cpu[k][i]),
        `gradient ${k}[${i}]: ${v} vs cpu ${cpu[k][i]}`,
      ),
    ),
  );
});
