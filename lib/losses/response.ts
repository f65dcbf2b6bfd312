/**
 * Response-based distillation: the student matches the teacher's softened output distribution.
 * Hinton, Vinyals & Dean, "Distilling the Knowledge in a Neural Network", NIPS DL Workshop 2015.
 *
 * Everything goes through logSoftmax (never log(softmax)), so logits up to ±1e4 give finite values
 * and gradients. A teacher probability of 0, whether it underflows or comes from a −Infinity teacher
 * logit, contributes exactly 0 (0 · log 0 = 0). Student logits must be finite; NaN or ±Infinity
 * anywhere else is an error naming the argument and the index (validate.ts, finiteResult).
 */
import * as tf from '@tensorflow/tfjs';
import { floorLogProb, stopGradient } from './numerics';
import { checkAlpha, checkOptions, checkSameShape, checkTemperature, checkTensor, finiteResult, labelsToProbabilities } from './validate';

/**
 * softmax(logits / T) over the last axis. T > 1 softens the distribution ("dark knowledge"), T = 1 is
 * the ordinary softmax. Shape: any rank >= 1, unchanged.
 */
export function softmaxWithTemperature(logits: tf.Tensor, T: number): tf.Tensor {
  checkTensor('softmaxWithTemperature', 'logits', logits, { min: 1 });
  checkTemperature('softmaxWithTemperature', T);
  return finiteResult('softmaxWithTemperature', tf.tidy(() => tf.softmax(tf.div(logits, T))), [{ name: 'logits', x: logits, negInf: true }]);
}

/**
 * Cross-entropy of logits against labels, averaged over the batch:
 *   CE = −(1/N) Σ_b Σ_c y_bc · log softmax(z_b)_c
 * logits [N, C]; labels int32 class indices [N] or one-hot (or probability) rows [N, C].
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const fn = 'crossEntropy';
  checkTensor(fn, 'logits', logits, 2);
  const [n, c] = logits.shape;
  const y = labelsToProbabilities(fn, labels, n, c);
  try {
    return finiteResult(fn, crossEntropyOf(logits, y), [{ name: 'logits', x: logits }]);
  } finally {
    if (y !== labels) y.dispose();
  }
}

/** −(1/N) Σ_b Σ_c y_bc · log softmax(z_b)_c for checked arguments (y: [N, C] probabilities). */
function crossEntropyOf(logits: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}

/**
 * Per-sample KL(softmax(t/T) ‖ softmax(s/T)) = Σ_c p_c (log p_c − log q_c), shape [N].
 * Teacher gradients are stopped. Shared with the multi-teacher loss.
 */
export function perSampleKl(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, T: number): tf.Tensor1D {
  const logQ = tf.logSoftmax(tf.div(studentLogits, T));
  const logP = tf.logSoftmax(tf.div(stopGradient(teacherLogits), T));
  return tf.sum<tf.Tensor1D>(tf.mul(tf.exp(logP), tf.sub(floorLogProb(logP), logQ)), -1);
}

/** T² · mean KL for checked arguments. */
function kdOf(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, T: number): tf.Scalar {
  return tf.tidy(() => tf.mul(T * T, tf.mean(perSampleKl(studentLogits, teacherLogits, T))));
}

/**
 * Knowledge-distillation loss (Hinton et al. 2015):
 *   L_KD = T² · (1/N) Σ_b KL( softmax(t_b/T) ‖ softmax(s_b/T) )
 * The T² factor keeps gradient magnitudes comparable across temperatures.
 * studentLogits and teacherLogits: [N, C] (same shape). Defaults: temperature = 4.
 * Identical logits give 0. The teacher receives no gradient.
 */
export function kdLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  options: { temperature?: number } = {},
): tf.Scalar {
  const fn = 'kdLoss';
  const { temperature = 4 } = checkOptions(fn, options, ['temperature']) as { temperature?: number };
  checkTensor(fn, 'studentLogits', studentLogits, 2);
  checkTensor(fn, 'teacherLogits', teacherLogits, 2);
  checkSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', teacherLogits);
  const T = checkTemperature(fn, temperature);
  return finiteResult(fn, kdOf(studentLogits, teacherLogits, T), [
    { name: 'studentLogits', x: studentLogits },
    { name: 'teacherLogits', x: teacherLogits, negInf: true },
  ]);
}

/**
 * Hinton's full student objective:
 *   L = α · L_KD(s, t; T) + (1 − α) · CE(s, labels)      (the CE uses T = 1)
 * studentLogits, teacherLogits [N, C]; labels int32 [N] or one-hot [N, C].
 * Defaults: temperature = 4, alpha = 0.9.
 */
export function hintonLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor,
  options: { temperature?: number; alpha?: number } = {},
): tf.Scalar {
  const fn = 'hintonLoss';
  const o = checkOptions(fn, options, ['temperature', 'alpha']) as { temperature?: number; alpha?: number };
  const alpha = checkAlpha(fn, o.alpha ?? 0.9);
  const temperature = checkTemperature(fn, o.temperature ?? 4);
  if (labels === undefined || labels === null) {
    throw new Error(`${fn}: labels must be a tf.Tensor of class indices [N] or one-hot [N, C], got ${labels}`);
  }
  checkTensor(fn, 'studentLogits', studentLogits, 2);
  checkTensor(fn, 'teacherLogits', teacherLogits, 2);
  checkSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', teacherLogits);
  const [n, c] = studentLogits.shape;
  const y = labelsToProbabilities(fn, labels, n, c);
  try {
    const loss = tf.tidy(() => tf.add<tf.Scalar>(
      tf.mul(alpha, kdOf(studentLogits, teacherLogits, temperature)),
      tf.mul(1 - alpha, crossEntropyOf(studentLogits, y)),
    ));
    return finiteResult(fn, loss, [
      { name: 'studentLogits', x: studentLogits },
      { name: 'teacherLogits', x: teacherLogits, negInf: true },
    ]);
  } finally {
    if (y !== labels) y.dispose();
  }
}
