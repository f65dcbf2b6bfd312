/**
 * Command-line options of `npm run bench` (test/bench/run.ts). Kept apart from run.ts so the
 * parsing rules (and their error messages) are visible in one place.
 */
import * as os from 'os';
import { WORKLOADS } from './workloads';

/** Workloads the pure-JS cpu backend runs by default: seconds per step, not minutes. */
export const CPU_DEFAULT_WORKLOADS = ['rkd', 'matmul'];

export interface BenchOptions {
  quick: boolean;
  /** null = every backend kd.backend.available() reports. */
  backends: string[] | null;
  workloads: string[];
  /** Timed windows per implementation (median over these); the cpu backend uses cpuWindows. */
  windows: number;
  cpuWindows: number;
  /** Target duration of one timed window, seconds (the step count per window is calibrated to it). */
  seconds: number;
  /** Untimed warm-up batches before calibration. */
  warmup: number;
  json: string | null;
  profile: boolean;
  /** Steps of the memory soak of workload (a), or of the one workload --workloads names; 0 = no soak. */
  soak: number;
  torch: boolean;
  /**
   * Thread counts PyTorch runs with, one worker each; its figure is the best of them. Default 1 and the
   * core count (issue 10 §2: at all cores it collapses when another process holds one).
   */
  torchThreads: number[];
  /**
   * Intra-op thread counts of the tensorflow backend (KDLAB_TF_THREADS), one worker each, as for PyTorch: default 1
   * and the core count (on a 2-core VM mid-sized element-wise ops run faster on one thread; see README, Backends).
   */
  tfThreads: number[];
  /** kdlab's Distiller with `fusedDense: true` (dense chains as one op per layer on tensorflow; off by default). */
  fusedDense: boolean;
  python: string;
  /** Run (a) and (b) on the cpu backend too (minutes per step on a busy machine). */
  cpuAll: boolean;
  /** Refuse to start on a busy machine, and print no ratio that rests on an oversubscribed window. */
  quietCheck: boolean;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --quick              one short window per implementation, 1 warm-up batch (CI smoke)
  --windows N          timed windows per implementation (default 5; the median is reported)
  --cpu-windows N      windows for the slow pure-JS cpu backend (default 3)
  --seconds S          target length of one window in seconds (default 2; --quick 0.25)
  --warmup N           warm-up batches before timing (default 3; --quick 1)
  --backends a,b       subset of tensorflow,wasm,cpu (default: every available backend)
  --workloads a,b      subset of ${WORKLOADS.map((w) => w.name).join(',')} (or a,b,c,d)
  --json FILE          also write the results as JSON
  --profile            instead of timing: per-kernel time of one step (tf.profile) per workload and backend
  --soak [N]           instead of timing: N steps of (a) (default 1000), numTensors and RSS every N/10 steps;
                       of the one workload --workloads names, if it names one
  --cpu-all            also run (a) and (b) on the cpu backend (by default cpu runs only the quick (c) and (d))
  --quiet-check        refuse to start while other processes use the cores (measured over 3 s), and print
                       '× PyTorch best' only where no window behind it was oversubscribed (exit 3 otherwise)
  --no-torch           skip the PyTorch side
  --torch-threads N,M  thread counts PyTorch runs with, interleaved; its figure is the best of them
                       (default: 1 and the number of cores)
  --tf-threads N,M     thread counts the tensorflow backend runs with (KDLAB_TF_THREADS), one row each
                       (default: 1 and the number of cores; --quick: the number of cores)
  --fused-dense        kdlab's Distiller with fusedDense: true (tensorflow; dense chains as one op per layer)
  --python PATH        Python with torch (default: $KDLAB_BENCH_PYTHON or python3)`;

const ALIASES: Record<string, string> = { a: 'kd-mlp', b: 'kd-cnn', c: 'rkd', d: 'matmul' };

function positive(flag: string, v: string | undefined, integer: boolean): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`${flag}: expected a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function parseArgs(argv: string[]): BenchOptions {
  const o: BenchOptions = {
    quick: false,
    backends: null,
    workloads: WORKLOADS.map((w) => w.name),
    windows: 5,
    cpuWindows: 3,
    seconds: 2,
    warmup: 3,
    json: null,
    profile: false,
    soak: 0,
    torch: true,
    torchThreads: [...new Set([1, os.cpus().length])],
    tfThreads: [...new Set([1, os.cpus().length])],
    fusedDense: false,
    cpuAll: false,
    quietCheck: false,
    python: process.env.KDLAB_BENCH_PYTHON || 'python3',
    help: false,
  };
  const set = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i];
    set.add(flag);
    switch (flag) {
      case '--quick':
        o.quick = true;
        break;
      case '--windows':
        o.windows = positive(flag, value(), true);
        break;
      case '--cpu-windows':
        o.cpuWindows = positive(flag, value(), true);
        break;
      case '--seconds':
        o.seconds = positive(flag, value(), false);
        break;
      case '--warmup':
        o.warmup = positive(flag, value(), true);
        break;
      case '--backends': {
        const list = (value() ?? '').split(',').filter(Boolean);
        const bad = list.filter((b) => !['tensorflow', 'wasm', 'cpu'].includes(b));
        if (list.length === 0 || bad.length)
          throw new Error(
            `--backends: expected a comma list of tensorflow, wasm, cpu; got ${JSON.stringify(bad.length ? bad : list)}`,
          );
        o.backends = list;
        break;
      }
      case '--workloads': {
        const list = (value() ?? '')
          .split(',')
          .filter(Boolean)
          .map((w) => ALIASES[w] ?? w);
        const known = WORKLOADS.map((w) => w.name);
        const bad = list.filter((w) => !known.includes(w));
        if (list.length === 0 || bad.length)
          throw new Error(
            `--workloads: expected a comma list of ${known.join(', ')} (or a-d); got ${JSON.stringify(bad.length ? bad : list)}`,
          );
        o.workloads = known.filter((w) => list.includes(w));
        break;
      }
      case '--json':
        o.json = value() ?? '';
        if (!o.json) throw new Error('--json: expected a file name');
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--soak':
        if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) o.soak = positive(flag, value(), true);
        else o.soak = 1000;
        break;
      case '--quiet-check':
        o.quietCheck = true;
        break;
      case '--no-torch':
        o.torch = false;
        break;
      case '--torch-threads': {
        const v = value();
        const list = (v ?? '').split(',').map((t) => positive(flag, t, true));
        o.torchThreads = [...new Set(list)].sort((a, b) => a - b);
        break;
      }
      case '--tf-threads': {
        const list = (value() ?? '').split(',').map((t) => positive(flag, t, true));
        o.tfThreads = [...new Set(list)].sort((a, b) => a - b);
        break;
      }
      case '--fused-dense':
        o.fusedDense = true;
        break;
      case '--cpu-all':
        o.cpuAll = true;
        break;
      case '--python':
        o.python = value() ?? '';
        if (!o.python) throw new Error('--python: expected a path');
        break;
      case '-h':
      case '--help':
        o.help = true;
        break;
      default:
        throw new Error(`unknown option ${JSON.stringify(flag)}\n${USAGE}`);
    }
  }
  if (o.quick) {
    if (!set.has('--windows')) o.windows = 1;
    if (!set.has('--cpu-windows')) o.cpuWindows = 1;
    if (!set.has('--seconds')) o.seconds = 0.25;
    if (!set.has('--warmup')) o.warmup = 1;
    if (!set.has('--tf-threads')) o.tfThreads = [os.cpus().length];
  }
  return o;
}
