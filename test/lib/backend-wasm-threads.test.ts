/**
 * The threaded wasm build: one thread per core by default, really computing on more than one thread,
 * agreeing with the cpu backend (and a float64 reference) on a matmul and a conv net's gradients, and
 * never keeping Node alive. This file forces KDLAB_WASM_THREADS=2 for itself, so the threaded build is
 * tested even where the suite runs with KDLAB_WASM_THREADS=1 or on one core.
 */
process.env.KDLAB_WASM_THREADS = '2'; // read when kd.backend first loads wasm, below

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as backend from '../../lib/backend';

const BACKEND_MODULE = path.join(__dirname, '..', '..', 'lib', 'backend');
const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

/** Runs `body` (JS with `kd` = lib/backend) in a fresh node with `env` over ours minus KDLAB_*; returns stdout. */
function child(body: string, env: Record<string, string> = {}, timeout = 120_000): cp.SpawnSyncReturns<string> {
  const base = { ...process.env };
  delete base.KDLAB_WASM_THREADS;
  delete base.KDLAB_BACKEND;
  const script = `const kd = require(${JSON.stringify(BACKEND_MODULE)});\n${body}`;
  return cp.spawnSync(process.execPath, ['-e', script], { env: { ...base, ...env }, encoding: 'utf8', timeout });
}

/** Deterministic values in [-1, 1) (LCG). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, 'sizes differ');
  let num = 0,
    den = 0;
  for (let i = 0; i < got.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** CPU time (clock ticks) each thread of this process has used, by thread id (Linux /proc). */
function threadTicks(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
      out.set(Number(tid), Number(fields[11]) + Number(fields[12])); // utime (#14) + stime (#15)
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return out;
}

test('by default the wasm backend computes with one thread per core (at most 8)', () => {
  const r = child("kd.init('wasm').then((i) => console.log('THREADS ' + i.threads));");
  const line = r.stdout.split('\n').find((l) => l.startsWith('THREADS '));
  assert.ok(line, `no result (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  const threads = Number(line.slice(8));
  assert.equal(threads, Math.min(cores, 8));
  if (cores >= 2) assert.ok(threads >= 2, `${cores} cores but ${threads} thread(s)`);
});

test(
  'KDLAB_WASM_THREADS=2: info() reports 2 threads and a second thread does a share of a big matmul',
  { skip: process.platform !== 'linux' && 'per-thread CPU times come from /proc (Linux only)' },
  async () => {
    const info = await backend.init('wasm');
    assert.equal(info.threads, 2);
    assert.equal(info.simd, true);
    const a = tf.tensor2d(rand(768 * 768, 1), [768, 768]),
      b = tf.tensor2d(rand(768 * 768, 2), [768, 768]);
    tf.matMul(a, b).dispose(); // warm-up: XNNPACK packs the weights on first use
    const before = threadTicks();
    let after = before;
    // Until the main thread has used ≥ 0.3 s of CPU (30 ticks at the usual 100 Hz), whatever the machine's speed.
    for (let i = 0; i < 400 && after.get(process.pid)! - before.get(process.pid)! < 30; i++) {
      for (let j = 0; j < 4; j++) tf.matMul(a, b).dispose();
      after = threadTicks();
    }
    tf.dispose([a, b]);
    const used = [...after].map(([tid, t]) => ({ tid, ticks: t - (before.get(tid) ?? 0) }));
    const main = used.find((u) => u.tid === process.pid)!.ticks;
    const helper = Math.max(...used.filter((u) => u.tid !== process.pid).map((u) => u.ticks));
    // XNNPACK splits the product evenly between the 2 threads; allow for scheduling noise.
    assert.ok(main >= 30, `the matmuls took only ${main} ticks on the main thread: too short to judge`);
    assert.ok(helper >= 0.4 * main, `busiest other thread used ${helper} ticks against the main thread's ${main}`);
  },
);

/** [m,k]·[k,n] in float64 from plain arrays. */
function matmul64(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
    }
  return c;
}

test('threaded wasm matmul (plain and transposed operands) matches float64 and the cpu backend', async () => {
  const [m, k, n] = [300, 500, 200];
  const av = rand(m * k, 3),
    bv = rand(k * n, 4);
  const want = matmul64(av, bv, m, k, n);
  const results: Record<string, Float32Array[]> = {};
  for (const name of ['wasm', 'cpu'] as const) {
    await backend.init(name);
    results[name] = tf.tidy(() => {
      const a = tf.tensor2d(av, [m, k]),
        b = tf.tensor2d(bv, [k, n]);
      return [
        tf.matMul(a, b),
        tf.matMul(a.transpose(), b, true, false), // Aᵀᵀ·B
        tf.matMul(a, b.transpose(), false, true), // A·Bᵀᵀ
        tf.matMul(a.transpose(), b.transpose(), true, true),
      ].map((t) => t.dataSync() as Float32Array);
    });
  }
  assert.equal(backend.info().name, 'cpu');
  for (let i = 0; i < 4; i++) {
    assert.ok(relErr(results.wasm[i], want) < 1e-5, `variant ${i}: wasm vs float64 ${relErr(results.wasm[i], want)}`);
    assert.ok(
      relErr(results.wasm[i], results.cpu[i]) < 1e-5,
      `variant ${i}: wasm vs cpu ${relErr(results.wasm[i], results.cpu[i])}`,
    );
  }
});

test("threaded wasm gives the cpu backend's gradients for a conv net (conv, max pool, strided conv, dense)", async () => {
  // x [16,20,20,4] → conv 3×3×16 'same' → relu → maxPool 2×2 → conv 3×3×24 stride 2 'valid' → relu
  //   → flatten [16,384] → dense 384×10 → softmax cross-entropy. Gradients reach every training kernel
  //   kdlab registers for wasm: Conv2DBackpropFilter/Input (strided), MaxPoolGrad, transposed BatchMatMul.
  const shapes = { x: [16, 20, 20, 4], w1: [3, 3, 4, 16], b1: [16], w2: [3, 3, 16, 24], w3: [384, 10] };
  const values = Object.fromEntries(
    Object.entries(shapes).map(([key, s], i) => [
      key,
      rand(
        s.reduce((p, q) => p * q, 1),
        10 + i,
      ).map((v) => v * (key === 'x' ? 1 : 0.3)),
    ]),
  );
  const labels = Array.from({ length: 16 }, (_, i) => (i * 7) % 10);
  const grads: Record<string, Float32Array[]> = {};
  for (const name of ['wasm', 'cpu'] as const) {
    await backend.init(name);
    grads[name] = tf.tidy(() => {
      const t = Object.fromEntries(Object.entries(shapes).map(([key, s]) => [key, tf.tensor(values[key], s)]));
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const loss = (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) => {
        const h1 = tf.maxPool(
          tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D,
          2,
          2,
          'valid',
        );
        const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Tensor4D, 2, 'valid'));
        return tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.reshape(h2, [16, 384]), w3));
      };
      const g = tf.grads(loss)([t.x, t.w1, t.b1, t.w2, t.w3]);
      return g.map((gi) => gi.dataSync() as Float32Array);
    });
  }
  const names = ['x', 'w1', 'b1', 'w2', 'w3'];
  grads.wasm.forEach((g, i) => {
    assert.ok(
      g.some((v) => v !== 0),
      `d${names[i]} is all zeros`,
    );
    const e = relErr(g, grads.cpu[i]);
    assert.ok(e < 1e-4, `d${names[i]}: wasm vs cpu relative error ${e}`);
  });
});

test('a script that computes on threaded wasm exits by itself', () => {
  const started = Date.now();
  const r = child(
    `kd.init('wasm').then((i) => {
    const tf = require(${JSON.stringify(require.resolve('@tensorflow/tfjs'))});
    const y = tf.matMul(tf.ones([256, 256]), tf.ones([256, 256]));
    console.log('THREADS ' + i.threads + ' SUM ' + y.sum().dataSync()[0]);
  });`,
    { KDLAB_WASM_THREADS: '2' },
    60_000,
  );
  assert.equal(r.signal, null, `killed after ${Date.now() - started} ms: the worker threads kept Node alive`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /THREADS 2 SUM 16777216\n/); // 256·256 entries, each a sum of 256 ones
});
