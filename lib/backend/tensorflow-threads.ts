/**
 * The tensorflow backend's intra-op thread count (KDLAB_TF_THREADS).
 *
 * libtensorflow runs each op on an intra-op pool of one thread per core unless TF_NUM_INTRAOP_THREADS says
 * otherwise, and reads that variable once, when tfjs-node creates its eager context on load. So the setting is
 * fixed per process: KDLAB_TF_THREADS=n is copied into TF_NUM_INTRAOP_THREADS just before kdlab loads tfjs-node.
 * Why one may want fewer threads: on this 2-core VM an element-wise op over ~250 k floats takes ~45 µs on one
 * thread and ~115 µs split over two, while matrix products of the sizes the chapters train gain little from
 * the second thread; steps made of many mid-sized ops (RKD, Adam on small students) then run faster on one
 * thread, convolutional ones slower (README, Backends and Performance).
 */
import { availableCores } from './wasm/threads';

export const TF_THREADS_VARIABLE = 'KDLAB_TF_THREADS';
const TF_OWN_VARIABLE = 'TF_NUM_INTRAOP_THREADS';
const MAX_TF_THREADS = 256;

function parse(variable: string, raw: string): number {
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_TF_THREADS))
    throw new Error(
      `environment variable ${variable}: expected a whole number of threads from 1 to ${MAX_TF_THREADS} ` +
        `(unset means one per core), got ${JSON.stringify(raw)}`,
    );
  return n;
}

/**
 * The intra-op threads the tensorflow backend runs with: KDLAB_TF_THREADS, else TF_NUM_INTRAOP_THREADS (TensorFlow's
 * own variable), else one per core. Throws when either is malformed or when both are set and disagree.
 */
export function tensorflowThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const mine = env[TF_THREADS_VARIABLE];
  const theirs = env[TF_OWN_VARIABLE];
  const a = mine === undefined || mine === '' ? null : parse(TF_THREADS_VARIABLE, mine);
  const b = theirs === undefined || theirs === '' ? null : parse(TF_OWN_VARIABLE, theirs);
  if (a !== null && b !== null && a !== b)
    throw new Error(
      `${TF_THREADS_VARIABLE}=${a} and ${TF_OWN_VARIABLE}=${b} disagree; set one of them (kdlab copies ${TF_THREADS_VARIABLE} into ${TF_OWN_VARIABLE})`,
    );
  return a ?? b ?? availableCores();
}

/** Call just before loading tfjs-node: makes libtensorflow's intra-op pool the size tensorflowThreadCount says. */
export function applyTensorflowThreads(env: NodeJS.ProcessEnv = process.env): number {
  const n = tensorflowThreadCount(env);
  if (env[TF_THREADS_VARIABLE]) env[TF_OWN_VARIABLE] = String(n);
  return n;
}
