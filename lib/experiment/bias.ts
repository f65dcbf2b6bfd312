/**
 * Hinton et al. (2015) §3: a student distilled on a transfer set with every "3" removed still learns 3s from
 * the teacher's soft targets, but its logit bias for 3 is too low; adding a constant to that one bias fixes most
 * errors. The constant is chosen here on a validation set (the paper picked it on the test set).
 */
import * as tf from '@tensorflow/tfjs';

export interface BiasTuning {
  /** The chosen shift of the class's logit bias. */
  delta: number;
  errorsBefore: number;
  errorsAfter: number;
  classErrorsBefore: number;
  classErrorsAfter: number;
  /** Errors for every candidate, for plotting. */
  curve: { delta: number; errors: number; classErrors: number }[];
}

function checkLogits(logits: Float32Array, labels: Int32Array, classes: number, cls: number): void {
  if (!Number.isInteger(classes) || classes < 2)
    throw new Error(`classBias: classes must be an integer ≥ 2, got ${classes}`);
  if (logits.length !== labels.length * classes) {
    throw new Error(
      `classBias: logits must hold labels.length × classes = ${labels.length} × ${classes} = ${labels.length * classes} values, got ${logits.length}`,
    );
  }
  if (!Number.isInteger(cls) || cls < 0 || cls >= classes)
    throw new Error(`classBias: class must be an integer in [0, ${classes - 1}], got ${cls}`);
}

/** Errors (overall and on `cls`) when `delta` is added to the logit of class `cls`; logits row-major [n, classes]. */
export function classBiasErrors(
  logits: Float32Array,
  labels: Int32Array,
  classes: number,
  cls: number,
  delta: number,
): { errors: number; classErrors: number } {
  checkLogits(logits, labels, classes, cls);
  let errors = 0;
  let classErrors = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = logits[i * classes + c] + (c === cls ? delta : 0);
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    if (best !== labels[i]) {
      errors++;
      if (labels[i] === cls) classErrors++;
    }
  }
  return { errors, classErrors };
}

/**
 * Picks the delta in `deltas` (default 0, 0.25, …, 10) with the fewest overall errors on the given logits.
 * Used in chapter 4 (the bias correction of §4.6).
 */
export function tuneClassBias(
  logits: Float32Array,
  labels: Int32Array,
  classes: number,
  cls: number,
  deltas: number[] = Array.from({ length: 41 }, (_, i) => i * 0.25),
): BiasTuning {
  if (deltas.length === 0) throw new Error('tuneClassBias: deltas must be a non-empty array of numbers, got []');
  const curve = deltas.map((delta) => ({ delta, ...classBiasErrors(logits, labels, classes, cls, delta) }));
  const before = classBiasErrors(logits, labels, classes, cls, 0);
  const best = curve.reduce((a, b) => (b.errors < a.errors ? b : a));
  return {
    delta: best.delta,
    errorsBefore: before.errors,
    errorsAfter: best.errors,
    classErrorsBefore: before.classErrors,
    classErrorsAfter: best.classErrors,
    curve,
  };
}

/**
 * Adds `delta` to the bias of class `cls` in the model's last layer that has a bias (its logits), in place.
 * Used in chapter 4 (the bias correction of §4.6).
 */
export function shiftClassBias(model: tf.LayersModel, cls: number, delta: number): void {
  const layer = [...model.layers].reverse().find((l) => l.getWeights().length >= 2);
  if (!layer)
    throw new Error(`shiftClassBias: model '${model.name}' has no layer with a bias (expected a final Dense layer)`);
  const weights = layer.getWeights();
  const bias = weights[weights.length - 1];
  if (bias.rank !== 1 || cls < 0 || cls >= bias.shape[0] || !Number.isInteger(cls)) {
    throw new Error(
      `shiftClassBias: class must be an integer in [0, ${bias.shape[0] - 1}] of layer '${layer.name}', got ${cls}`,
    );
  }
  const shifted = tf.tidy(() => bias.add(tf.oneHot(cls, bias.shape[0]).toFloat().mul(delta)));
  layer.setWeights([...weights.slice(0, -1), shifted]);
  shifted.dispose();
}
