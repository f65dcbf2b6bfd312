/**
 * kd.backend — choose the TensorFlow.js backend kdlab computes on.
 *
 * init() tries, in order: 'tensorflow' (native libtensorflow via @tensorflow/tfjs-node-gpu or
 * @tensorflow/tfjs-node, when installed and loadable), 'wasm' (@tensorflow/tfjs-backend-wasm, XNNPACK with
 * SIMD, plus kdlab's training kernels from ./wasm), then 'cpu' (plain JavaScript). A name passed to
 * init() — or else the environment variable KDLAB_BACKEND — forces one backend; forcing one that cannot
 * load throws an Error that says what is missing and how to install it.
 */
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, BackendInfo, BackendName, BackendUnavailable, describe, load } from './loaders';

export { BackendInfo, BackendName, BACKEND_NAMES };

let current: BackendInfo | null = null;
/** Every backend described so far, so info() stays truthful if someone calls tf.setBackend directly. */
const described = new Map<string, BackendInfo>();

function checkName(name: unknown, source: string): BackendName {
  if (typeof name !== 'string' || !(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `${source}: expected one of ${BACKEND_NAMES.map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  return name as BackendName;
}

/** Loads and activates `name`; throws BackendUnavailable when it cannot load. */
async function activate(name: BackendName): Promise<BackendInfo> {
  const known = described.get(name);
  if (known && tf.getBackend() === name) return { ...known };
  load(name);
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
  } catch (err) {
    const why = (err as Error).message;
    throw new BackendUnavailable(`the '${name}' backend failed to initialise: ${why}`, `failed to initialise (${why})`);
  }
  if (!ok || tf.getBackend() !== name)
    throw new BackendUnavailable(`the '${name}' backend failed to initialise`, 'failed to initialise');
  await tf.ready();
  // The cpu backend prints a "install the node backend" banner on first use; kdlab already chose.
  if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  const info = await describe(name);
  described.set(name, info);
  return { ...info };
}

/**
 * Why init() settled for `chosen` after the faster backends failed to load (`passedOver`, in order),
 * as one sentence naming the way to the fastest one.
 */
function fallbackNote(chosen: BackendName, passedOver: [BackendName, BackendUnavailable][]): string {
  const why = passedOver.map(([n, err]) => `the ${n} backend ${err.brief}`).join(' and ');
  // Speed-ups from README's Performance section: tensorflow over threaded wasm ≈ 2.3× on (a) and (b);
  // over cpu 30× and more.
  const gain =
    chosen === 'cpu' ? 'tens of times faster than cpu (plain JavaScript)' : `about twice as fast as ${chosen}`;
  return `${why}; \`npx kdlab setup tensorflow\` sets up the tensorflow backend offline, and it trains ${gain}`;
}

/**
 * Selects the backend and returns its info. `init()` honours KDLAB_BACKEND, else takes the first of
 * tensorflow → wasm → cpu that loads; `init(name)` forces `name` (it wins over KDLAB_BACKEND).
 * Idempotent; calling it again with another name switches backends (tensors made earlier stay on
 * the backend that made them until read).
 */
export async function init(name?: BackendName): Promise<BackendInfo> {
  let forced: BackendName | undefined;
  if (name !== undefined) forced = checkName(name, 'kd.backend.init(name)');
  else if (process.env.KDLAB_BACKEND)
    forced = checkName(process.env.KDLAB_BACKEND, 'environment variable KDLAB_BACKEND');
  if (forced) {
    try {
      current = await activate(forced);
      return { ...current };
    } catch (err) {
      const how = name !== undefined ? `kd.backend.init('${forced}')` : `KDLAB_BACKEND=${forced}`;
      throw new Error(`${how}: ${(err as Error).message}`, { cause: err });
    }
  }
  const failures: [BackendName, BackendUnavailable][] = [];
  for (const candidate of BACKEND_NAMES) {
    try {
      current = await activate(candidate);
    } catch (err) {
      if (!(err instanceof BackendUnavailable)) throw err;
      failures.push([candidate, err]);
      continue;
    }
    if (failures.length) current.fallback = fallbackNote(candidate, failures);
    return { ...current };
  }
  throw new Error(`kd.backend.init(): no backend could load:\n  ${failures.map(([, e]) => e.message).join('\n  ')}`);
}

/**
 * The active backend as chosen by the last init(). Throws if init() was never called.
 * Used in chapter 4 (the first cell's backend line).
 */
export function info(): BackendInfo {
  if (!current)
    throw new Error('kd.backend.info(): call `await kd.backend.init()` first; no backend has been selected yet');
  const active = tf.getBackend();
  if (active !== current.name) {
    const known = described.get(active);
    if (known) return { ...known };
    throw new Error(
      `kd.backend.info(): the active backend is '${active}' (set with tf.setBackend, not kd.backend.init); call \`await kd.backend.init('${active}')\``,
    );
  }
  return { ...current };
}

/** Whether the wasm module instantiates (initialises the backend once, without making it active). */
async function wasmInitialises(): Promise<boolean> {
  const engine = tf.engine() as unknown as {
    registry: Record<string, unknown>;
    initializeBackend(name: string): { success: boolean | Promise<boolean> };
  };
  if (engine.registry.wasm) return true;
  try {
    return await engine.initializeBackend('wasm').success;
  } catch {
    return false;
  }
}

/** The backends that can load in this process, in preference order (loads, but does not switch to, each). */
export async function available(): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      load(name);
      if (name === 'wasm' && !(await wasmInitialises())) continue;
      out.push(name);
    } catch (err) {
      if (!(err instanceof BackendUnavailable)) throw err;
    }
  }
  return out;
}
