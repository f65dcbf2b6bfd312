/**
 * kd.distill.MultiTensorAdam / MultiTensorMomentum: the same updates as tfjs's Adam and momentum SGD, checked
 * against a plain float64 implementation of the papers' update rules over several steps, and against
 * tf.train.* on the same gradients; on every backend (cpu, wasm, tensorflow when present). Also: a changed
 * variable set is an error, nothing leaks, and the Distiller uses them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';
import { mulberry32 } from '../../lib/common/random';
import { testBackends } from '../support/backends';

const tf = kd.tf;
const SHAPES = [[3, 4], [4], [2, 2, 2]];
const STEPS = 6;

/** Random initial values and STEPS gradients per variable (float64 numbers, exactly float32-representable). */
function problem(seed: number): { init: number[][]; grads: number[][][] } {
  const rand = mulberry32(seed);
  const f32 = (x: number) => Math.fround(x);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const init = SHAPES.map((s) => Array.from({ length: size(s) }, () => f32(2 * rand() - 1)));
  // Mixed scales: tiny and large gradients exercise ε and the second moment.
  const grads = Array.from({ length: STEPS }, () =>
    SHAPES.map((s, k) => Array.from({ length: size(s) }, () => f32((2 * rand() - 1) * 10 ** (k - 1)))),
  );
  return { init, grads };
}

/** Adam, Kingma & Ba 2015 Alg. 1 with ε added to √v̂ (tfjs's placement), in float64. */
function adamReference(init: number[][], grads: number[][][], lr: number, b1: number, b2: number, eps: number) {
  const theta = init.map((v) => [...v]);
  const m = init.map((v) => v.map(() => 0));
  const v = init.map((x) => x.map(() => 0));
  const history: number[][][] = [];
  grads.forEach((gs, t0) => {
    const t = t0 + 1;
    gs.forEach((g, k) =>
      g.forEach((gi, i) => {
        m[k][i] = b1 * m[k][i] + (1 - b1) * gi;
        v[k][i] = b2 * v[k][i] + (1 - b2) * gi * gi;
        const mHat = m[k][i] / (1 - b1 ** t);
        const vHat = v[k][i] / (1 - b2 ** t);
        theta[k][i] -= (lr * mHat) / (Math.sqrt(vHat) + eps);
      }),
    );
    history.push(theta.map((x) => [...x]));
  });
  return history;
}

/** SGD with momentum as tfjs defines it (a ← μa + g, θ ← θ − ηa), in float64. */
function momentumReference(init: number[][], grads: number[][][], lr: number, mu: number) {
  const theta = init.map((v) => [...v]);
  const a = init.map((v) => v.map(() => 0));
  const history: number[][][] = [];
  for (const gs of grads) {
    gs.forEach((g, k) =>
      g.forEach((gi, i) => {
        a[k][i] = mu * a[k][i] + gi;
        theta[k][i] -= lr * a[k][i];
      }),
    );
    history.push(theta.map((x) => [...x]));
  }
  return history;
}

/** Runs `opt` on the problem's gradients; returns the variables' values after each step. */
function run(opt: kd.tf.Optimizer, p: ReturnType<typeof problem>, tag: string): number[][][] {
  const vars = p.init.map((x, k) => tf.tidy(() => tf.variable(tf.tensor(x, SHAPES[k]), true, `${tag}/v${k}`)));
  const history: number[][][] = [];
  for (const gs of p.grads) {
    tf.tidy(() => opt.applyGradients(Object.fromEntries(gs.map((g, k) => [vars[k].name, tf.tensor(g, SHAPES[k])]))));
    history.push(vars.map((v) => Array.from(v.dataSync())));
  }
  tf.dispose(vars);
  return history;
}

/** |got − want| ≤ atol + rtol·|step size so far|: float32 rounding of θ and of the update. */
function assertClose(got: number[][][], want: number[][][], init: number[][], what: string, rtol = 2e-5) {
  got.forEach((step, t) =>
    step.forEach((vals, k) =>
      vals.forEach((x, i) => {
        const moved = Math.abs(want[t][k][i] - init[k][i]);
        const tol = 3e-7 * Math.abs(want[t][k][i]) + rtol * moved + 1e-9;
        assert.ok(
          Math.abs(x - want[t][k][i]) <= tol,
          `${what}: step ${t + 1}, variable ${k}[${i}] = ${x}, reference ${want[t][k][i]} (tol ${tol})`,
        );
      }),
    ),
  );
}

test('multi-tensor Adam and momentum match float64 references and tfjs, on every backend, without leaks', async () => {
  for (const name of await testBackends()) {
    await kd.backend.init(name);
    const p = problem(11);
    const eps = tf.backend().epsilon();
    for (const [lr, b1, b2] of [
      [0.1, 0.9, 0.999],
      [0.01, 0.5, 0.9],
    ]) {
      const want = adamReference(p.init, p.grads, lr, b1, b2, eps);
      for (const flatten of [true, false]) {
        const n0 = tf.memory().numTensors;
        const opt = new kd.distill.MultiTensorAdam(lr, b1, b2, undefined, { flatten });
        const what = `${name} MultiTensorAdam(${lr}, ${b1}, ${b2}, flatten ${flatten})`;
        assertClose(run(opt, p, `${name}-adam-${lr}-${flatten}`), want, p.init, what);
        opt.dispose();
        assert.equal(tf.memory().numTensors, n0, `${what} leaked tensors`);
      }
      const stock = tf.train.adam(lr, b1, b2);
      // tfjs keeps β₁ᵗ, β₂ᵗ as float32 variables and divides twice more: it agrees with the reference to 1e-4 of the
      // step, ours to 2e-5; the check is that the float64 reference is the update tfjs makes.
      assertClose(run(stock, p, `${name}-tfadam-${lr}`), want, p.init, `${name} tf.train.adam`, 1e-4);
      stock.dispose();
    }
    for (const mu of [0, 0.9]) {
      const want = momentumReference(p.init, p.grads, 0.05, mu);
      for (const flatten of [true, false]) {
        const n0 = tf.memory().numTensors;
        const opt = new kd.distill.MultiTensorMomentum(0.05, mu, { flatten });
        const what = `${name} MultiTensorMomentum(0.05, ${mu}, flatten ${flatten})`;
        assertClose(run(opt, p, `${name}-mom-${mu}-${flatten}`), want, p.init, what);
        opt.dispose();
        assert.equal(tf.memory().numTensors, n0, `${what} leaked tensors`);
      }
    }
  }
});

test('a multi-tensor optimiser refuses another variable set and bad settings, naming them', async () => {
  await kd.backend.init('cpu');
  const [a, b] = tf.tidy(() => [tf.variable(tf.zeros([2]), true, 'mt-a'), tf.variable(tf.zeros([3]), true, 'mt-b')]);
  const opt = new kd.distill.MultiTensorAdam(0.1);
  tf.tidy(() => opt.applyGradients({ 'mt-a': tf.ones([2]), 'mt-b': tf.ones([3]) }));
  const before = [Array.from(a.dataSync()), Array.from(b.dataSync())];
  assert.throws(
    () => tf.tidy(() => opt.applyGradients({ 'mt-a': tf.ones([2]) })),
    /other variables than at the first step \(expected mt-a, mt-b; got mt-a\)/,
  );
  assert.deepEqual([Array.from(a.dataSync()), Array.from(b.dataSync())], before, 'a refused step changed nothing');
  assert.throws(() => new kd.distill.MultiTensorAdam(0), /learningRate must be in \(0, ∞\), got 0/);
  assert.throws(() => new kd.distill.MultiTensorAdam(1e-3, 1), /beta1 must be in \(0, 1\), got 1/);
  assert.throws(() => new kd.distill.MultiTensorMomentum(1e-3, -0.1), /momentum must be in \[0, 1\), got -0.1/);
  assert.throws(
    () => tf.tidy(() => new kd.distill.MultiTensorMomentum(0.1).applyGradients({ 'no-such': tf.ones([2]) })),
    /no variable named 'no-such'/,
  );
  opt.dispose();
  tf.dispose([a, b]);
});

test("the Distiller's 'adam' and 'momentum' specs train with the multi-tensor optimisers, same losses as tfjs's", async () => {
  await kd.backend.init('cpu');
  const rand = mulberry32(5);
  const xs = Array.from({ length: 32 * 6 }, () => rand() - 0.5);
  const ys = Array.from({ length: 32 }, (_, i) => i % 3);
  const losses = (optimizer: kd.distill.OptimizerSpec) => {
    const student = kd.models.mlp({ inputShape: [6], hidden: [8], classes: 3, seed: 1 });
    const d = new kd.Distiller({ student, optimizer, seed: 0 });
    const out: number[] = [];
    for (let s = 0; s < 5; s++) {
      const b = { x: tf.tensor2d(xs, [32, 6]), y: tf.tensor1d(ys, 'int32') };
      out.push(d.trainOnBatch(b).total);
      tf.dispose([b.x, b.y]);
    }
    d.dispose();
    student.dispose();
    return { out, opt: d.optimizer };
  };
  for (const [spec, stock] of [
    [{ name: 'adam', learningRate: 0.01 }, tf.train.adam(0.01)],
    [{ name: 'momentum', learningRate: 0.05, momentum: 0.9 }, tf.train.momentum(0.05, 0.9)],
    [{ name: 'sgd', learningRate: 0.05 }, tf.train.sgd(0.05)],
  ] as const) {
    const ours = losses(spec);
    assert.ok(ours.opt.constructor.name.startsWith('MultiTensor'), `${spec.name}: got ${ours.opt.constructor.name}`);
    const theirs = losses(stock);
    ours.out.forEach((l, i) =>
      assert.ok(
        Math.abs(l - theirs.out[i]) <= 1e-5 * Math.abs(theirs.out[i]),
        `${spec.name} step ${i}: ${l} vs tfjs ${theirs.out[i]}`,
      ),
    );
    assert.ok(ours.out[4] < ours.out[0], `${spec.name}: the loss fell (${ours.out.join(', ')})`);
  }
});

test('getWeights / setWeights restore the state: the steps after a restore repeat exactly', async () => {
  await kd.backend.init('cpu');
  const p = problem(3);
  const vars = p.init.map((x, k) => tf.tidy(() => tf.variable(tf.tensor(x, SHAPES[k]), true, `gw/v${k}`)));
  const step = (opt: kd.tf.Optimizer, t: number) =>
    tf.tidy(() =>
      opt.applyGradients(Object.fromEntries(p.grads[t].map((g, k) => [vars[k].name, tf.tensor(g, SHAPES[k])]))),
    );
  for (const opt of [new kd.distill.MultiTensorAdam(0.05), new kd.distill.MultiTensorMomentum(0.05, 0.9)]) {
    for (let t = 0; t < 3; t++) step(opt, t);
    const saved = (await opt.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }));
    const values = vars.map((v) => tf.clone(v));
    const after = () => {
      for (let t = 3; t < 5; t++) step(opt, t);
      return vars.map((v) => Array.from(v.dataSync()));
    };
    const first = after();
    await opt.setWeights(saved);
    vars.forEach((v, k) => v.assign(values[k]));
    assert.deepEqual(after(), first, `${opt.getClassName()}: the steps after setWeights differ`);
    assert.equal(opt.iterations, 5);
    tf.dispose([...saved.map((w) => w.tensor), ...values]);
    opt.dispose();
  }
  tf.dispose(vars);
});
