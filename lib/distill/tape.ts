/**
 * Gradients that leave nothing behind when the loss function throws.
 *
 * While the gradient tape records, tfjs keeps a clone of every tensor a backward function will need
 * (marked "kept", so no tidy frees it) and frees them only at the end of a SUCCESSFUL backward pass.
 * When `f` throws (a term's loss rejects its input, labels out of range, a user term's bug) or
 * tf.variableGrads rejects the result ("Cannot find a connection…"), those clones stay on the abandoned
 * tape: ~10–30 tensors per failed step, accumulating. tfjs's engine state (`tf.engine().state`, a public
 * property) holds the abandoned tape until the next one starts; we free its saved tensors here.
 */
import * as tf from '@tensorflow/tfjs';

/** Free what an abandoned outermost tape holds. A no-op while an outer tape is still recording. */
function releaseAbandonedTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || state.activeTape == null) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null as unknown as typeof state.activeTape;
}

/** tf.variableGrads, except that on any error the tape's saved tensors are freed before rethrowing. */
export function variableGrads(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    return tf.variableGrads(f, vars);
  } catch (err) {
    releaseAbandonedTape();
    throw err;
  }
}
