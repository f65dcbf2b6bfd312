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
import { defineOptions, fraction, positive, type OptionsOf } from './options';
import { defineTerm, pairTerm, requireLabels, single } from './term';
import { checkSameShape, checkTemperature, checkTensor, finiteResult, labelsToProbabilities } from './validate';

const kdOptions = defineOptions('kdLoss', { temperature: positive(4) });
const hintonOptions = defineOptions('hintonLoss', { temperature: positive(4), alpha: fraction(0.9) });
/** Options of kdLoss: `temperature` T > 0, default 4. */
export type KdOptions = OptionsOf<typeof kdOptions>;
/** Options of hintonLoss: `temperature` T > 0 (default 4), `alpha` in [0, 1] (default 0.9). */
export type HintonOptions = OptionsOf<typeof hintonOptions>;

/**
 * softmax(logits / T) over the last axis (Hinton et al. 2015, eq. 1). T > 1 softens the distribution
 * ("dark knowledge"), T = 1 is the ordinary softmax.
 * Used in chapter 4 (the softened distributions of §4.1 and §4.4).
 * @param logits any rank >= 1; the softmax runs over the last axis; the result has the same shape
 * @param T temperature > 0
 * @example
 * kd.losses.softmaxWithTemperature(tf.tensor2d([[2, 1, 0]]), 4); // flatter than softmax([2, 1, 0])
 */
export function softmaxWithTemperature(logits: tf.Tensor, T: number): tf.Tensor {
  checkTensor('softmaxWithTemperature', 'logits', logits, { min: 1 });
  checkTemperature('softmaxWithTemperature', T);
  return finiteResult(
    'softmaxWithTemperature',
    tf.tidy(() => tf.softmax(tf.div(logits, T))),
    [{ name: 'logits', x: logits, negInf: true }],
  );
}

/**
 * Cross-entropy of logits against labels, averaged over the batch:
 *   CE = −(1/N) Σ_b Σ_c y_bc · log softmax(z_b)_c
 * @param logits [N, C]
 * @param labels int32 class indices [N] or one-hot (or probability) rows [N, C]
 * @example
 * kd.losses.crossEntropy(logits, tf.tensor1d([0, 2], 'int32'));
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
export function crossEntropyOf(logits: tf.Tensor, y: tf.Tensor): tf.Scalar {
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
 * Knowledge-distillation loss (Hinton, Vinyals & Dean 2015, §2: the softened softmax of eq. 1, scaled by T²):
 *   L_KD = T² · (1/N) Σ_b KL( softmax(t_b/T) ‖ softmax(s_b/T) )
 * The T² factor keeps gradient magnitudes comparable across temperatures.
 * Identical logits give 0. The teacher receives no gradient.
 * Used in chapter 4 (the T² gradient measurement of §4.1).
 * @param studentLogits student logits [N, C]
 * @param teacherLogits teacher logits [N, C] (same shape; −Infinity allowed for a class of probability 0)
 * @param options `temperature` T > 0, default 4
 * @returns the scalar loss
 * @example
 * const loss = kd.losses.kdLoss(studentLogits, teacherLogits, { temperature: 4 });
 */
export function kdLoss(studentLogits: tf.Tensor, teacherLogits: tf.Tensor, options: KdOptions = {}): tf.Scalar {
  const fn = 'kdLoss';
  const { temperature: T } = kdOptions.resolve(options);
  checkTensor(fn, 'studentLogits', studentLogits, 2);
  checkTensor(fn, 'teacherLogits', teacherLogits, 2);
  checkSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', teacherLogits);
  return finiteResult(fn, kdOf(studentLogits, teacherLogits, T), [
    { name: 'studentLogits', x: studentLogits },
    { name: 'teacherLogits', x: teacherLogits, negInf: true },
  ]);
}

/**
 * Hinton's full student objective (Hinton, Vinyals & Dean 2015, §2):
 *   L = α · L_KD(s, t; T) + (1 − α) · CE(s, labels)      (the CE uses T = 1)
 * Convention: α weighs the soft (KD) term, as the paper's weighted average does; torchdistill's KD loss puts
 * its α on the hard (CE) term, so its α is kdlab's 1 − α.
 * Used in chapter 4 (the distilled students' loss (term 'hinton') in §4.3–§4.6).
 * @param studentLogits student logits [N, C]
 * @param teacherLogits teacher logits [N, C] (same shape)
 * @param labels int32 class indices [N] or one-hot (or soft) labels [N, C]
 * @param options `temperature` T > 0 (default 4), `alpha` in [0, 1], the weight of the KD term (default 0.9)
 * @returns the scalar loss
 * @example
 * const loss = kd.losses.hintonLoss(studentLogits, teacherLogits, labels, { temperature: 4, alpha: 0.9 });
 */
export function hintonLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor,
  options: HintonOptions = {},
): tf.Scalar {
  const fn = 'hintonLoss';
  const { temperature, alpha } = hintonOptions.resolve(options);
  if (labels === undefined || labels === null) {
    throw new Error(`${fn}: labels must be a tf.Tensor of class indices [N] or one-hot [N, C], got ${labels}`);
  }
  checkTensor(fn, 'studentLogits', studentLogits, 2);
  checkTensor(fn, 'teacherLogits', teacherLogits, 2);
  checkSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', teacherLogits);
  const [n, c] = studentLogits.shape;
  const y = labelsToProbabilities(fn, labels, n, c);
  try {
    const loss = tf.tidy(() =>
      tf.add<tf.Scalar>(
        tf.mul(alpha, kdOf(studentLogits, teacherLogits, temperature)),
        tf.mul(1 - alpha, crossEntropyOf(studentLogits, y)),
      ),
    );
    return finiteResult(fn, loss, [
      { name: 'studentLogits', x: studentLogits },
      { name: 'teacherLogits', x: teacherLogits, negInf: true },
    ]);
  } finally {
    if (y !== labels) y.dispose();
  }
}

/** Term constructors of the response-based losses (part of kd.terms). */
export const responseTerms = {
  /**
   * A `kdLoss` term (Hinton et al. 2015): T² · mean KL(softmax(t/T) ‖ softmax(s/T)) on the models' logits
   * (or the layers named by `studentLayer` / `teacherLayer`).
   * @param args `temperature` (> 0, default 4) and the Term fields (weight, name, layers, adapter, teacherIndex)
   * @example
   * new kd.Distiller({ student, teacher, terms: [kd.terms.kd({ temperature: 4 })] });
   */
  kd: defineTerm('kd', kdOptions, pairTerm('kd', kdLoss)),
  /**
   * A `hintonLoss` term: α · KD + (1 − α) · cross-entropy on the labels. It contains its own
   * cross-entropy, so use it with `task: null` (or `taskWeight: 0`).
   * @param args `temperature` (> 0, default 4), `alpha` (in [0, 1], default 0.9) and the Term fields
   * @example
   * new kd.Distiller({ student, teacher, task: null, terms: [kd.terms.hinton({ temperature: 4, alpha: 0.9 })] });
   */
  hinton: defineTerm('hinton', hintonOptions, (s, t, ctx) =>
    hintonLoss(
      single('hinton', 'student', s),
      single('hinton', 'teacher', t),
      requireLabels('hinton', ctx),
      ctx?.options as HintonOptions,
    ),
  ),
};
