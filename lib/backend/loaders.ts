/**
 * How each backend is loaded. Neither @tensorflow/tfjs-node nor -gpu is a dependency of kdlab, so they
 * are required lazily through a computed name (tsc and bundlers never see them).
 */
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm';
import { useWasmThreads, wasmThreadCount } from './wasm/threads';
import { registerCpuKernelFixes } from './cpu-kernels';
import { registerTensorflowKernels } from './tensorflow-kernels';
import { applyTensorflowThreads } from './tensorflow-threads';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** npm package that provides the backend */
  package: string;
  /** that package's version */
  version: string;
  /** threads the backend computes with */
  threads: number;
  /** whether its kernels use SIMD instructions */
  simd: boolean;
  /**
   * Set when init() without a forced name passed over a faster backend: one sentence saying why and how
   * to get it (e.g. "the tensorflow backend is not installed; `npx kdlab setup tensorflow` …").
   */
  fallback?: string;
}

/**
 * What a failed load reports: the reason and the command that fixes it (message), and the reason alone
 * as a clause that completes "the <name> backend …" (brief), for init()'s fallback note.
 */
export class BackendUnavailable extends Error {
  constructor(
    message: string,
    readonly brief: string = 'failed to load',
  ) {
    super(message);
  }
}

const dynamicRequire: NodeRequire = require;

function packageVersion(pkg: string): string {
  return (dynamicRequire(`${pkg}/package.json`) as { version: string }).version;
}

function isMissing(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${pkg}'`);
}

export const TF_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
const SETUP_HINT =
  'install it with `npx kdlab setup tensorflow` (offline: builds the addon against a TensorFlow wheel; add --gpu for ' +
  '@tensorflow/tfjs-node-gpu) or, with internet access, `npm install @tensorflow/tfjs-node@4.22.0`';

let tfPackage: string | null = null;
/** libtensorflow's intra-op threads, as set when tfjs-node was loaded (it reads them once). */
let tfThreads = 0;
let attemptNoted = false;

/**
 * For kdlab's own test suite: a test whose process tries to load the tensorflow backend may do something else
 * where it is installed, so its file is run again there (test/support/suite-record.ts names the record file).
 */
function noteTensorflowAttempt(): void {
  const record = process.env.KDLAB_TEST_RECORD;
  if (!record || attemptNoted) return;
  attemptNoted = true;
  fs.appendFileSync(record, JSON.stringify({ depends: 'tried to load the tensorflow backend' }) + '\n');
}

/**
 * Loads the TensorFlow (libtensorflow, native) backend: @tensorflow/tfjs-node-gpu if installed and
 * loadable, else @tensorflow/tfjs-node. Requiring the package registers the 'tensorflow' backend.
 */
function loadTensorflow(): string {
  noteTensorflowAttempt();
  if (tfPackage && tf.findBackendFactory('tensorflow')) return tfPackage;
  const problems: string[] = [];
  const prev = tf.getBackend();
  // libtensorflow logs INFO lines (CPU feature notices) to stderr on load unless told otherwise.
  if (process.env.TF_CPP_MIN_LOG_LEVEL === undefined) process.env.TF_CPP_MIN_LOG_LEVEL = '1';
  const threads = applyTensorflowThreads(); // throws on a bad KDLAB_TF_THREADS: a setting to fix, not a backend to skip
  for (const pkg of TF_PACKAGES) {
    try {
      dynamicRequire(pkg);
    } catch (err) {
      problems.push(
        isMissing(err, pkg)
          ? `${pkg} is not installed`
          : `${pkg} is installed but cannot load: ${(err as Error).message.split('\n')[0]}`,
      );
      continue;
    }
    if (!tf.findBackendFactory('tensorflow')) {
      problems.push(
        `${pkg} loaded but registered no 'tensorflow' backend with kdlab's @tensorflow/tfjs ` +
          `${tf.version.tfjs} (it probably uses its own copy of @tensorflow/tfjs; install matching versions)`,
      );
      continue;
    }
    tfPackage = pkg;
    tfThreads = threads;
    registerTensorflowKernels();
    // tfjs-node makes itself the active backend on require; selection is init()'s job, so undo that.
    if (prev && tf.getBackend() !== prev) void tf.setBackend(prev);
    return pkg;
  }
  const broken = problems.filter((p) => !p.endsWith(' is not installed'));
  const brief = broken.length
    ? `cannot load: ${broken.map((p) => p.replace(/[\s.]+$/, '')).join('; ')}`
    : 'is not installed';
  throw new BackendUnavailable(
    `the 'tensorflow' backend cannot load: ${problems.join('; ')}. To enable it, ${SETUP_HINT}.`,
    brief,
  );
}

/** The thread count the wasm backend was set up with (fixed for the process once chosen). */
let wasmThreads: number | null = null;

function loadWasm(): void {
  try {
    dynamicRequire('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    const missing = isMissing(err, '@tensorflow/tfjs-backend-wasm');
    throw new BackendUnavailable(
      `the 'wasm' backend cannot load: @tensorflow/tfjs-backend-wasm ` +
        `${missing ? 'is not installed' : `fails to load: ${(err as Error).message}`}. ` +
        `Install it with \`npm install --save-exact @tensorflow/tfjs-backend-wasm@${tf.version.tfjs}\`.`,
      missing ? 'is not installed' : 'failed to load',
    );
  }
  if (wasmThreads === null) {
    const n = wasmThreadCount(); // throws on a bad KDLAB_WASM_THREADS: a setting to fix, not a backend to skip
    useWasmThreads(n);
    wasmThreads = n;
  }
  registerWasmTrainingKernels();
}

/** Makes backend `name` loadable (registered with tfjs); throws BackendUnavailable naming the fix. */
export function load(name: BackendName): void {
  registerCpuKernelFixes(); // wasm and tensorflow fall back to cpu kernels too
  if (name === 'tensorflow') loadTensorflow();
  else if (name === 'wasm') loadWasm();
  // cpu ships with @tensorflow/tfjs
}

/** Describes the active backend `name` (call after tf.setBackend(name) succeeded). */
export async function describe(name: BackendName): Promise<BackendInfo> {
  if (name === 'tensorflow') {
    const pkg = tfPackage ?? TF_PACKAGES[1];
    // libtensorflow's intra-op pool (KDLAB_TF_THREADS, else one thread per core); the wheel's kernels are AVX-vectorised.
    return { name, package: pkg, version: packageVersion(pkg), threads: tfThreads, simd: true };
  }
  if (name === 'wasm') {
    const pkg = '@tensorflow/tfjs-backend-wasm';
    const wasm = dynamicRequire(pkg) as { getThreadsCount(): number };
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = wasm.getThreadsCount(); // the size of XNNPACK's pool, as the module reports it
    return { name, package: pkg, version: packageVersion(pkg), threads, simd };
  }
  return {
    name,
    package: '@tensorflow/tfjs-backend-cpu',
    version: packageVersion('@tensorflow/tfjs-backend-cpu'),
    threads: 1,
    simd: false,
  };
}
