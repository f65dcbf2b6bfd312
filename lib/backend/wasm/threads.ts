/**
 * Multi-threaded wasm in Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build (emscripten pthreads under XNNPACK's pthreadpool) but
 * uses it only in browsers: its WASM_HAS_MULTITHREAD_SUPPORT flag is false under Node, and it hands the
 * emscripten glue Blob URLs for the pthread script, which Node's worker_threads cannot start. So for
 * n > 1 threads we replace the package's 'wasm' backend factory with one that instantiates the threaded
 * build itself and hands the module to the package's own BackendWasm:
 *   - the glue (wasm-out/tfjs-backend-wasm-threaded-simd.js) runs under Node as it is: its pthreads are
 *     worker_threads Workers sharing a SharedArrayBuffer-backed memory; each starts from ./pthread-worker.js
 *     and loads the same glue file (mainScriptUrlOrBlob) to join the shared module;
 *   - the C side sizes its pool as min(requested, logical cores / 2, 8) (it assumes two hyperthreads per
 *     core), so the logical-core query is answered with 2·n: the pool then has exactly n threads;
 *   - emscripten pre-starts 8 workers for pthreads; the pool uses n − 1 (the calling thread is the n-th),
 *     so the rest are stopped before they load the module (each costs ~8 MB and startup time);
 *   - the pool's workers run for the life of the process: they are unref'd, so they never keep Node alive.
 * n = 1 keeps the package's own factory, which loads the single-threaded SIMD build.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { Worker } from 'worker_threads';

export const THREADS_VARIABLE = 'KDLAB_WASM_THREADS';
/** tfjs-backend-wasm's C side caps its thread pool at 8 (and pre-starts that many pthread workers). */
export const MAX_WASM_THREADS = 8;

/** Logical cores this process may use. */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The wasm backend's thread count: KDLAB_WASM_THREADS when set, else the available cores (at most 8). */
export function wasmThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[THREADS_VARIABLE];
  if (raw === undefined || raw === '') return Math.min(availableCores(), MAX_WASM_THREADS);
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_WASM_THREADS)) {
    throw new Error(
      `environment variable ${THREADS_VARIABLE}: expected a whole number of threads from 1 to ` +
        `${MAX_WASM_THREADS} (1 selects the single-threaded build; unset means one per core), got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

/**
 * What we use of @tensorflow/tfjs-backend-wasm 4.22.0's exports (kept structural: its d.ts pulls in tfjs-core
 * types). The declarations below are written against that version's wasm-out glue; a new version needs a look.
 */
interface WasmPackage {
  BackendWasm: new (module: unknown) => tf.KernelBackend;
  setThreadsCount(n: number): void;
}

/** The parts of the emscripten module (tfjs-backend-wasm-threaded-simd.js, 4.22.0) we touch. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { unusedWorkers: Worker[]; runningWorkers: Worker[] };
  wasmMemory: WebAssembly.Memory;
  HEAPU8: Uint8Array;
  tfjs?: Record<string, unknown>;
}

type Factory = (config: Record<string, unknown>) => Promise<ThreadedModule>;
/** What the glue passes to instantiateWasm: the import object, with the emscripten runtime under `env`. */
type WasmImports = WebAssembly.Imports & { env: WebAssembly.ModuleImports };

const WORKER_ENTRY = path.join(__dirname, 'pthread-worker.js');
/** tfjs-backend-wasm registers its factory with this priority; ours keeps it. */
const WASM_PRIORITY = 2;

function instantiate(threads: number): Promise<ThreadedModule> {
  // Resolved here, not at import: lib/backend must load even where tfjs-backend-wasm is not installed.
  const glue = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const wasmOut = path.dirname(glue);
  const factory = require(glue) as Factory;
  return new Promise<ThreadedModule>((resolve, reject) => {
    const config: Record<string, unknown> = {
      mainScriptUrlOrBlob: glue,
      locateFile: (file: string) => (file.endsWith('.worker.js') ? WORKER_ENTRY : path.join(wasmOut, file)),
      instantiateWasm(
        imports: WasmImports,
        receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
      ) {
        const env = { ...imports.env, emscripten_num_logical_cores: () => 2 * threads };
        fs.promises
          .readFile(path.join(wasmOut, 'tfjs-backend-wasm-threaded-simd.wasm'))
          .then((bytes): Promise<WebAssembly.WebAssemblyInstantiatedSource> =>
            WebAssembly.instantiate(bytes, { ...imports, env }),
          )
          .then((r) => receive(r.instance, r.module), reject);
        return {}; // exports arrive through receive()
      },
      // Runs after the 8 pre-started workers exist and before the module is sent to them. At least one must
      // stay: the glue waits for every remaining worker to load before it resolves.
      preInit() {
        const pool = (config as unknown as ThreadedModule).PThread.unusedWorkers;
        while (pool.length > Math.max(1, threads - 1)) void pool.pop()!.terminate();
      },
      onAbort: (what: unknown) => reject(new Error(`the threaded wasm module aborted: ${String(what)}`)),
    };
    factory(config).then(resolve, reject);
  });
}

/**
 * tfjs reads module.HEAPU8 directly. A pthread that grows the shared memory updates only its own views,
 * leaving the main thread's HEAPU8 on the old, shorter SharedArrayBuffer: serve a view that follows it.
 */
function followMemoryGrowth(m: ThreadedModule): void {
  let view = m.HEAPU8;
  Object.defineProperty(m, 'HEAPU8', {
    configurable: true,
    get: () => (view.buffer === m.wasmMemory.buffer ? view : (view = new Uint8Array(m.wasmMemory.buffer))),
    set: (v: Uint8Array) => {
      view = v;
    },
  });
}

async function createThreadedBackend(pkg: WasmPackage, threads: number): Promise<tf.KernelBackend> {
  const m = await instantiate(threads);
  followMemoryGrowth(m);
  // The same bridge tfjs-backend-wasm's own init() builds.
  m.tfjs = {
    init: m.cwrap('init', null, []),
    initWithThreadsCount: m.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: m.cwrap('get_threads_count', 'number', []),
    registerTensor: m.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: m.cwrap('dispose_data', null, ['number']),
    dispose: m.cwrap('dispose', null, []),
  };
  const backend = new pkg.BackendWasm(m); // creates the thread pool: n − 1 pthreads start here
  for (const w of m.PThread.runningWorkers) w.unref();
  return backend;
}

/**
 * Makes the 'wasm' backend compute with `threads` threads. Call after requiring tfjs-backend-wasm and
 * before the backend is first initialised; later calls cannot change an initialised backend.
 */
export function useWasmThreads(threads: number): void {
  const pkg = require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
  if ((tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm) return;
  pkg.setThreadsCount(threads);
  if (threads === 1) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => createThreadedBackend(pkg, threads), WASM_PRIORITY);
}
