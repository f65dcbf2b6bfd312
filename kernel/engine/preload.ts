/**
 * What every kdlab session starts with, as typed globals:
 *   kd            the kdlab library (dist/lib), the same module `import * as kd from 'kdlab'` gives;
 *   tf            kd.tf, the one TensorFlow.js instance, on the backend `kd.backend.init()` picked;
 *   display(v, {id?, update?, raw?})   rich display through kernel/display's RichDisplay (text/plain otherwise);
 *   clearOutput(wait?)                 clear the cell's output;
 *   progressBar({title?})              training callbacks drawing a live bar (kernel/display's progressBar);
 *   saveForLivePage({teacher, student, baseline?, temperature?})   the models for the site's live digit page
 *                                      (kernel/display/live-models.ts);
 *   input(prompt?, {password?})        ask the front end for a line (stdin channel), if it allows stdin;
 *   check, checkClose, checkEqual, checkThrows   the grading API of `kdlab assign` (kernel/assign/check-api.ts);
 *   heldOutSet()                       an assignment's held-out set: for the grader's sealed hidden tests (in
 *                                      release's self-check, for every cell); elsewhere it throws.
 * The types reach the TypeScript converter as a `declare global` module, so cells using them type-check.
 * Also wires `import * as tslab from "tslab"` (tslab.display.html(...) etc.) to the same display sink.
 */
import * as path from 'path';
import type { Engine } from './engine';
import { log, OutputRouter } from './io';
import { installRuntimeResolver, PACKAGE_ROOT } from './modules';
import { RichDisplay, progressBar, MimeBundle, DisplaySink } from '../display';
import { plainText } from './plain-text';
import { gradingApi } from '../assign/check-api';
import { LiveModelsInput, liveModelsBundle, saveLiveModels } from '../display/live-models';
import { GradingMode } from '../assign/seal';
import { HeldOut, decodeHeldOut } from '../assign/held-out';

/** The library as the kernel loads it: this package's dist/lib, resolved at run time. */
type KdModule = typeof import('../../lib');

export interface DisplayOptions {
  id?: string;
  update?: boolean;
  raw?: boolean;
}

export type InputFn = (prompt?: string, opts?: { password?: boolean }) => Promise<string>;

export interface Preloaded {
  rich: RichDisplay;
  /** Resolves to the one-line banner naming the backend, once kd.backend.init() has settled. */
  ready: Promise<string>;
  /** Set when the kernel grades (`kdlab assign grade`): see kernel/assign/seal.ts. */
  grading: GradingMode | null;
}

/**
 * `gradingKey`: from the connection file, when the kernel runs a submission for `kdlab assign grade`;
 * `heldOut`: the encoded held-out set `kdlab assign` put there (kernel/assign/held-out.ts).
 */
export function preload(
  engine: Engine,
  router: OutputRouter,
  input: InputFn,
  gradingKey?: string,
  heldOut?: string,
): Preloaded {
  installRuntimeResolver();
  const g = globalThis as Record<string, unknown>;
  const rich = new RichDisplay();
  const sink: DisplaySink = router.sink();

  g.display = (value: unknown, opts: DisplayOptions = {}) => {
    const bundle: MimeBundle = opts.raw
      ? { data: value as Record<string, unknown>, metadata: {} }
      : (rich.toBundle(value, { displayId: opts.id }) ?? { data: { 'text/plain': plainText(value) }, metadata: {} });
    if (opts.update) {
      if (!opts.id) throw new Error('display: {update: true} needs the id of an earlier display, got none');
      sink.update(bundle, opts.id);
    } else {
      sink.display(bundle, opts.id ? { id: opts.id } : undefined);
    }
  };
  g.clearOutput = (wait?: boolean) => {
    sink.clear(wait);
    // The cleared output may have carried plotly.js: RichDisplay then embeds it in the next figure again.
    rich.outputCleared();
  };
  g.progressBar = (opts?: { title?: string }) => progressBar(sink, opts);
  g.saveForLivePage = async (models: LiveModelsInput) => {
    const kd = g.kd as KdModule | undefined;
    if (!kd) throw new Error('saveForLivePage: the kdlab library did not load (see the kernel banner)');
    const root = path.join(kd.distill.cacheDir(), 'live-models');
    sink.display(liveModelsBundle(await saveLiveModels(models, kd.distill.saveModel, root)));
  };
  g.input = input;
  Object.assign(
    g,
    gradingApi((bundle) => sink.display(bundle)),
  );
  wireTslabDisplay(sink);
  const heldOutSet: () => HeldOut = heldOut
    ? decodeHeldOut(heldOut)
    : () => {
        throw new Error(
          "heldOutSet: this session has no held-out set (kdlab assign grade and release's self-check give one " +
            'to the hidden tests of an assignment whose notebook metadata asks for one: kdlab.held_out)',
        );
      };
  const grading = gradingKey
    ? new GradingMode(gradingKey, (seal) => ({ ...gradingApi((b) => sink.display(b), seal), heldOutSet }))
    : null;
  g.heldOutSet = grading
    ? () => {
        throw new Error("heldOutSet: the held-out set is for the grader's hidden tests only");
      }
    : heldOutSet;
  grading?.lockTslab();

  const ready = loadLibrary(g).then((banner) => {
    grading?.lockdown(PACKAGE_ROOT);
    return banner;
  });
  // The cells' view of progressBar's return type comes from kernel/display's emitted declarations.
  const displayTypes = path.join(__dirname, '..', 'display', 'index');
  const diags = engine.declare('__kdlab_globals__', globalsSource(displayTypes));
  for (const d of diags) log(`globals declaration ${d.line}:${d.column} - ${d.message}`);
  return { rich, ready, grading };
}

async function loadLibrary(g: Record<string, unknown>): Promise<string> {
  let kd: KdModule;
  try {
    kd = require(path.join(PACKAGE_ROOT, 'dist', 'lib')) as KdModule;
  } catch (e) {
    log(`cannot load kdlab: ${(e as Error).stack}`);
    return `kdlab: the library failed to load (${(e as Error).message})`;
  }
  g.kd = kd;
  g.tf = kd.tf;
  const tfVersion = kd.tf?.version?.tfjs ?? kd.tf?.version_core ?? '?';
  let backend: string;
  try {
    if (typeof kd.backend?.init === 'function') {
      const info = await kd.backend.init();
      backend = `${info.name}${info.threads ? `, ${info.threads} thread${info.threads === 1 ? '' : 's'}` : ''}${info.simd ? ', SIMD' : ''}`;
      if (info.fallback) backend += ` (${info.fallback})`;
    } else {
      backend = `${kd.tf.getBackend()} (kd.backend.init unavailable)`;
    }
  } catch (e) {
    backend = `${kd.tf?.getBackend?.() ?? 'none'} (kd.backend.init failed: ${(e as Error).message})`;
  }
  try {
    // A first tensor now, while no cell owns the output: one-time backend notices (tfjs-backend-cpu's
    // "install tfjs-node" banner on first write) then do not land in the user's first cell.
    kd.tf.scalar(0).dispose();
  } catch {
    /* no usable backend: the banner says so */
  }
  return `kdlab ${kd.version} · TensorFlow.js ${tfVersion} · backend: ${backend}`;
}

/** tslab's public display API reads `lastWriteDisplayData` from its jupyter module at call time. */
function wireTslabDisplay(sink: DisplaySink): void {
  const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData: unknown };
  jupyter.lastWriteDisplayData = (
    d: { data: Record<string, unknown>; metadata?: Record<string, unknown>; transient?: { display_id?: string } },
    update: boolean,
  ) => {
    const bundle = { data: d.data, metadata: d.metadata ?? {} };
    const id = d.transient?.display_id;
    if (update && id) sink.update(bundle, id);
    else sink.display(bundle, id ? { id } : undefined);
  };
}

/** `displayTypes`: kernel/display's module path without extension (its index.d.ts types progressBar). */
function globalsSource(displayTypes: string): string {
  // `export import` (not `const kd: typeof …`) so kd and tf are namespaces too: `tf.Tensor`, `kd.data.Dataset` as types.
  return `import * as __kd from 'kdlab';
import type * as __kdDisplay from ${JSON.stringify(displayTypes)};
declare global {
  // TypeScript flags import aliases in a global augmentation (TS2667) but binds them all the same; the
  // typed-globals tests check that kd and tf work as values and as namespaces.
  /** The kdlab library: backend, losses, features, models, data, distill, compress, plot, tf, version. */
  // @ts-ignore TS2667
  export import kd = __kd;
  /** TensorFlow.js (the instance kdlab uses), on the backend chosen at kernel start. */
  // @ts-ignore TS2667
  export import tf = __kd.tf;
  /** Shows a value with the richest MIME bundle known for it; {id} names the output, {update: true, id} replaces it, {raw: true} sends value as the MIME data dict. */
  function display(value: unknown, opts?: { id?: string; update?: boolean; raw?: boolean }): void;
  /** Clears this cell's output (wait: clear when the next output arrives). */
  function clearOutput(wait?: boolean): void;
  /** Training callbacks drawing a live progress bar; pass to Distiller.fit({callbacks}). */
  function progressBar(opts?: { title?: string }): ReturnType<typeof __kdDisplay.progressBar>;
  /** Saves chapter 4's models (kd.distill.saveModel, into kdlab's cache) for the exported site's live digit page and shows where; kdlab export embeds them. */
  function saveForLivePage(models: { teacher: __kd.tf.LayersModel; student: __kd.tf.LayersModel; baseline?: __kd.tf.LayersModel; temperature?: number }): Promise<void>;
  /** Asks the front end for one line of input (needs a client that allows stdin). */
  function input(prompt?: string, opts?: { password?: boolean }): Promise<string>;
  /** One graded test (kdlab assign): passes unless fn throws or its promise rejects; shows and records the result. Await it when fn is async. */
  function check(name: string, points: number, fn: () => PromiseLike<unknown>): Promise<{ name: string; points: number; passed: boolean; message: string }>;
  function check(name: string, points: number, fn: () => unknown): { name: string; points: number; passed: boolean; message: string };
  /** Throws unless actual and expected (numbers, nested arrays or tensors) have one shape and |a − e| <= atol + rtol·|e| everywhere (defaults 1e-5, 1e-8). */
  function checkClose(actual: unknown, expected: unknown, opts?: { rtol?: number; atol?: number }): void;
  /** Throws unless actual and expected are deeply, strictly equal (tensors: same shape and values). */
  function checkEqual(actual: unknown, expected: unknown): void;
  /** Throws unless fn throws (or rejects) with a message containing / matching \`match\`. */
  function checkThrows(fn: () => PromiseLike<unknown>, match?: string | RegExp): Promise<void>;
  function checkThrows(fn: () => unknown, match?: string | RegExp): void;
  /** An assignment's held-out set (kdlab assign): only the grader's hidden tests can read it. */
  function heldOutSet(): { data: __kd.data.Dataset; source: string; quick: boolean };
}
`;
}
