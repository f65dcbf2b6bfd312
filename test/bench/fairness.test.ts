/**
 * The bench's fairness rules (issue 10 §2), checked on hand-made numbers: PyTorch's figure is its best
 * over thread counts, every window's load is other processes' CPU plus the row's threads, and a ratio
 * resting on an oversubscribed window is marked unreliable. Runs no benchmark (milliseconds).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import { parseArgs } from './args';
import { LOAD_TOLERANCE, Snapshot, parsePidStat, parseProcStat, windowLoad } from './load';
import { ImplResult, compare, summarise, table } from './report';

test('/proc/stat: busy = user + nice + system + irq + softirq + steal (guest is inside user); idle and iowait are not busy', () => {
  //            user nice system idle iowait irq softirq steal guest guest_nice
  const text = 'cpu  1000 50 200 9000 30 7 11 40 300 0\ncpu0 500 25 100 4500 15 3 5 20 150 0\nintr 1 2 3\n';
  assert.deepEqual(parseProcStat(text), { busy: 1000 + 50 + 200 + 7 + 11 + 40, steal: 40 });
  assert.throws(() => parseProcStat('intr 1 2\n'), /no aggregate 'cpu' line/);
});

test("/proc/<pid>/stat: utime + stime, counted from the last ')' so a command name with spaces and parentheses parses", () => {
  // fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime ...
  const text = '4242 (we ird) (x) S 1 4242 4242 0 -1 4194560 900 0 3 0 250 37 99 98 20 0 3 0';
  assert.equal(parsePidStat(text), 250 + 37);
});

test(
  '/proc/self/stat agrees with process.cpuUsage() (an independent clock of the same CPU time)',
  { skip: !fs.existsSync('/proc/self/stat') && 'no /proc here (not Linux)' },
  () => {
    // Burn 0.3 s of CPU (not of wall time: the machine may be shared) so the ticks are well above their 10 ms resolution.
    const t0 = process.cpuUsage();
    while (process.cpuUsage(t0).user < 300_000) {
      /* spin */
    }
    const u = process.cpuUsage();
    const ticks = parsePidStat(fs.readFileSync('/proc/self/stat', 'utf8'));
    const seconds = (u.user + u.system) / 1e6;
    assert.ok(
      Math.abs(ticks / 100 - seconds) < 0.05 + 0.02 * seconds,
      `/proc/self/stat ${ticks / 100} s vs cpuUsage ${seconds} s`,
    );
  },
);

test('window load = (machine busy − worker − orchestrator) / wall + threads; oversubscribed above cores + tolerance', () => {
  const a: Snapshot = { cpu: { busy: 10_000, steal: 100 }, worker: 5_000, selfMicros: 1_000_000, t: 50 };
  // 2 s window: the machine was busy 3.0 core-seconds (300 ticks), 0.2 s of it steal; the worker used
  // 1.8 s, the orchestrator 0.2 s → other processes 3.0 − 1.8 − 0.2 = 1.0 core-second / 2 s = 0.5 cores.
  const b: Snapshot = { cpu: { busy: 10_300, steal: 120 }, worker: 5_180, selfMicros: 1_200_000, t: 52 };
  const two = windowLoad(a, b, 2, 2, 3.3);
  assert.ok(
    Math.abs(two.otherCores - 0.5) < 1e-12 &&
      Math.abs(two.stealCores - 0.1) < 1e-12 &&
      Math.abs(two.workerCores - 0.9) < 1e-12,
  );
  assert.ok(Math.abs(two.load - 2.5) < 1e-12);
  assert.equal(two.oversubscribed, true);
  assert.equal(two.loadavg1, 3.3);
  // The same window for a single-threaded implementation: 1.5 on 2 cores is fine.
  assert.equal(windowLoad(a, b, 1, 2, 0).oversubscribed, false);
  // Just under the tolerance is not oversubscribed (jitter of 10 ms ticks); just past it is.
  const other = (x: number): Snapshot => ({ ...b, cpu: { busy: a.cpu.busy + 200 + Math.round(x * 200), steal: 120 } });
  assert.equal(windowLoad(a, other(0), 2, 2, 0).otherCores, 0);
  assert.equal(windowLoad(a, other(LOAD_TOLERANCE - 0.01), 2, 2, 0).oversubscribed, false);
  assert.equal(windowLoad(a, other(LOAD_TOLERANCE + 0.01), 2, 2, 0).oversubscribed, true);
  // Tick sampling can put a quiet window a hair below zero: clamped.
  assert.equal(windowLoad(a, { ...b, cpu: { busy: 10_190, steal: 100 } }, 1, 2, 0).otherCores, 0);
});

/** A summarised result with the given per-window rates and oversubscription flags. */
function result(
  impl: 'kdlab' | 'pytorch',
  backend: string,
  threads: number,
  rates: number[],
  busy: boolean[] = [],
): ImplResult {
  const r: ImplResult = {
    workload: 'kd-mlp',
    impl,
    backend,
    threads,
    notes: [],
    stepsPerWindow: 10,
    params: { teacher: 2, student: 1 },
    windows: rates.map((rate, i) => ({
      samplesPerSec: rate,
      seconds: 1,
      samples: rate,
      tensorsBefore: 5,
      tensorsAfter: 5,
      finite: true,
      load: {
        seconds: 1,
        otherCores: busy[i] ? 1 : 0,
        stealCores: 0,
        workerCores: threads,
        threads,
        load: threads + (busy[i] ? 1 : 0),
        cores: 2,
        oversubscribed: !!busy[i],
        loadavg1: 1,
      },
    })),
  };
  summarise(r);
  return r;
}

test("PyTorch's figure is its best thread count; ratios divide by it; a busy window anywhere in PyTorch's rows makes every ratio unreliable", () => {
  // Issue 10's measurement: 2 threads collapse to ~307 samples/s with one other busy process, 1 thread gives 4,601.
  const t1 = result('pytorch', 'pytorch', 1, [4500, 4601, 4700]);
  const t2 = result('pytorch', 'pytorch', 2, [307, 7300, 290], [true, false, true]);
  const wasm = result('kdlab', 'wasm', 1, [1800, 1852, 1900]);
  compare([t1, t2, wasm]);
  assert.equal(t1.best, true);
  assert.equal(t2.best, undefined);
  assert.equal(t2.oversubscribedWindows, 2);
  assert.equal(wasm.ratio, 1852 / 4601);
  assert.equal(wasm.ratioVsThreads, 1);
  assert.equal(t2.ratio, 307 / 4601);
  assert.equal(t1.ratio, 1);
  // wasm's own windows were quiet, but at 2 threads on a quiet machine PyTorch might have won: unreliable.
  assert.equal(wasm.ratioReliable, false);
  const text = table([t1, t2, wasm], {});
  assert.match(text, /\| PyTorch \| 1 \| 4,601 \| 4,700 \| 4,500–4,700 \| {2}\| 1 \(best\) † \|/);
  assert.match(text, /\| kdlab \(wasm\) \| 1 \| 1,852 \| .* \| 0\.403× † \| 3 × 10 \| 0\.00–0\.00 \| 0\/3 \|/);
  assert.match(text, /\| PyTorch \| 2 \| 307 \| .* \| 2\/3 \|/);
  assert.match(text, /† unreliable: some window of this row or of a PyTorch row of the workload ran with load > cores/);
  // --quiet-check: no ratio resting on a busy window is printed at all.
  const quiet = table([t1, t2, wasm], {}, { quietCheck: true });
  assert.match(quiet, /\| kdlab \(wasm\) \| 1 \| 1,852 \| 1,900 \| 1,800–1,900 \| {2}\| refused: busy \|/);
  assert.doesNotMatch(quiet, /0\.403|†/);
  assert.match(quiet, /refused: busy = --quiet-check/);
});

test('on a quiet machine the all-cores PyTorch figure wins and the ratios are reliable; a busy kdlab window only marks its own row', () => {
  const t1 = result('pytorch', 'pytorch', 1, [4601]);
  const t2 = result('pytorch', 'pytorch', 2, [7300]);
  const wasm = result('kdlab', 'wasm', 1, [1852]);
  const tf = result('kdlab', 'tensorflow', 2, [5444], [true]);
  compare([t1, t2, wasm, tf]);
  assert.equal(t2.best, true);
  assert.equal(wasm.ratio, 1852 / 7300);
  assert.equal(wasm.ratioVsThreads, 2);
  assert.equal(wasm.ratioReliable, true);
  assert.equal(tf.ratioReliable, false);
  assert.equal(t2.ratioReliable, true);
  const text = table([t1, t2, wasm, tf], {});
  assert.match(text, /\| kdlab \(wasm\) \| 1 \| 1,852 \| .* \| 0\.254× \|/);
  assert.match(text, /\| kdlab \(tensorflow\) \| 2 \| 5,444 \| .* \| 0\.746× † \|/);
  // --quiet-check refuses only the ratio that rests on the busy window.
  const quiet = table([t1, t2, wasm, tf], {}, { quietCheck: true });
  assert.match(quiet, /\| kdlab \(wasm\) \| 1 \| 1,852 \| .* \| 0\.254× \|/);
  assert.match(quiet, /\| kdlab \(tensorflow\) \| 2 \| 5,444 \| .* \| refused: busy \|/);
});

test('without PyTorch there is no ratio; a failed PyTorch row is never the best', () => {
  const wasm = result('kdlab', 'wasm', 1, [1852]);
  compare([wasm]);
  assert.equal(wasm.ratio, undefined);
  const failed = { ...result('pytorch', 'pytorch', 2, [9999]), error: 'boom' };
  const t1 = result('pytorch', 'pytorch', 1, [4601]);
  compare([failed, t1, wasm]);
  assert.equal(t1.best, true);
  assert.equal(failed.best, undefined);
  assert.equal(wasm.ratio, 1852 / 4601);
});

test('--torch-threads: default 1 and the core count; a list is deduplicated and sorted; bad entries name the flag', () => {
  assert.deepEqual(parseArgs([]).torchThreads, [...new Set([1, os.cpus().length])]);
  assert.deepEqual(parseArgs(['--torch-threads', '4,1,4']).torchThreads, [1, 4]);
  assert.deepEqual(parseArgs(['--torch-threads', '2']).torchThreads, [2]);
  assert.throws(() => parseArgs(['--torch-threads', '1,x']), /--torch-threads: expected a positive integer, got "x"/);
  assert.throws(() => parseArgs(['--torch-threads']), /--torch-threads: expected a positive integer, got ""/);
});
