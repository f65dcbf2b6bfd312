/**
 * Result records of the benchmark and their rendering: the console/README table and the JSON file.
 * samples/s is the median over timed windows (each window = many steps, after warm-up); the ratio
 * column divides a kdlab median by PyTorch's BEST median (over its thread counts) of the same
 * workload from the same run, and is marked unreliable when a window behind it was oversubscribed.
 */
import type { KernelStat } from './workloads';
import type { WindowLoad } from './load';

export interface WindowRecord {
  samplesPerSec: number;
  seconds: number;
  samples: number;
  /** Wall time of the window's whole fit() call (per-fit set-up and the untimed first batch included). */
  fitSeconds?: number;
  tensorsBefore: number;
  tensorsAfter: number;
  finite: boolean;
  /** What the rest of the machine did during the window (Linux only). */
  load?: WindowLoad;
}

export interface ImplResult {
  workload: string;
  impl: 'kdlab' | 'pytorch';
  /** kdlab backend name, or 'pytorch'. */
  backend: string;
  threads?: number;
  /** A non-default kdlab setting the row ran with (e.g. 'fusedDense'), shown beside the backend. */
  variant?: string;
  /** The worker's hello: kd.backend.info() (package, version, threads, simd) or PyTorch's version and threads. */
  info?: Record<string, unknown>;
  stepsPerWindow?: number;
  windows: WindowRecord[];
  median?: number;
  min?: number;
  max?: number;
  /** matmul only: median GFLOPS. */
  gflops?: number;
  params?: { teacher: number; student: number };
  /** numTensors (kdlab) / live torch tensors (PyTorch) before set-up and after teardown. */
  tensorsStart?: number;
  tensorsEnd?: number;
  peakRssMB?: number;
  /** Windows whose load (other processes' CPU + this implementation's threads) exceeded the cores. */
  oversubscribedWindows?: number;
  /** PyTorch rows: this thread count had the best median of the workload (the figure ratios use). */
  best?: boolean;
  /** kdlab rows: median / PyTorch's best median; other PyTorch rows: median / the best PyTorch median. */
  ratio?: number;
  /** Threads of the PyTorch row the ratio divides by. */
  ratioVsThreads?: number;
  /** false when any window of this row or of any PyTorch row of the workload was oversubscribed. */
  ratioReliable?: boolean;
  error?: string;
  notes: string[];
}

export interface ProfileRecord {
  workload: string;
  backend: string;
  steps: number;
  wallMsPerStep: number;
  kernelMsPerStep: number;
  kernels: KernelStat[];
  error?: string;
}

export interface SoakRecord {
  backend: string;
  workload: string;
  steps: number;
  seconds?: number;
  samples: { step: number; numTensors: number; numBytes: number; rssMB: number; heapMB: number }[];
  tensorsFlat?: boolean;
  /** RSS of the last sample minus the first, and minus the middle one (the second half is past allocator warm-up). */
  rssGrowthMB?: number;
  rssGrowthSecondHalfMB?: number;
  error?: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Fills median/min/max/gflops from the windows. */
export function summarise(r: ImplResult, flopsPerSample?: number): void {
  if (r.windows.length === 0) return;
  const rates = r.windows.map((w) => w.samplesPerSec);
  r.median = median(rates);
  r.min = Math.min(...rates);
  r.max = Math.max(...rates);
  if (flopsPerSample) r.gflops = (r.median * flopsPerSample) / 1e9;
  if (r.windows.some((w) => w.load)) r.oversubscribedWindows = r.windows.filter((w) => w.load?.oversubscribed).length;
}

/**
 * Ratios of one workload's results (summarised first). PyTorch's figure is its best median over the
 * thread counts it ran with: with all cores it collapses as soon as another process holds one, and a
 * collapsed denominator would flatter every ratio. A ratio is unreliable when any window behind it was
 * oversubscribed, including windows of the PyTorch thread count that lost: on a quiet machine that one
 * might have won.
 */
export function compare(results: ImplResult[]): void {
  const torch = results.filter((r) => r.impl === 'pytorch' && r.median !== undefined && !r.error);
  if (torch.length === 0) return;
  const best = torch.reduce((a, b) => (b.median! > a.median! ? b : a));
  best.best = true;
  const torchBusy = torch.some((r) => (r.oversubscribedWindows ?? 0) > 0);
  for (const r of results) {
    if (r === best || r.median === undefined || r.error) continue;
    r.ratio = r.median / best.median!;
    r.ratioVsThreads = best.threads;
    r.ratioReliable = !torchBusy && (r.oversubscribedWindows ?? 0) === 0;
    if (r.impl === 'kdlab' && best.params && r.params && JSON.stringify(best.params) !== JSON.stringify(r.params)) {
      r.notes.push(
        `parameter counts differ from PyTorch: kdlab ${JSON.stringify(r.params)} vs ${JSON.stringify(best.params)}`,
      );
    }
  }
  best.ratio = 1;
  best.ratioVsThreads = best.threads;
  best.ratioReliable = !torchBusy;
}

/** Problems that make a kdlab run unacceptable whatever its speed: leaks, non-finite values, failures. */
export function problems(r: ImplResult): string[] {
  const out: string[] = [];
  if (r.error) out.push(`failed: ${r.error}`);
  r.windows.forEach((w, i) => {
    if (!w.finite) out.push(`window ${i}: non-finite losses`);
    if (r.impl === 'kdlab' && w.tensorsBefore !== w.tensorsAfter)
      out.push(`window ${i}: numTensors ${w.tensorsBefore} → ${w.tensorsAfter} (leak)`);
  });
  if (
    r.impl === 'kdlab' &&
    r.tensorsStart !== undefined &&
    r.tensorsEnd !== undefined &&
    r.tensorsStart !== r.tensorsEnd
  ) {
    out.push(`numTensors ${r.tensorsStart} before set-up, ${r.tensorsEnd} after teardown (leak)`);
  }
  return out;
}

const fmtRate = (x?: number) =>
  x === undefined ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2);

const UNRELIABLE = '†';

/** "min–max" of the other processes' CPU over a row's windows, and how many windows were oversubscribed. */
function loadCells(r: ImplResult): [string, string] {
  const loads = r.windows.flatMap((w) => (w.load ? [w.load] : []));
  if (loads.length === 0) return ['—', '—'];
  const other = loads.map((l) => l.otherCores);
  return [
    `${Math.min(...other).toFixed(2)}–${Math.max(...other).toFixed(2)}`,
    `${r.oversubscribedWindows ?? 0}/${r.windows.length}`,
  ];
}

function ratioCell(r: ImplResult, quietCheck: boolean): string {
  if (r.ratio === undefined) return '—';
  if (quietCheck && r.ratioReliable === false) return 'refused: busy';
  const mark = r.ratioReliable === false ? ` ${UNRELIABLE}` : '';
  return (r.best ? '1 (best)' : `${r.ratio.toFixed(3)}×`) + mark;
}

/** Markdown table (renders in a terminal and pastes into README.md unchanged), then its footnote when a ratio is unreliable. */
export function table(
  results: ImplResult[],
  labels: Record<string, string>,
  opts: { quietCheck?: boolean } = {},
): string {
  const head = [
    'workload',
    'impl (backend)',
    'threads',
    'samples/s (median)',
    'best window',
    'min–max',
    'GFLOPS',
    '× PyTorch best',
    'windows × steps',
    'other procs, cores',
    'load > cores',
    'tensors before → after',
    'peak RSS MB',
  ];
  const rows = results.map((r) => {
    const first = r.windows[0];
    const last = r.windows[r.windows.length - 1];
    const leak = problems(r).some((p) => p.includes('leak'));
    return [
      labels[r.workload] ?? r.workload,
      r.impl === 'pytorch' ? 'PyTorch' : `kdlab (${r.backend}${r.variant ? `, ${r.variant}` : ''})`,
      r.threads === undefined ? '—' : String(r.threads),
      r.error ? `FAILED: ${r.error.split('\n')[0].slice(0, 80)}` : fmtRate(r.median),
      r.max === undefined ? '—' : fmtRate(r.max),
      r.min === undefined ? '—' : `${fmtRate(r.min)}–${fmtRate(r.max)}`,
      r.gflops === undefined ? '' : r.gflops.toFixed(1),
      ratioCell(r, opts.quietCheck ?? false),
      r.windows.length ? `${r.windows.length} × ${r.stepsPerWindow}` : '—',
      ...loadCells(r),
      first ? `${first.tensorsBefore} → ${last.tensorsAfter}${leak ? ' LEAK' : ''}` : '—',
      r.peakRssMB === undefined ? '—' : r.peakRssMB.toFixed(0),
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const out = [line(head), line(head.map(() => '---')), ...rows.map(line)];
  if (results.some((r) => r.ratioReliable === false) && opts.quietCheck) {
    out.push(
      '',
      'refused: busy = --quiet-check: some window of this row or of a PyTorch row of the workload ran with load > cores; no ratio printed.',
    );
  } else if (results.some((r) => r.ratioReliable === false)) {
    out.push(
      '',
      `${UNRELIABLE} unreliable: some window of this row or of a PyTorch row of the workload ran with load > cores ` +
        "(other processes' CPU + the implementation's threads); rerun on a quiet machine.",
    );
  }
  return out.join('\n');
}

const sumOf = (ks: ProfileRecord['kernels'], key: 'calls' | 'innerCalls') =>
  ks.reduce((a, k) => a + k[key], 0).toFixed(0);

export function profileTable(p: ProfileRecord, top = 15): string {
  if (p.error) return `${p.workload} on ${p.backend}: FAILED: ${p.error}`;
  const js = Math.max(0, p.wallMsPerStep - p.kernelMsPerStep);
  const lines = [
    `${p.workload} on ${p.backend}: ${p.wallMsPerStep.toFixed(2)} ms/step wall (while profiling), ` +
      `${p.kernelMsPerStep.toFixed(2)} ms in kernels, ${js.toFixed(2)} ms outside kernels (JS, data, profiler), averaged over ${p.steps} step(s); ` +
      `kernel calls per step: ${sumOf(p.kernels, 'calls')} outermost, ${sumOf(p.kernels, 'innerCalls')} innermost (native)`,
    '| kernel (outermost; composite ones list what they ran) | calls/step | ms/step | % of kernel time |',
    '| --- | --- | --- | --- |',
  ];
  for (const k of p.kernels.slice(0, top)) {
    const inner = (k.children ?? []).filter((c) => c !== 'Identity'); // Identity = tensors saved for the backward pass
    const runs = inner.length ? ` (runs ${inner.join(', ')}: ${k.innerCalls.toFixed(0)} kernels)` : '';
    lines.push(
      `| ${k.name}${runs} | ${k.calls.toFixed(1)} | ${k.ms.toFixed(3)} | ${((100 * k.ms) / Math.max(p.kernelMsPerStep, 1e-9)).toFixed(1)} |`,
    );
  }
  const rest = p.kernels.slice(top);
  if (rest.length) {
    const ms = rest.reduce((a, k) => a + k.ms, 0);
    lines.push(
      `| (${rest.length} others) | ${rest.reduce((a, k) => a + k.calls, 0).toFixed(1)} | ${ms.toFixed(3)} | ${((100 * ms) / Math.max(p.kernelMsPerStep, 1e-9)).toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

export function soakTable(s: SoakRecord): string {
  if (s.error) return `soak on ${s.backend}: FAILED: ${s.error}`;
  const lines = [
    `soak of ${s.workload} on ${s.backend}: ${s.steps} steps in ${s.seconds?.toFixed(1)} s; numTensors ${s.tensorsFlat ? 'flat' : 'NOT flat'}; ` +
      `RSS growth ${s.rssGrowthMB?.toFixed(1)} MB from the first sample to the last, ${s.rssGrowthSecondHalfMB?.toFixed(1)} MB over the second half`,
    '| step | numTensors | tf bytes MB | RSS MB | JS heap MB |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const x of s.samples)
    lines.push(
      `| ${x.step} | ${x.numTensors} | ${(x.numBytes / 2 ** 20).toFixed(1)} | ${x.rssMB.toFixed(1)} | ${x.heapMB.toFixed(1)} |`,
    );
  return lines.join('\n');
}
