/**
 * `npm run bench` — kdlab against PyTorch in one invocation (issue 6).
 *
 * For each workload: a fresh worker per kdlab backend (worker.ts) and one PyTorch worker
 * (torch_bench.py) are set up (build, warm-up, calibrate the steps per window to --seconds), then
 * timed windows run in rounds, ONE window per implementation per round, rotating the order each
 * round, so slow drifts of a shared machine hit every implementation alike. samples/s is the median
 * over the windows. Exit code 1 when a kdlab run failed, leaked tensors or produced non-finite losses.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs, USAGE, BenchOptions, CPU_DEFAULT_WORKLOADS } from './args';
import { WorkerLink, Reply } from './protocol';
import { ImplResult, ProfileRecord, SoakRecord, problems, profileTable, soakTable, summarise, table } from './report';
import { WORKLOADS, stepsPerWindow } from './workloads';

const TORCH_SCRIPT = path.resolve(__dirname, '../../../test/bench/torch_bench.py');
const WORKER = path.join(__dirname, 'worker.js');
const log = (s: string) => process.stderr.write(s + '\n');
const MAX_STEPS = 5000;

interface Impl {
  link: WorkerLink;
  result: ImplResult;
  windowsWanted: number;
  flopsPerSample?: number;
}

function nodeWorker(backend: string): WorkerLink {
  return new WorkerLink(backend, process.execPath, [WORKER, backend], { ...process.env, KDLAB_BACKEND: backend }, log);
}

function torchWorker(o: BenchOptions): WorkerLink {
  return new WorkerLink('pytorch', o.python, [TORCH_SCRIPT, '--threads', String(o.torchThreads)], process.env, log);
}

/** Which backends to run: --backends, else kd.backend.available() (asked in a worker-free way here). */
async function chooseBackends(o: BenchOptions, notes: string[]): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const kd = require('../../lib') as typeof import('../../lib');
  const available: string[] = await kd.backend.available();
  if (!o.backends) {
    if (!available.includes('tensorflow')) notes.push("tensorflow backend not available here (install it with `npx kdlab setup tensorflow`)");
    return available;
  }
  const missing = o.backends.filter((b) => !available.includes(b));
  if (missing.length) throw new Error(`--backends: ${missing.join(', ')} cannot load here (available: ${available.join(', ')})` +
    (missing.includes('tensorflow') ? '; install it with `npx kdlab setup tensorflow`' : ''));
  return o.backends;
}

/** Starts PyTorch once to learn whether it is usable; returns its hello or the reason it is not. */
async function probeTorch(o: BenchOptions): Promise<{ available: boolean; version?: string; threads?: number; reason?: string }> {
  if (!o.torch) return { available: false, reason: 'disabled with --no-torch' };
  const link = torchWorker(o);
  try {
    const hello = await link.hello;
    if (!hello.ok) return { available: false, reason: `${hello.error} — install it with: ${hello.hint ?? 'pip install torch==2.13.0+cpu'}` };
    const h = hello.hello as { version: string; threads: number };
    return { available: true, version: h.version, threads: h.threads };
  } catch (err) {
    return { available: false, reason: `${(err as Error).message} (is ${o.python} installed?)` };
  } finally {
    await link.close();
  }
}

function emptyResult(workload: string, impl: 'kdlab' | 'pytorch', backend: string): ImplResult {
  return { workload, impl, backend, windows: [], notes: [] };
}

async function benchWorkload(workload: string, backends: string[], o: BenchOptions, torchOk: boolean): Promise<ImplResult[]> {
  const impls: Impl[] = [];
  let torchSetup: Record<string, unknown> | null = null;
  let flops: number | undefined;
  const minSteps = o.quick ? 1 : 2;
  try {
    for (const backend of backends) {
      const result = emptyResult(workload, 'kdlab', backend);
      const link = nodeWorker(backend);
      const impl: Impl = { link, result, windowsWanted: backend === 'cpu' ? o.cpuWindows : o.windows };
      impls.push(impl);
      try {
        const hello = await link.hello;
        if (!hello.ok) throw new Error(hello.error);
        result.threads = (hello.hello as { threads: number }).threads;
        log(`${workload}: setting up kdlab (${backend})`);
        const r = await link.request('setup', { workload, warmup: o.warmup, probe: minSteps });
        torchSetup ??= r.torch as Record<string, unknown>;
        result.params = r.params as ImplResult['params'];
        impl.flopsPerSample = flops = r.flopsPerSample as number | undefined;
        result.stepsPerWindow = stepsPerWindow(r.secondsPerStep as number, o.seconds, minSteps, MAX_STEPS);
        if (backend === 'cpu' && impl.windowsWanted < o.windows) result.notes.push(`cpu: ${impl.windowsWanted} window(s) only (pure-JS reference backend, slow)`);
      } catch (err) {
        result.error = (err as Error).message;
      }
    }
    if (torchOk && torchSetup) {
      const result = emptyResult(workload, 'pytorch', 'pytorch');
      const link = torchWorker(o);
      const impl: Impl = { link, result, windowsWanted: o.windows, flopsPerSample: flops };
      impls.unshift(impl);
      try {
        const hello = await link.hello;
        if (!hello.ok) throw new Error(hello.error);
        result.threads = (hello.hello as { threads: number }).threads;
        log(`${workload}: setting up PyTorch`);
        const r = await link.request('setup', { ...torchSetup, warmup: o.warmup, probe: minSteps });
        result.params = r.params as ImplResult['params'];
        result.stepsPerWindow = stepsPerWindow(r.secondsPerStep as number, o.seconds, minSteps, MAX_STEPS);
      } catch (err) {
        result.error = (err as Error).message;
      }
    }
    const live = () => impls.filter((i) => !i.result.error);
    const rounds = Math.max(0, ...impls.map((i) => i.windowsWanted));
    for (let round = 0; round < rounds; round++) {
      const order = live();
      const rotated = order.slice(round % Math.max(order.length, 1)).concat(order.slice(0, round % Math.max(order.length, 1)));
      for (const impl of rotated) {
        if (impl.result.windows.length >= impl.windowsWanted) continue;
        try {
          const w: Reply = await impl.link.request('window', { steps: impl.result.stepsPerWindow });
          impl.result.windows.push({
            samplesPerSec: (w.samples as number) / (w.seconds as number), seconds: w.seconds as number, samples: w.samples as number,
            tensorsBefore: w.tensorsBefore as number, tensorsAfter: w.tensorsAfter as number, finite: w.finite as boolean,
          });
        } catch (err) {
          impl.result.error = (err as Error).message;
        }
      }
      log(`${workload}: round ${round + 1}/${rounds} done`);
    }
    for (const impl of impls) {
      if (impl.result.error) continue;
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
    await Promise.all(impls.map((i) => i.link.close()));
  }
  for (const impl of impls) summarise(impl.result, impl.flopsPerSample);
  const torch = impls.find((i) => i.result.impl === 'pytorch')?.result;
  for (const { result } of impls) {
    if (result.impl === 'kdlab' && torch?.median && result.median) result.ratio = result.median / torch.median;
    if (torch?.params && result.params && JSON.stringify(torch.params) !== JSON.stringify(result.params)) {
      result.notes.push(`parameter counts differ from PyTorch: kdlab ${JSON.stringify(result.params)} vs ${JSON.stringify(torch.params)}`);
    }
  }
  return impls.map((i) => i.result);
}

async function profileWorkload(workload: string, backend: string, o: BenchOptions): Promise<ProfileRecord> {
  const link = nodeWorker(backend);
  const steps = o.quick ? 1 : 3;
  try {
    const hello = await link.hello;
    if (!hello.ok) throw new Error(hello.error);
    await link.request('setup', { workload, warmup: o.warmup, probe: 1 });
    const p = await link.request('profile', { steps });
    await link.request('teardown');
    return { workload, backend, steps, wallMsPerStep: p.wallMsPerStep as number, kernelMsPerStep: p.kernelMsPerStep as number,
             kernels: p.kernels as ProfileRecord['kernels'] };
  } catch (err) {
    return { workload, backend, steps, wallMsPerStep: NaN, kernelMsPerStep: NaN, kernels: [], error: (err as Error).message };
  } finally {
    await link.close();
  }
}

async function soak(backend: string, o: BenchOptions): Promise<SoakRecord> {
  const link = nodeWorker(backend);
  try {
    const hello = await link.hello;
    if (!hello.ok) throw new Error(hello.error);
    await link.request('setup', { workload: 'kd-mlp', warmup: o.warmup, probe: 1 });
    const every = Math.max(1, Math.floor(o.soak / 10));
    const r = await link.request('soak', { steps: o.soak, every });
    await link.request('teardown');
    const samples = r.samples as SoakRecord['samples'];
    return {
      backend, steps: o.soak, seconds: r.seconds as number, samples,
      tensorsFlat: samples.every((s) => s.numTensors === samples[0].numTensors),
      rssGrowthMB: samples.length ? samples[samples.length - 1].rssMB - samples[0].rssMB : 0,
    };
  } catch (err) {
    return { backend, steps: o.soak, samples: [], error: (err as Error).message };
  } finally {
    await link.close();
  }
}

export async function runBench(o: BenchOptions): Promise<{ json: Record<string, unknown>; ok: boolean; text: string }> {
  const notes: string[] = [];
  const backends = await chooseBackends(o, notes);
  const labels = Object.fromEntries(WORKLOADS.map((w) => [w.name, w.label]));
  const cpu = os.cpus();
  const json: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, model: cpu[0]?.model, node: process.version, platform: `${os.platform()} ${os.arch()}`, loadavg: os.loadavg() },
    options: o, backends,
  };
  const out: string[] = [];
  let ok = true;

  if (o.profile) {
    const records: ProfileRecord[] = [];
    for (const w of o.workloads) for (const b of backends) {
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
    if (soakBackends.length < backends.length) notes.push('soak skips the cpu backend unless --backends names it (1,000 steps of (a) take ~15 min there)');
    for (const b of soakBackends) {
      log(`soak: ${o.soak} steps of kd-mlp on ${b}`);
      const s = await soak(b, o);
      records.push(s);
      out.push(soakTable(s), '');
      if (s.error || !s.tensorsFlat) ok = false;
    }
    json.soak = records;
  } else {
    const torch = await probeTorch(o);
    json.torch = torch;
    if (!torch.available) notes.push(`PyTorch side skipped: ${torch.reason}`);
    const results: ImplResult[] = [];
    const skipCpu = backends.includes('cpu') && !o.cpuAll && o.workloads.some((w) => !CPU_DEFAULT_WORKLOADS.includes(w));
    if (skipCpu) notes.push(`cpu backend: only ${CPU_DEFAULT_WORKLOADS.join(', ')} by default (the pure-JS backend needs seconds to minutes per (a)/(b) step); --cpu-all runs everything`);
    const load = os.loadavg()[0];
    if (load > cpu.length * 0.75) {
      notes.push(`machine busy at start (1-min load ${load.toFixed(1)} on ${cpu.length} cores): every side slows, and PyTorch's OpenMP threads degrade far more than ` +
        'single-threaded code under oversubscription, so ratios are NOT representative; rerun on a quiet machine');
    }
    for (const w of o.workloads) {
      const bs = backends.filter((b) => b !== 'cpu' || o.cpuAll || CPU_DEFAULT_WORKLOADS.includes(w));
      results.push(...(await benchWorkload(w, bs, o, torch.available)));
    }
    for (const r of results) {
      const p = r.impl === 'kdlab' ? problems(r) : r.error ? [`failed: ${r.error}`] : [];
      if (p.length) { r.notes.push(...p); if (r.impl === 'kdlab') ok = false; }
    }
    json.results = results;
    out.push(table(results, labels));
    const resultNotes = results.flatMap((r) => r.notes.map((n) => `${r.workload} ${r.impl === 'pytorch' ? 'PyTorch' : r.backend}: ${n}`));
    notes.push(...resultNotes);
    out.push('', `samples/s = median over timed windows after ${o.warmup} warm-up batch(es); PyTorch ${torch.available ? `${torch.version}, ${torch.threads} threads` : 'not run'}; ` +
      `machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  }
  if (notes.length) out.push('', ...notes.map((n) => `note: ${n}`));
  json.notes = notes;
  json.ok = ok;
  return { json, ok, text: out.join('\n') };
}

async function main(): Promise<number> {
  let o: BenchOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (o.help) { console.log(USAGE); return 0; }
  const { json, ok, text } = await runBench(o);
  console.log(text);
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify(json, null, 2) + '\n');
    console.log(`\nJSON written to ${o.json}`);
  }
  return ok ? 0 : 1;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (err) => { console.error(err); process.exit(1); });
}
