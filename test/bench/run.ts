/**
 * `npm run bench` — kdlab against PyTorch in one invocation (issue 6).
 *
 * For each workload: a fresh worker per kdlab backend (worker.ts) and one PyTorch worker
 * (torch_bench.py) are set up (build, warm-up, calibrate the steps per window to --seconds), then
 * timed windows run in rounds, ONE window per implementation per round, rotating the order each
 * round, so slow drifts of a shared machine hit every implementation alike. samples/s is the median
 * over the windows. PyTorch runs as one worker per thread count (default 1 and the cores) and its
 * figure is the best of them; every window records what other processes did meanwhile (load.ts), and
 * ratios resting on an oversubscribed window are reported as unreliable.
 * Exit code 1 when a kdlab run failed, leaked tensors or produced non-finite losses.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as kd from '../../lib';
import { parseArgs, USAGE, BenchOptions, CPU_DEFAULT_WORKLOADS } from './args';
import { LoadProbe } from './load';
import { WorkerLink, Reply } from './protocol';
import {
  ImplResult,
  ProfileRecord,
  SoakRecord,
  compare,
  problems,
  profileTable,
  soakTable,
  summarise,
  table,
} from './report';
import { WORKLOADS, stepsPerWindow } from './workloads';

const TORCH_SCRIPT = path.resolve(__dirname, '../../../test/bench/torch_bench.py');
const WORKER = path.join(__dirname, 'worker.js');
const T0 = Date.now();
const log = (s: string) =>
  process.stderr.write(s.startsWith('  [') ? s + '\n' : `[${((Date.now() - T0) / 1000).toFixed(1)}s] ${s}\n`);
const MAX_STEPS = 5000;

interface Impl {
  link: WorkerLink;
  result: ImplResult;
  windowsWanted: number;
  flopsPerSample?: number;
  /** Measures the other processes' CPU during each window; null off Linux. */
  probe?: LoadProbe | null;
}

/** A kdlab worker; `tfThreads` sets the tensorflow backend's intra-op threads (KDLAB_TF_THREADS) for it. */
function nodeWorker(backend: string, tfThreads?: number, fusedDense = false): WorkerLink {
  const env: NodeJS.ProcessEnv = { ...process.env, KDLAB_BACKEND: backend };
  if (fusedDense) env.KDLAB_BENCH_FUSED_DENSE = '1'; // read by workloads.ts
  if (tfThreads !== undefined) {
    env.KDLAB_TF_THREADS = String(tfThreads);
    delete env.TF_NUM_INTRAOP_THREADS; // kdlab sets it from KDLAB_TF_THREADS
  }
  const name = tfThreads === undefined ? backend : `${backend}×${tfThreads}`;
  return new WorkerLink(name, process.execPath, [WORKER, backend], env, log);
}

function torchWorker(o: BenchOptions, threads: number): WorkerLink {
  return new WorkerLink(`pytorch×${threads}`, o.python, [TORCH_SCRIPT, '--threads', String(threads)], process.env, log);
}

const implName = (r: ImplResult) =>
  r.impl === 'pytorch'
    ? `PyTorch (${r.threads === 1 ? '1 thread' : `${r.threads ?? '?'} threads`})`
    : `kdlab (${r.backend}${r.backend === 'tensorflow' && r.threads !== undefined ? `, ${r.threads} thread${r.threads === 1 ? '' : 's'}` : ''})`;

/** The backends workload `w` runs on: the pure-JS cpu backend only runs the quick workloads unless --cpu-all. */
function backendsFor(w: string, backends: string[], o: BenchOptions): string[] {
  return backends.filter((b) => b !== 'cpu' || o.cpuAll || CPU_DEFAULT_WORKLOADS.includes(w));
}

/** Which backends to run: --backends, else every one kd.backend.available() lists. */
async function chooseBackends(o: BenchOptions, notes: string[]): Promise<string[]> {
  // An explicit list is not probed here (loading libtensorflow just to check takes seconds): a backend
  // that cannot load fails in its worker with kd.backend.init's explanation.
  if (o.backends) return o.backends;
  const available: string[] = await kd.backend.available();
  if (!available.includes('tensorflow'))
    notes.push('tensorflow backend not available here (install it with `npx kdlab setup tensorflow`)');
  return available;
}

/** What the run learnt about PyTorch (from the first PyTorch worker's hello). */
interface TorchState {
  available: boolean;
  version?: string;
  threads?: number[];
  reason?: string;
}

function emptyResult(workload: string, impl: 'kdlab' | 'pytorch', backend: string): ImplResult {
  return { workload, impl, backend, windows: [], notes: [] };
}

/** hello, then set-up (build, warm-up, calibration); on failure records the error and returns null. */
async function setupImpl(
  impl: Impl,
  setup: Record<string, unknown>,
  o: BenchOptions,
  minSteps: number,
): Promise<Reply | null> {
  const { link, result } = impl;
  try {
    const hello = await link.hello;
    if (!hello.ok) throw new Error(hello.error);
    result.threads = (hello.hello as { threads: number }).threads;
    result.info = hello.hello as Record<string, unknown>;
    log(`${result.workload}: setting up ${implName(result)}`);
    const r = await link.request('setup', { ...setup, warmup: o.warmup, probe: minSteps });
    result.params = r.params as ImplResult['params'];
    result.stepsPerWindow = stepsPerWindow(r.secondsPerStep as number, o.seconds, minSteps, MAX_STEPS);
    return r;
  } catch (err) {
    result.error = (err as Error).message;
    return null;
  }
}

async function benchWorkload(
  workload: string,
  backends: string[],
  o: BenchOptions,
  torch: TorchState,
): Promise<ImplResult[]> {
  const minSteps = o.quick ? 1 : 2;
  // All workers start at once (start-up is untimed), then set up one after another.
  // tensorflow runs once per thread count of --tf-threads, like PyTorch (its figure per row; README names the best).
  const impls: Impl[] = backends.flatMap((backend) =>
    (backend === 'tensorflow' ? o.tfThreads : [undefined]).map((threads) => ({
      link: nodeWorker(backend, threads, o.fusedDense),
      result: { ...emptyResult(workload, 'kdlab', backend), variant: o.fusedDense ? 'fusedDense' : undefined },
      windowsWanted: backend === 'cpu' ? o.cpuWindows : o.windows,
    })),
  );
  const torchImpls: Impl[] = torch.available
    ? o.torchThreads.map((threads) => ({
        link: torchWorker(o, threads),
        result: emptyResult(workload, 'pytorch', 'pytorch'),
        windowsWanted: o.windows,
      }))
    : [];
  try {
    let torchSetup: Record<string, unknown> | null = null;
    for (const impl of impls) {
      const r = await setupImpl(impl, { workload }, o, minSteps);
      if (!r) continue;
      torchSetup ??= r.torch as Record<string, unknown>;
      impl.flopsPerSample = r.flopsPerSample as number | undefined;
      if (impl.result.backend === 'cpu' && impl.windowsWanted < o.windows) {
        impl.result.notes.push(`${impl.windowsWanted} window(s) only (pure-JS reference backend, slow)`);
      }
    }
    for (const torchImpl of torchImpls) {
      const hello = await torchImpl.link.hello.catch(
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs it (the rule misreads the narrowing here)
        (err: Error) => ({ id: 0, ok: false, error: `${err.message} (is ${o.python} installed?)` }) as Reply,
      );
      if (!hello.ok) {
        // torch does not import (or python is missing): the same holds for every thread count
        Object.assign(torch, {
          available: false,
          // eslint-disable-next-line @typescript-eslint/no-base-to-string, @typescript-eslint/restrict-template-expressions -- a string (see Reply); the rule misreads the type
          reason: `${hello.error} — install it with: ${hello.hint ?? 'pip install torch==2.13.0+cpu'}`,
        });
        break;
      }
      const h = hello.hello as { version: string; threads: number };
      Object.assign(torch, { available: true, version: h.version, threads: o.torchThreads });
      if (!torchSetup)
        torchImpl.result.error = 'no kdlab backend could be set up, so there is no architecture to mirror';
      else if (await setupImpl(torchImpl, torchSetup, o, minSteps)) {
        torchImpl.flopsPerSample = impls.find((i) => i.flopsPerSample)?.flopsPerSample;
      }
    }
    if (torch.available) impls.unshift(...torchImpls);
    const live = () => impls.filter((i) => !i.result.error);
    const rounds = Math.max(0, ...impls.map((i) => i.windowsWanted));
    for (let round = 0; round < rounds; round++) {
      const order = live();
      const k = round % Math.max(order.length, 1); // rotate who goes first each round
      for (const impl of order.slice(k).concat(order.slice(0, k))) {
        if (impl.result.windows.length >= impl.windowsWanted) continue;
        try {
          if (impl.probe === undefined) impl.probe = LoadProbe.create(impl.link.pid);
          const start = impl.probe?.snapshot();
          const w: Reply = await impl.link.request('window', { steps: impl.result.stepsPerWindow });
          const load = start && impl.probe!.finish(start, impl.result.threads ?? 1);
          impl.result.windows.push({
            samplesPerSec: (w.samples as number) / (w.seconds as number),
            seconds: w.seconds as number,
            samples: w.samples as number,
            fitSeconds: w.fitSeconds as number | undefined,
            tensorsBefore: w.tensorsBefore as number,
            tensorsAfter: w.tensorsAfter as number,
            finite: w.finite as boolean,
            load,
          });
          if (load?.oversubscribed) {
            log(
              `WARNING: ${workload} ${implName(impl.result)} window ${impl.result.windows.length}: load ${load.load.toFixed(2)} > ${load.cores} cores ` +
                `(other processes ${load.otherCores.toFixed(2)} cores + ${load.threads} thread(s)); ratios using it are unreliable`,
            );
          }
        } catch (err) {
          impl.result.error = (err as Error).message;
        }
      }
      log(`${workload}: round ${round + 1}/${rounds} done`);
    }
    for (const impl of live()) {
      try {
        const t = await impl.link.request('teardown');
        impl.result.tensorsStart = t.tensorsStart as number;
        impl.result.tensorsEnd = t.tensorsEnd as number;
        impl.result.peakRssMB = (t.maxRssKB as number) / 1024;
      } catch (err) {
        impl.result.error = (err as Error).message;
      }
    }
  } finally {
    const all = [...impls, ...torchImpls.filter((t) => !impls.includes(t))];
    await Promise.all(all.map((i) => i.link.close()));
  }
  for (const impl of impls) {
    summarise(impl.result, impl.flopsPerSample);
    const busy = impl.result.windows.flatMap((w) => (w.load?.oversubscribed ? [w.load] : []));
    if (busy.length) {
      impl.result.notes.push(
        `${busy.length} of ${impl.result.windows.length} windows oversubscribed (load up to ` +
          `${Math.max(...busy.map((l) => l.load)).toFixed(2)} on ${busy[0].cores} cores)`,
      );
    }
  }
  compare(impls.map((i) => i.result));
  return impls.map((i) => i.result);
}

async function profileWorkload(workload: string, backend: string, o: BenchOptions): Promise<ProfileRecord> {
  const link = nodeWorker(backend, undefined, o.fusedDense);
  const steps = o.quick ? 1 : 3;
  try {
    const hello = await link.hello;
    if (!hello.ok) throw new Error(hello.error);
    await link.request('setup', { workload, warmup: o.warmup });
    const p = await link.request('profile', { steps });
    await link.request('teardown');
    return {
      workload,
      backend,
      steps,
      wallMsPerStep: p.wallMsPerStep as number,
      kernelMsPerStep: p.kernelMsPerStep as number,
      kernels: p.kernels as ProfileRecord['kernels'],
    };
  } catch (err) {
    return {
      workload,
      backend,
      steps,
      wallMsPerStep: NaN,
      kernelMsPerStep: NaN,
      kernels: [],
      error: (err as Error).message,
    };
  } finally {
    await link.close();
  }
}

async function soak(backend: string, workload: string, o: BenchOptions): Promise<SoakRecord> {
  const link = nodeWorker(backend, undefined, o.fusedDense);
  try {
    const hello = await link.hello;
    if (!hello.ok) throw new Error(hello.error);
    await link.request('setup', { workload, warmup: o.warmup });
    const every = Math.max(1, Math.floor(o.soak / 10));
    const r = await link.request('soak', { steps: o.soak, every });
    await link.request('teardown');
    const samples = r.samples as SoakRecord['samples'];
    return {
      backend,
      workload,
      steps: o.soak,
      seconds: r.seconds as number,
      samples,
      tensorsFlat: samples.every((s) => s.numTensors === samples[0].numTensors),
      rssGrowthMB: samples.length ? samples[samples.length - 1].rssMB - samples[0].rssMB : 0,
      rssGrowthSecondHalfMB: samples.length
        ? samples[samples.length - 1].rssMB - samples[(samples.length - 1) >> 1].rssMB
        : 0,
    };
  } catch (err) {
    return { backend, workload, steps: o.soak, samples: [], error: (err as Error).message };
  } finally {
    await link.close();
  }
}

export async function runBench(
  o: BenchOptions,
): Promise<{ json: Record<string, unknown>; ok: boolean; refused: boolean; text: string }> {
  const notes: string[] = [];
  const backends = await chooseBackends(o, notes);
  const labels = Object.fromEntries(WORKLOADS.map((w) => [w.name, w.label]));
  const cpu = os.cpus();
  const machine: Record<string, unknown> = {
    cpus: cpu.length,
    model: cpu[0]?.model,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadavgStart: os.loadavg(),
  };
  const json: Record<string, unknown> = { date: new Date().toISOString(), machine, options: o, backends };
  const out: string[] = [];
  let ok = true;
  let refused = false;
  if (!o.soak && o.workloads.some((w) => backendsFor(w, backends, o).length < backends.length)) {
    notes.push(
      `cpu backend: only ${CPU_DEFAULT_WORKLOADS.join(', ')} by default (the pure-JS backend needs seconds per (a) step and over a minute per (b) step); --cpu-all runs everything`,
    );
  }

  if (o.profile) {
    const records: ProfileRecord[] = [];
    for (const w of o.workloads)
      for (const b of backendsFor(w, backends, o)) {
        log(`profiling ${w} on ${b}`);
        const p = await profileWorkload(w, b, o);
        records.push(p);
        out.push(profileTable(p), '');
        if (p.error) ok = false;
      }
    json.profile = records;
  } else if (o.soak > 0) {
    const records: SoakRecord[] = [];
    const soakBackends = o.backends ? backends : backends.filter((b) => b !== 'cpu');
    if (soakBackends.length < backends.length)
      notes.push('soak skips the cpu backend unless --backends names it (1,000 steps of (a) take ~15 min there)');
    // (a) unless --workloads names exactly one workload
    const workload = o.workloads.length === 1 ? o.workloads[0] : 'kd-mlp';
    for (const b of soakBackends) {
      log(`soak: ${o.soak} steps of ${workload} on ${b}`);
      const s = await soak(b, workload, o);
      records.push(s);
      out.push(soakTable(s), '');
      if (s.error || !s.tensorsFlat) ok = false;
    }
    json.soak = records;
  } else {
    const torch: TorchState = o.torch ? { available: true } : { available: false, reason: 'disabled with --no-torch' };
    json.torch = torch;
    const results: ImplResult[] = [];
    const load = os.loadavg()[0];
    if (load > cpu.length * 0.75) {
      notes.push(
        `machine busy at start (1-min load ${load.toFixed(1)} on ${cpu.length} cores): every side slows, and PyTorch's OpenMP threads degrade far more than ` +
          'single-threaded code under oversubscription; see the per-window load columns',
      );
    }
    for (const w of o.workloads) results.push(...(await benchWorkload(w, backendsFor(w, backends, o), o, torch)));
    const busy = results.reduce((n, r) => n + (r.oversubscribedWindows ?? 0), 0);
    if (busy)
      notes.push(
        `WARNING: ${busy} window(s) ran with load above the ${cpu.length} cores; the ratios marked † rest on them and are unreliable: rerun on a quiet machine`,
      );
    if (!torch.available) notes.push(`PyTorch side skipped: ${torch.reason}`);
    for (const r of results) {
      const p = r.impl === 'kdlab' ? problems(r) : r.error ? [`failed: ${r.error}`] : [];
      if (p.length) {
        r.notes.push(...p);
        if (r.impl === 'kdlab') ok = false;
      }
    }
    json.results = results;
    machine.loadavgEnd = os.loadavg();
    out.push(table(results, labels, { quietCheck: o.quietCheck }));
    if (o.quietCheck && results.some((r) => r.ratioReliable === false)) refused = true;
    const resultNotes = results.flatMap((r) => r.notes.map((n) => `${r.workload} ${implName(r)}: ${n}`));
    notes.push(...resultNotes);
    const measured = results.some((r) => r.windows.some((w) => w.load));
    if (!measured && results.some((r) => r.windows.length))
      notes.push('load during windows not measured (needs Linux /proc): ratios are not checked for oversubscription');
    out.push(
      '',
      `samples/s = median over timed windows after ${o.warmup} warm-up batch(es); ` +
        `PyTorch ${torch.available ? `${torch.version} at ${torch.threads!.join(' and ')} thread(s), its best median is the 1 of '× PyTorch best'` : 'not run'}; ` +
        `'other procs' = CPU other processes used during each window (min–max, cores), 'load > cores' = windows where that plus the row's threads exceeded the cores`,
    );
  }
  const fmtLoad = (l: unknown) => (l as number[]).map((x) => x.toFixed(2)).join(' ');
  machine.loadavgEnd ??= os.loadavg();
  out.push(
    `machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}; load average (1/5/15 min) at start ${fmtLoad(machine.loadavgStart)}, at end ${fmtLoad(machine.loadavgEnd)}`,
  );
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  json.notes = notes;
  json.ok = ok;
  json.refused = refused;
  return { json, ok, refused, text: out.join('\n') };
}

/** Above this many cores used by other processes, --quiet-check does not start (daemons and jitter stay below). */
const QUIET_MAX_CORES = 0.25;

/** Cores other processes used over the next `seconds` (the machine's busy time minus this process's). */
async function otherProcessesCores(seconds: number): Promise<number> {
  const probe = LoadProbe.create(process.pid);
  if (!probe) return 0; // no /proc: nothing to measure (the report says so for windows too)
  const start = probe.snapshot();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return probe.finish(start, 0).otherCores;
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  if (o.quietCheck) {
    const busy = await otherProcessesCores(3);
    if (busy > QUIET_MAX_CORES) {
      console.error(
        `--quiet-check: the machine is busy: other processes used ${busy.toFixed(2)} cores over 3 s ` +
          `(load average ${os
            .loadavg()
            .map((x) => x.toFixed(2))
            .join(' ')}); not measuring. Rerun when nothing else runs.`,
      );
      return 3;
    }
  }
  const { json, ok, refused, text } = await runBench(o);
  console.log(text);
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify(json, null, 2) + '\n');
    console.log(`\nJSON written to ${o.json}`);
  }
  return !ok ? 1 : refused ? 3 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
