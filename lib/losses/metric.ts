/**
 * Metric-learning distillation: Yu, Yazici, Liu, van de Weijer, Cheng & Bagdanov,
 * "Learning Metrics from Teachers: Compact Networks for Image Embedding", CVPR 2019.
 * Embeddings are rows of [N, D] (any rank >= 2 is flattened per sample).
 */
import * as tf from '@tensorflow/tfjs';
import { flattenBatch, pairwiseDistances, safeSqrt, stopGradient } from './numerics';
import { defineTerm, noOptions, noOptionsTerm } from './term';
import { checkSameBatch, checkSameShape, checkTensor, finiteResult } from './validate';

/**
 * Absolute teacher: the student embedding should sit where the teacher's does.
 *   L = (1/N) Σ_i ‖s_i − t_i‖₂
 * The norm's gradient at s_i = t_i is taken as 0 (not NaN).
 * @param sEmb student embeddings [N, D]
 * @param tEmb teacher embeddings, the same shape
 * @example
 * const loss = kd.losses.absoluteTeacherLoss(studentEmb, teacherEmb);
 */
export function absoluteTeacherLoss(sEmb: tf.Tensor, tEmb: tf.Tensor): tf.Scalar {
  const fn = 'absoluteTeacherLoss';
  checkTensor(fn, 'sEmb', sEmb, { min: 2 });
  checkTensor(fn, 'tEmb', tEmb, { min: 2 });
  checkSameShape(fn, 'sEmb', sEmb, 'tEmb', tEmb);
  const loss = tf.tidy(() => {
    const diff = tf.sub(flattenBatch(sEmb), flattenBatch(stopGradient(tEmb)));
    return tf.mean<tf.Scalar>(safeSqrt(tf.sum(tf.square(diff), -1)));
  });
  return finiteResult(fn, loss, [
    { name: 'sEmb', x: sEmb },
    { name: 'tEmb', x: tEmb },
  ]);
}

/**
 * Relative teacher: the student should reproduce the teacher's pairwise distances.
 *   L = ‖D_s − D_t‖_F,   D_ij = ‖x_i − x_j‖₂  (N×N, zero diagonal)
 * Not averaged (Frobenius norm).
 * @param sEmb student embeddings [N, Ds]
 * @param tEmb teacher embeddings [N, Dt]: the widths may differ, the batch sizes must match
 * @example
 * const loss = kd.losses.relativeTeacherLoss(studentEmb, teacherEmb);
 */
export function relativeTeacherLoss(sEmb: tf.Tensor, tEmb: tf.Tensor): tf.Scalar {
  const fn = 'relativeTeacherLoss';
  checkTensor(fn, 'sEmb', sEmb, { min: 2 });
  checkTensor(fn, 'tEmb', tEmb, { min: 2 });
  checkSameBatch(fn, 'sEmb', sEmb, 'tEmb', tEmb);
  const loss = tf.tidy(() => {
    const ds = pairwiseDistances(flattenBatch(sEmb));
    const dt = pairwiseDistances(flattenBatch(stopGradient(tEmb)));
    return safeSqrt(tf.sum(tf.square(tf.sub(ds, dt)))) as tf.Scalar;
  });
  return finiteResult(fn, loss, [
    { name: 'sEmb', x: sEmb },
    { name: 'tEmb', x: tEmb },
  ]);
}

/** Term constructors of the metric-learning losses (part of kd.terms). */
export const metricTerms = {
  /**
   * An `absoluteTeacherLoss` term (Yu et al. 2019): mean ‖s_i − t_i‖₂ of same-width embeddings.
   * @param args the Term fields
   * @example
   * new kd.Distiller({ student, teacher, task: 'triplet', terms: [kd.terms.absolute({ weight: 1 })] });
   */
  absolute: defineTerm('absolute', noOptions('absoluteTeacherLoss'), noOptionsTerm('absolute', absoluteTeacherLoss)),
  /**
   * A `relativeTeacherLoss` term (Yu et al. 2019): ‖D_s − D_t‖_F of the pairwise-distance matrices.
   * @param args the Term fields
   * @example
   * new kd.Distiller({ student, teacher, task: 'triplet', terms: [kd.terms.relative()] });
   */
  relative: defineTerm('relative', noOptions('relativeTeacherLoss'), noOptionsTerm('relative', relativeTeacherLoss)),
};
