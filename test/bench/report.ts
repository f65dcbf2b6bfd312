/**
 * Result records of the benchmark and their rendering: the console/README table and the JSON file.
 * samples/s is the median over timed windows (each window = many steps, after warm-up); the ratio
 * column divides a kdlab median by the PyTorch median of the same workload from the same run.
 */
import type { KernelStat } from './workloads';

export interface WindowRecord {
  samplesPerSec: number;
  seconds: number;
  samples: number;
  /** Wall time of the window's whole fit() call (per-fit set-up and the untimed first batch included). */
  fitSeconds?: number;
  tensorsBefore: number;
  tensorsAfter: number;
  finite: boolean;
}

export interface ImplResult {
  workload: string;
  impl: 'kdlab' | 'pytorch';
  /** kdlab backend name, or 'pytorch'. */
  backend: string;
  threads?: number;
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
  /** kdlab median / PyTorch median. */
  ratio?: number;
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
}

/** Problems that make a kdlab run unacceptable whatever its speed: leaks, non-finite values, failures. */
export function problems(r: ImplResult): string[] {
  const out: string[] = [];
  if (r.error) out.push(`failed: ${r.error}`);
  r.windows.forEach((w, i) => {
    if (!w.finite) out.push(`window ${i}: non-finite losses`);
    if (r.impl === 'kdlab' && w.tensorsBefore !== w.tensorsAfter) out.push(`window ${i}: numTensors ${w.tensorsBefore} → ${w.tensorsAfter} (leak)`);
  });
  if (r.impl === 'kdlab' && r.tensorsStart !== undefined && r.tensorsEnd !== undefined && r.tensorsStart !== r.tensorsEnd) {
    out.push(`numTensors ${r.tensorsStart} before set-up, ${r.tensorsEnd} after teardown (leak)`);
  }
  return out;
}

const fmtRate = (x?: number) => (x === undefined ? '—' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

/** Markdown table (renders in a terminal and pastes into README.md unchanged). */
export function table(results: ImplResult[], labels: Record<string, string>): string {
  const head = ['workload', 'impl (backend)', 'threads', 'samples/s (median)', 'min–max', 'GFLOPS', '× PyTorch', 'windows × steps', 'tensors before → after', 'peak RSS MB'];
  const rows = results.map((r) => {
    const first = r.windows[0];
    const last = r.windows[r.windows.length - 1];
    const leak = problems(r).some((p) => p.includes('leak'));
    return [
      labels[r.workload] ?? r.workload,
      r.impl === 'pytorch' ? 'PyTorch' : `kdlab (${r.backend})`,
      r.threads === undefined ? '—' : String(r.threads),
      r.error ? `FAILED: ${r.error.split('\n')[0].slice(0, 80)}` : fmtRate(r.median),
      r.min === undefined ? '—' : `${fmtRate(r.min)}–${fmtRate(r.max)}`,
      r.gflops === undefined ? '' : r.gflops.toFixed(1),
      r.ratio === undefined ? (r.impl === 'pytorch' ? '1' : '—') : `${r.ratio.toFixed(3)}×`,
      r.windows.length ? `${r.windows.length} × ${r.stepsPerWindow}` : '—',
      first ? `${first.tensorsBefore} → ${last.tensorsAfter}${leak ? ' LEAK' : ''}` : '—',
      r.peakRssMB === undefined ? '—' : r.peakRssMB.toFixed(0),
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function profileTable(p: ProfileRecord, top = 15): string {
  if (p.error) return `${p.workload} on ${p.backend}: FAILED: ${p.error}`;
  const js = Math.max(0, p.wallMsPerStep - p.kernelMsPerStep);
  const lines = [
    `${p.workload} on ${p.backend}: ${p.wallMsPerStep.toFixed(2)} ms/step wall (while profiling), ` +
      `${p.kernelMsPerStep.toFixed(2)} ms in kernels, ${js.toFixed(2)} ms outside kernels (JS, data, profiler), averaged over ${p.steps} step(s)`,
    '| kernel (outermost; composite ones list what they ran) | calls/step | ms/step | % of kernel time |',
    '| --- | --- | --- | --- |',
  ];
  for (const k of p.kernels.slice(0, top)) {
    const inner = (k.children ?? []).filter((c) => c !== 'Identity'); // Identity = tensors saved for the backward pass
    lines.push(`| ${k.name}${inner.length ? ` (runs ${inner.join(', ')})` : ''} | ${k.calls.toFixed(1)} | ${k.ms.toFixed(3)} | ${(100 * k.ms / Math.max(p.kernelMsPerStep, 1e-9)).toFixed(1)} |`);
  }
  const rest = p.kernels.slice(top);
  if (rest.length) {
    const ms = rest.reduce((a, k) => a + k.ms, 0);
    lines.push(`| (${rest.length} others) | ${rest.reduce((a, k) => a + k.calls, 0).toFixed(1)} | ${ms.toFixed(3)} | ${(100 * ms / Math.max(p.kernelMsPerStep, 1e-9)).toFixed(1)} |`);
  }
  return lines.join('\n');
}

export function soakTable(s: SoakRecord): string {
  if (s.error) return `soak on ${s.backend}: FAILED: ${s.error}`;
  const lines = [`soak of (a) on ${s.backend}: ${s.steps} steps in ${s.seconds?.toFixed(1)} s; numTensors ${s.tensorsFlat ? 'flat' : 'NOT flat'}; ` +
    `RSS growth ${s.rssGrowthMB?.toFixed(1)} MB from the first sample to the last, ${s.rssGrowthSecondHalfMB?.toFixed(1)} MB over the second half`,
  '| step | numTensors | tf bytes MB | RSS MB | JS heap MB |', '| --- | --- | --- | --- | --- |'];
  for (const x of s.samples) lines.push(`| ${x.step} | ${x.numTensors} | ${(x.numBytes / 2 ** 20).toFixed(1)} | ${x.rssMB.toFixed(1)} | ${x.heapMB.toFixed(1)} |`);
  return lines.join('\n');
}
