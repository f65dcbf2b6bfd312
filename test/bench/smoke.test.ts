/**
 * One-window smoke run of the benchmark (issue 6: "a one-window smoke version runs in CI to keep the
 * benchmark working"). It asserts that every workload ran on every backend, produced finite numbers and
 * leaked no tensors — never how fast anything was (no timed assertions). One quick run serves two tests:
 * the kdlab side always, the PyTorch side (both thread counts, the best one marked, ratios against it)
 * when `python3 -c "import torch"` works here; without torch that test is skipped, naming
 * `pip install torch==2.13.0+cpu`, and the report must say that torch is missing.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { testBackends } from '../support/backends';
import { parseArgs, CPU_DEFAULT_WORKLOADS } from './args';
import { LOAD_TOLERANCE } from './load';
import { modelSpec } from './spec';
import { stepsPerWindow, summariseKernels, WORKLOADS, POOL_BATCHES } from './workloads';
import type { ImplResult, ProfileRecord, SoakRecord } from './report';
import * as kd from '../../lib';

const RUN = path.join(__dirname, 'run.js');
const ROOT = path.resolve(__dirname, '../../..');
const python = process.env.KDLAB_BENCH_PYTHON || 'python3';
const torchHere = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const NO_TORCH = `torch is not importable by ${python}: install it with pip install torch==2.13.0+cpu to run the PyTorch side`;

function bench(args: string[]): { code: number | null; json: Record<string, any>; stdout: string; stderr: string } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-bench-')), 'bench.json');
  const r = spawnSync(process.execPath, [RUN, ...args, '--json', file], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  const json = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return { code: r.status, json, stdout: r.stdout, stderr: r.stderr };
}

test('option parsing: defaults, --quick, aliases and errors that name the flag', () => {
  const d = parseArgs([]);
  assert.equal(d.windows, 5);
  assert.deepEqual(d.workloads, ['kd-mlp', 'kd-cnn', 'rkd', 'matmul']);
  const q = parseArgs(['--quick', '--workloads', 'd,a']);
  assert.equal(q.windows, 1);
  assert.deepEqual(q.workloads, ['kd-mlp', 'matmul']); // canonical order
  assert.equal(d.quietCheck, false);
  assert.equal(parseArgs(['--quiet-check']).quietCheck, true);
  assert.equal(parseArgs(['--soak']).soak, 1000);
  assert.equal(parseArgs(['--soak', '50', '--quick']).soak, 50);
  assert.throws(() => parseArgs(['--windows', '0']), /--windows: expected a positive integer, got "0"/);
  assert.throws(() => parseArgs(['--backends', 'webgl']), /--backends: .*tensorflow, wasm, cpu.*webgl/);
  assert.throws(() => parseArgs(['--workloads', 'e']), /--workloads: .*"e"/);
  assert.throws(() => parseArgs(['--bogus']), /unknown option "--bogus"/);
});

test('steps per window: target / step time, clamped, whole synthetic epochs beyond the pool', () => {
  assert.equal(POOL_BATCHES, 16);
  assert.equal(stepsPerWindow(0.5, 2, 2, 5000), 4); // 2 s / 0.5 s; 5 batches fit in the pool
  assert.equal(stepsPerWindow(10, 2, 2, 5000), 2); // at least minSteps
  assert.equal(stepsPerWindow(0.1, 2, 2, 5000), 31); // 20 steps = 21 batches → 2 whole epochs of 16 = 32 batches
  assert.equal(stepsPerWindow(0.1, 1.5, 2, 5000), 15); // 15 steps = 16 batches = one epoch
});

test('the PyTorch spec of the CNN student lists its layers as built by kd.models', () => {
  const m = kd.models.cnnStudent();
  try {
    const s = modelSpec(m);
    assert.deepEqual(s.input, [28, 28, 1]);
    assert.deepEqual(
      s.layers.map((l) => l.type),
      ['conv2d', 'maxpool', 'conv2d', 'maxpool', 'flatten', 'dense', 'dense'],
    );
    assert.deepEqual(s.layers[0], {
      type: 'conv2d',
      filters: 32,
      kernel: [3, 3],
      strides: [1, 1],
      padding: 'same',
      activation: 'relu',
      bias: true,
    });
    assert.deepEqual(s.layers[6], { type: 'dense', units: 10, activation: 'linear', bias: true });
  } finally {
    m.dispose();
  }
});

/** The one quick run both bench tests read (kdlab on every backend, PyTorch when it imports). */
let quickRun: ReturnType<typeof bench> | undefined;
function quick(): ReturnType<typeof bench> {
  quickRun ??= bench(['--quick']);
  const { code, stdout, stderr } = quickRun;
  assert.equal(code, 0, `bench exited ${code}\n${stdout}\n${stderr.slice(-3000)}`);
  return quickRun;
}

test('quick bench, kdlab side: every workload × backend ran, finite numbers, tensors before == after, threads from kd.backend.info()', async () => {
  const backends = await testBackends();
  const { json, stdout } = quick();
  assert.deepEqual([...json.backends].sort(), [...backends].sort());
  const results = json.results as ImplResult[];
  for (const w of WORKLOADS) {
    for (const b of backends) {
      const r = results.find((x) => x.workload === w.name && x.impl === 'kdlab' && x.backend === b);
      if (b === 'cpu' && !CPU_DEFAULT_WORKLOADS.includes(w.name)) {
        assert.equal(r, undefined);
        continue;
      }
      assert.ok(r, `no result for ${w.name} on ${b}`);
      assert.equal(r.error, undefined, `${w.name} on ${b}: ${r.error}`);
      assert.equal(r.windows.length, 1);
      const win = r.windows[0];
      assert.ok(win.finite, `${w.name} on ${b}: non-finite losses`);
      assert.ok(
        Number.isFinite(win.samplesPerSec) && win.samplesPerSec > 0,
        `${w.name} on ${b}: samples/s ${win.samplesPerSec}`,
      );
      assert.equal(win.samples, r.stepsPerWindow! * w.batch);
      assert.equal(
        win.tensorsAfter,
        win.tensorsBefore,
        `${w.name} on ${b}: tensors ${win.tensorsBefore} → ${win.tensorsAfter}`,
      );
      assert.equal(
        r.tensorsEnd,
        r.tensorsStart,
        `${w.name} on ${b}: tensors before set-up ${r.tensorsStart}, after teardown ${r.tensorsEnd}`,
      );
      assert.ok(r.peakRssMB! > 10, `${w.name} on ${b}: peak RSS ${r.peakRssMB} MB`);
      if (w.name === 'matmul') assert.ok(Math.abs(r.gflops! - (r.median! * 2 * 1024 ** 3) / 1e9) < 1e-9 * r.gflops!);
      // The threads column is what kd.backend.info() said in the worker (issue 10: wasm becomes multi-threaded).
      assert.equal(
        r.threads,
        r.info!.threads,
        `${w.name} on ${b}: threads ${r.threads}, info() ${String(r.info!.threads)}`,
      );
      assert.ok(Number.isInteger(r.threads) && r.threads! >= 1);
      assert.match(stdout, new RegExp(`\\| kdlab \\(${b}\\) \\| ${r.threads} \\|`));
      checkLoads(r, `${w.name} on ${b}`);
    }
  }
  assert.match(
    stdout,
    /^machine: \d+ × .*; load average \(1\/5\/15 min\) at start [\d.]+ [\d.]+ [\d.]+, at end [\d.]+ [\d.]+ [\d.]+$/m,
  );
  assert.equal(json.machine.loadavgStart.length, 3);
  assert.equal(json.machine.loadavgEnd.length, 3);
  if (!torchHere) {
    console.log(`${NO_TORCH}; checking that the bench says so`);
    assert.equal(json.torch.available, false);
    assert.match(json.notes.join('\n'), /PyTorch side skipped: .*pip install torch==2\.13\.0\+cpu/);
    assert.ok(results.every((r) => r.impl === 'kdlab'));
  }
});

/** Every window records the rest of the machine's CPU during it (on Linux), and the row counts the oversubscribed ones. */
function checkLoads(r: ImplResult, what: string): void {
  if (!fs.existsSync('/proc/stat')) return;
  for (const w of r.windows) {
    const l = w.load!;
    assert.ok(l, `${what}: window without a load measurement`);
    assert.ok(l.otherCores >= 0 && l.otherCores <= l.cores + 0.5, `${what}: other processes ${l.otherCores} cores`);
    assert.equal(l.threads, r.threads);
    assert.equal(l.oversubscribed, l.otherCores + l.threads > l.cores + LOAD_TOLERANCE);
  }
  assert.equal(r.oversubscribedWindows, r.windows.filter((w) => w.load!.oversubscribed).length);
}

test(
  'quick bench, PyTorch side: one row per thread count (1 and the cores), the best marked, every ratio against the best',
  { skip: !torchHere && NO_TORCH },
  () => {
    const { json, stdout } = quick();
    assert.equal(json.torch.available, true, `torch imports here but the bench says: ${json.torch.reason}`);
    const results = json.results as ImplResult[];
    const threadCounts = [...new Set([1, os.cpus().length])];
    for (const w of WORKLOADS) {
      const torch = results.filter((x) => x.workload === w.name && x.impl === 'pytorch');
      // torch.get_num_threads() as reported by each worker: the counts asked for.
      assert.deepEqual(
        torch.map((t) => t.threads).sort((a, b) => a! - b!),
        threadCounts,
        `${w.name}: PyTorch thread counts`,
      );
      for (const t of torch) {
        assert.equal(t.error, undefined, `PyTorch ${w.name}: ${t.error}`);
        assert.ok(
          t.windows[0].finite && t.median! > 0 && Number.isFinite(t.median!),
          `PyTorch ${w.name}: median ${t.median}`,
        );
        checkLoads(t, `PyTorch ${w.name} at ${t.threads} threads`);
      }
      const best = torch.reduce((a, b) => (b.median! > a.median! ? b : a));
      assert.deepEqual(
        torch.filter((t) => t.best),
        [best],
        `${w.name}: the best PyTorch row is the one with the highest median`,
      );
      const busy = torch.some((t) => t.oversubscribedWindows! > 0);
      for (const k of results.filter((x) => x.workload === w.name && x !== best)) {
        if (k.impl === 'kdlab')
          assert.deepEqual(
            k.params,
            best.params,
            `${w.name}: kdlab (${k.backend}) and PyTorch train different architectures`,
          );
        assert.ok(Math.abs(k.ratio! - k.median! / best.median!) < 1e-12);
        assert.equal(k.ratioVsThreads, best.threads);
        assert.equal(k.ratioReliable, !busy && (k.oversubscribedWindows ?? 0) === 0);
      }
    }
    assert.match(stdout, /× PyTorch best/);
    assert.match(stdout, /\| PyTorch \| \d+ \| [\d,.]+ \| .* \| 1 \(best\)/);
  },
);

test('--profile: per-kernel times of one step on wasm, every matrix product of the MLP KD step accounted for once', () => {
  const { code, json, stdout } = bench(['--profile', '--quick', '--backends', 'wasm', '--workloads', 'kd-mlp']);
  assert.equal(code, 0, stdout);
  const [p] = json.profile as ProfileRecord[];
  assert.equal(p.error, undefined);
  assert.ok(p.kernels.length > 5 && p.kernelMsPerStep > 0 && p.wallMsPerStep > 0);
  // Composite ops are counted once, as the outermost kernel, with what they ran in brackets.
  assert.ok(
    p.kernels.every((k) => !/_FusedMatMul$/.test(k.name)),
    'the fused matmul runs inside fusedMatMul__op and must not be counted again',
  );
  // tfjs fuses matMul+bias+activation only outside a gradient tape or for linear activations
  // (tfjs-core's shouldFuse): the teacher's 3 dense layers (no tape) and the student's linear 'logits'
  // layer = 4 fused products per step. The student's 2 ReLU layers run unfused (2 BatchMatMul), and
  // its backward pass needs dW for 3 layers and dX for 2 (not for the input) = 5 more: 7 BatchMatMul.
  const fused = p.kernels.find((k) => k.name === 'fusedMatMul__op');
  assert.ok(fused && Math.abs(fused.calls - 4) < 1e-9, `fused matmul calls per step: ${fused?.calls}`);
  const plain = p.kernels.find((k) => k.name === 'BatchMatMul');
  assert.ok(plain && Math.abs(plain.calls - 7) < 1e-9, `BatchMatMul calls per step: ${plain?.calls}`);
  assert.ok(fused.children?.includes('_FusedMatMul'), `fusedMatMul__op ran ${fused.children}`);
  assert.match(stdout, /\| kernel .*\| calls\/step \| ms\/step \|/);
});

test('--profile counts: composite kernels count the innermost kernels they ran, Identity none', () => {
  // The engine records a kernel after its children, with the depth of its parent (0 = outermost).
  const records = [
    { name: 'Greater', depth: 1 },
    { name: 'Select', depth: 1 },
    { name: 'Step', depth: 0 }, // composite: 2 kernels inside
    { name: 'Multiply', depth: 0 },
    { name: 'Identity', depth: 1 }, // a tensor Sub saved for the backward pass: Sub is still innermost
    { name: 'Sub', depth: 0 },
    { name: 'Add', depth: 2 },
    { name: 'Inner', depth: 1 }, // composite inside a composite: its Add counts, not itself
    { name: 'Multiply', depth: 1 },
    { name: 'scope', depth: 0 },
  ].map((r) => ({ ...r, kernelTimeMs: 1 }));
  const stats = summariseKernels(records, 2); // two steps
  const inner = Object.fromEntries(stats.map((k) => [k.name, k.innerCalls]));
  assert.deepEqual(inner, { Step: 1, Multiply: 0.5, Sub: 0.5, scope: 1 });
  assert.deepEqual(stats.find((k) => k.name === 'scope')?.children, ['Add', 'Inner', 'Multiply']);
});

test('--soak: numTensors flat over the steps on wasm', () => {
  const { code, json, stdout } = bench(['--soak', '20', '--quick', '--backends', 'wasm']);
  assert.equal(code, 0, stdout);
  const [s] = json.soak as SoakRecord[];
  assert.equal(s.error, undefined);
  assert.equal(s.workload, 'kd-mlp'); // (a) unless --workloads names one
  assert.deepEqual(
    s.samples.map((x) => x.step),
    [2, 4, 6, 8, 10, 12, 14, 16, 18, 20],
  );
  assert.equal(s.tensorsFlat, true);
  assert.ok(s.samples.every((x) => x.numTensors === s.samples[0].numTensors));
});

test('--soak --workloads c: the soak runs the one workload named', () => {
  const { code, json, stdout } = bench(['--soak', '4', '--quick', '--backends', 'wasm', '--workloads', 'c']);
  assert.equal(code, 0, stdout);
  const [s] = json.soak as SoakRecord[];
  assert.equal(s.workload, 'rkd');
  assert.equal(s.tensorsFlat, true);
  assert.match(stdout, /soak of rkd on wasm/);
});
