/**
 * Distillation from several teachers at once, with per-sample teacher weights.
 *   L = T² · (1/N) Σ_b Σ_k w_kb · KL( softmax(t_k,b / T) ‖ softmax(s_b / T) ),   Σ_k w_kb = 1
 * Weightings:
 *  - 'mean'        w_kb = 1/K (plain ensemble averaging of the KD terms).
 *  - 'entropy'     w_kb = (1 − H_kb / Σ_j H_jb) / (K − 1), H_kb the entropy of softmax(t_k,b / T):
 *                  confident (low-entropy) teachers count more. If every H_jb is 0, w_kb = 1/K.
 *                  Convention: the entropy is taken AT THE TEMPERATURE T, of the softened distribution the
 *                  student is asked to match; some public implementations take it of the raw prediction
 *                  (T = 1), which gives different weights whenever T ≠ 1. This weighting is CA-MKD's
 *                  complement form with the entropy in place of the cross-entropy; where CA-MKD's paper fixes
 *                  the distribution (its CE, below) kdlab follows it, and for the entropy it takes T, so the
 *                  weight describes the very target each KL term uses.
 *  - 'confidence'  CA-MKD (Zhang, Chen & Wang, "Confidence-Aware Multi-Teacher Knowledge Distillation",
 *                  ICASSP 2022): w_kb = (1 − softmax_k(CE_kb)) / (K − 1), CE_kb the cross-entropy of teacher
 *                  k's raw logits (T = 1, as the paper defines it) against the true label: teachers that are
 *                  right count more. Needs `labels`. Convention: CA-MKD's public code multiplies the weighted
 *                  KD sum by K (its weights are used K-fold); kdlab's weights sum to 1, so its loss is 1/K of
 *                  that code's value (rescale with the term weight if you compare).
 *  - number[]      fixed weights w_k (length K, each >= 0, positive sum), normalised to sum 1.
 * With K = 1 every weighting gives w = 1 (ordinary KD). Weights depend only on teachers, so they carry
 * no gradient. Shapes: studentLogits [N, C]; each teacher [N, C]; labels int32 [N] or one-hot [N, C].
 * `multiTeacherWeights` returns the w_kb the loss uses ([K, N]), e.g. to plot which teacher each sample
 * listened to.
 */
import * as tf from '@tensorflow/tfjs';
import { perSampleKl } from './response';
import { detached, floorLogProb } from './numerics';
import { defineOptions, option, positive, type OptionsOf } from './options';
import { defineTerm, single } from './term';
import { checkSameShape, checkTensor, describe, finiteResult, labelsToProbabilities } from './validate';

export type TeacherWeighting = 'mean' | 'entropy' | 'confidence' | number[];

/** The options a multiTeacher term takes (its labels come from the batch). */
const termOptions = defineOptions('multiTeacherKdLoss', {
  temperature: positive(4),
  weighting: option<TeacherWeighting>(
    'mean',
    "'mean', 'entropy', 'confidence' or a number[] (one weight per teacher)",
    (v) => v === 'mean' || v === 'entropy' || v === 'confidence' || Array.isArray(v),
  ),
});
const lossOptions = defineOptions('multiTeacherKdLoss', {
  ...termOptions.specs,
  labels: option<tf.Tensor | undefined>(
    undefined,
    'a tf.Tensor [N] or [N, C]',
    (v) => v === null || v instanceof tf.Tensor,
  ),
});
/**
 * Options of multiTeacherKdLoss: `temperature` > 0 (default 4), `weighting` (default 'mean'), `labels`
 * (class indices [N] or one-hot [N, C]; needed by 'confidence').
 */
export type MultiTeacherOptions = OptionsOf<typeof lossOptions>;
/** Options of multiTeacherWeights: the same as multiTeacherKdLoss's (one declaration, one set of rules). */
export type MultiTeacherWeightOptions = MultiTeacherOptions;

/** w_kb = (1 − share_kb) / (K − 1) from shares [K, N] summing to 1 over k, so the weights sum to 1 too. */
function complementWeights(share: tf.Tensor2D, K: number): tf.Tensor2D {
  return tf.div<tf.Tensor2D>(tf.sub(1, share), K - 1);
}

/**
 * H_kb / Σ_j H_jb for the entropies of softmax(t_kb / T), computed in the log domain: near-one-hot
 * teachers (large logits) have entropies far below float32's range (e^-1000), but log H is finite:
 *   log H = logsumexp_c( log p_c + log(−log p_c) )   over classes with p_c < 1,
 * and the shares are softmax over k of log H_k. If every entropy is 0 (C = 1) the shares are equal.
 * Classes with p_c = 0 (−Infinity logits) contribute 0 (0 · log 0 = 0): their floored log p makes the
 * term e^(−1e30) = 0.
 * Forward-only (uses where), run inside `detached`.
 */
function entropyShares(stacked: tf.Tensor3D, T: number): tf.Tensor2D {
  const logP = floorLogProb(tf.logSoftmax(tf.div(stacked, T)));
  const nlp = tf.neg(logP); // −log p >= 0
  const positive = tf.greater(nlp, 0);
  const terms = tf.where(
    positive,
    tf.add(logP, tf.log(tf.where(positive, nlp, tf.onesLike(nlp)))),
    tf.fill(nlp.shape, -1e30),
  );
  const logH = tf.logSumExp(terms, -1); // [K, N]
  return tf.softmax(logH.transpose()).transpose<tf.Tensor2D>();
}

/** Throws unless `weighting` (of an accepted kind) fits K teachers and labels are present for 'confidence'. */
function checkWeighting(
  fn: string,
  weighting: TeacherWeighting,
  K: number,
  N: number,
  C: number,
  labels: unknown,
): TeacherWeighting {
  if (Array.isArray(weighting)) {
    if (weighting.length !== K) {
      throw new Error(
        `${fn}: weighting must have one weight per teacher: expected length ${K}, got length ${weighting.length}`,
      );
    }
    weighting.forEach((w, k) => {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
        throw new Error(`${fn}: weighting[${k}] must be a finite number >= 0, got ${describe(w)}`);
      }
    });
    const total = weighting.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error(`${fn}: weighting must have a positive sum, got ${total}`);
    return weighting;
  }
  if (weighting === 'confidence' && (labels === undefined || labels === null)) {
    throw new Error(
      `${fn}: labels are required for weighting 'confidence' (CA-MKD): expected a tf.Tensor [${N}] or [${N},${C}], got ${labels}`,
    );
  }
  return weighting;
}

/** Per-sample teacher weights [K, N], each column summing to 1 (arguments already checked; forward only). */
function teacherWeights(
  teacherLogits: tf.Tensor[],
  weighting: TeacherWeighting,
  T: number,
  labels?: tf.Tensor,
): tf.Tensor2D {
  const K = teacherLogits.length;
  const [N, C] = teacherLogits[0].shape;
  if (Array.isArray(weighting)) {
    const total = weighting.reduce((a, b) => a + b, 0);
    return tf.tile<tf.Tensor2D>(
      tf.tensor2d(
        weighting.map((x) => x / total),
        [K, 1],
      ),
      [1, N],
    );
  }
  if (weighting === 'mean' || K === 1) return tf.fill<tf.Rank.R2>([K, N], 1 / K);
  const stacked = tf.stack(teacherLogits) as tf.Tensor3D; // [K, N, C]
  if (weighting === 'entropy') return complementWeights(entropyShares(stacked, T), K);
  const y = labelsToProbabilities('multiTeacherWeights', labels, N, C); // [N, C], checked by the caller
  // A teacher giving the true class probability 0 (a −Infinity logit) has a huge finite CE, hence weight 0.
  const ce = tf.neg(tf.sum(tf.mul(y, floorLogProb(tf.logSoftmax(stacked))), -1)) as tf.Tensor2D; // [K, N]
  return complementWeights(tf.softmax(ce.transpose()).transpose<tf.Tensor2D>(), K);
}

/** The resolved options and the checked teacher list, with `fn` naming the caller in every message. */
function checkTeachers(fn: string, teacherLogitsList: unknown, options: unknown) {
  const o = lossOptions.resolve(options, fn);
  if (!Array.isArray(teacherLogitsList) || teacherLogitsList.length === 0) {
    throw new Error(
      `${fn}: teacherLogitsList must be a non-empty array of tf.Tensor [N, C], got ${describe(teacherLogitsList)}`,
    );
  }
  const teachers = teacherLogitsList as tf.Tensor[];
  teachers.forEach((t, k) => {
    checkTensor(fn, `teacherLogitsList[${k}]`, t, 2);
    checkSameShape(fn, 'teacherLogitsList[0]', teachers[0], `teacherLogitsList[${k}]`, t);
  });
  const [N, C] = teachers[0].shape;
  const weighting = checkWeighting(fn, o.weighting, teachers.length, N, C, o.labels);
  if (weighting === 'confidence') labelsToProbabilities(fn, o.labels, N, C).dispose();
  return { teachers, weighting, T: o.temperature, labels: o.labels ?? undefined };
}

/** w [K, N] of checked arguments, carrying no gradient: the one computation the loss and multiTeacherWeights share. */
function weightsOf({ teachers, weighting, T, labels }: ReturnType<typeof checkTeachers>): tf.Tensor2D {
  return detached((...ts) => teacherWeights(ts, weighting, T, labels), ...teachers);
}

/**
 * The per-sample teacher weights multiTeacherKdLoss uses: w [K, N], w[k][b] the share of teacher k in the
 * target of sample b, each column summing to 1 (see the file comment for the weightings). No gradient.
 * The caller disposes the result.
 * @param teacherLogitsList one teacher's logits [N, C] per teacher (K >= 1)
 * @param options `temperature` > 0 (default 4; used by 'entropy'), `weighting` (default 'mean'), `labels`
 *   (int32 [N] or one-hot [N, C], required by 'confidence') — the same options as multiTeacherKdLoss
 * @example
 * const w = kd.losses.multiTeacherWeights([t1, t2], { weighting: 'confidence', labels }); // [2, N]
 */
export function multiTeacherWeights(
  teacherLogitsList: tf.Tensor[],
  options: MultiTeacherWeightOptions = {},
): tf.Tensor2D {
  const fn = 'multiTeacherWeights';
  const checked = checkTeachers(fn, teacherLogitsList, options);
  return finiteResult(
    fn,
    tf.tidy(() => weightsOf(checked)),
    checked.teachers.map((x, k) => ({ name: `teacherLogitsList[${k}]`, x, negInf: true })),
  );
}

/**
 * Multi-teacher KD loss; see the file comment for the equation and the weightings.
 * @param studentLogits student logits [N, C]
 * @param teacherLogitsList one teacher's logits [N, C] per teacher (K >= 1)
 * @param options `temperature` > 0 (default 4); `weighting` 'mean' (default), 'entropy', 'confidence' or
 *   number[K]; `labels` int32 [N] or one-hot [N, C], required by 'confidence'
 * @example
 * const loss = kd.losses.multiTeacherKdLoss(studentLogits, [t1, t2], { weighting: 'confidence', labels });
 */
export function multiTeacherKdLoss(
  studentLogits: tf.Tensor,
  teacherLogitsList: tf.Tensor[],
  options: MultiTeacherOptions = {},
): tf.Scalar {
  const fn = 'multiTeacherKdLoss';
  checkTensor(fn, 'studentLogits', studentLogits, 2);
  const checked = checkTeachers(fn, teacherLogitsList, options);
  checked.teachers.forEach((t, k) => checkSameShape(fn, 'studentLogits', studentLogits, `teacherLogitsList[${k}]`, t));
  const T = checked.T;
  const loss = tf.tidy(() => {
    const w = weightsOf(checked); // [K, N], no gradient
    const kl = tf.stack(checked.teachers.map((t) => perSampleKl(studentLogits, t, T))); // [K, N]
    return tf.mul<tf.Scalar>(T * T, tf.mean(tf.sum(tf.mul(w, kl), 0)));
  });
  return finiteResult(fn, loss, [
    { name: 'studentLogits', x: studentLogits },
    ...teacherLogitsList.map((x, k) => ({ name: `teacherLogitsList[${k}]`, x, negInf: true })),
  ]);
}

/** Term constructors of the multi-teacher loss (part of kd.terms). */
export const multiTeacherTerms = {
  /**
   * A `multiTeacherKdLoss` term over every teacher of the Distiller (`teacher: [t1, t2, ...]`); the
   * batch's labels feed the 'confidence' weighting (CA-MKD).
   * @param args `temperature` (> 0, default 4), `weighting` ('mean' default, 'entropy', 'confidence' or
   *   one weight per teacher) and the Term fields
   * @example
   * new kd.Distiller({ student, teacher: [t1, t2, t3], terms: [kd.terms.multiTeacher({ weighting: 'entropy' })] });
   */
  multiTeacher: defineTerm('multiTeacher', termOptions, (s, t, ctx) =>
    multiTeacherKdLoss(single('multiTeacher', 'student', s), Array.isArray(t) ? t : [t], {
      labels: ctx?.labels,
      ...(ctx?.options ?? {}),
    }),
  ),
};
