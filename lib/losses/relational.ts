/**
 * Relational knowledge distillation (RKD): Park, Kim, Lu & Cho, "Relational Knowledge Distillation",
 * CVPR 2019. The student matches the teacher's *structure* (distances between samples, angles between
 * triplets), so student and teacher widths may differ: s [N, Ds], t [N, Dt] (rank > 2 is flattened per sample).
 * Both terms use the Huber loss with δ = 1 (smooth-L1), averaged, as in the paper.
 */
import * as tf from '@tensorflow/tfjs';
import { flattenBatch } from './numerics';
import { rkdObjective, rkdPotentialsOf } from './rkd-objective';
import { defineOptions, nonNegative, type OptionsOf } from './options';
import { defineTerm, noOptions, noOptionsTerm, pairTerm } from './term';
import { checkSameBatch, checkTensor, finiteResult } from './validate';

const rkdOptions = defineOptions('rkdLoss', { distanceWeight: nonNegative(25), angleWeight: nonNegative(50) });
/** Options of rkdLoss: `distanceWeight` (default 25) and `angleWeight` (default 50), each >= 0. */
export type RkdOptions = OptionsOf<typeof rkdOptions>;

const sides = (s: tf.Tensor, t: tf.Tensor) => [
  { name: 's', x: s },
  { name: 't', x: t },
];

function checkPair(fn: string, s: tf.Tensor, t: tf.Tensor): void {
  checkTensor(fn, 's', s, { min: 2 });
  checkTensor(fn, 't', t, { min: 2 });
  checkSameBatch(fn, 's', s, 't', t);
}

/**
 * The two potentials RKD matches (Park et al. 2019), of one batch of embeddings [N, D]: `distances` [N, N],
 * ‖x_i − x_j‖ / μ (μ the mean distance over the pairs i ≠ j, exactly as rkdDistanceLoss uses it), and `angles` [N, N, N], entry [a, b, c] the cosine of the
 * angle at x_a between x_b and x_c. The caller disposes both.
 * Used in chapter 6 (§6.1: the potentials of a teacher and a student as heatmaps and angle histograms).
 * @param x embeddings [N, D] (a rank > 2 batch is flattened per sample)
 * @example
 * const { distances, angles } = kd.losses.rkdPotentials(teacherLogits);
 */
export function rkdPotentials(x: tf.Tensor): { distances: tf.Tensor2D; angles: tf.Tensor3D } {
  checkTensor('rkdPotentials', 'x', x, { min: 2 });
  return tf.tidy(() => rkdPotentialsOf(flattenBatch(x)));
}

/**
 * RKD distance-wise loss (Park et al. 2019, "distance-wise distillation loss"):
 *   L_D = mean over all N² ordered pairs (i, j) of huber( ψ_s(i,j) − ψ_t(i,j) ),  ψ(i,j) = ‖x_i − x_j‖ / μ
 *   μ = Σ_{i≠j} ‖x_i − x_j‖ / (N(N−1)), each side its own μ (the paper's normalisation: the mean over all
 *   pairs i ≠ j). Repeated samples stay in μ with distance 0, as in the paper and the authors' code (which
 *   clamps distances to 1e-12 before the square root, so its "d > 0" mask keeps them); implementations that
 *   average only the non-zero distances give a different loss whenever a batch repeats a sample.
 * The N² mean includes the zero diagonal, as the authors' implementation does.
 * @param s student embeddings [N, Ds]
 * @param t teacher embeddings [N, Dt] (widths may differ)
 * @example
 * const loss = kd.losses.rkdDistanceLoss(studentEmb, teacherEmb);
 */
export function rkdDistanceLoss(s: tf.Tensor, t: tf.Tensor): tf.Scalar {
  checkPair('rkdDistanceLoss', s, t);
  return finiteResult(
    'rkdDistanceLoss',
    tf.tidy(() => rkdTerms(s, t, 1, 0)),
    sides(s, t),
  );
}

/**
 * distanceWeight · L_D + angleWeight · L_A (a term whose weight is 0 is not computed). Computed by rkd-objective.ts (from the
 * Gram matrix for wide embeddings, with the gradient written out): the values rkdDistanceLoss and rkdAngleLoss
 * define, within float32 rounding.
 */
function rkdTerms(s: tf.Tensor, t: tf.Tensor, distanceWeight: number, angleWeight: number): tf.Scalar {
  if (distanceWeight === 0 && angleWeight === 0) return tf.scalar(0);
  return rkdObjective(flattenBatch(s), flattenBatch(t), distanceWeight, angleWeight);
}

/**
 * RKD angle-wise loss (Park et al. 2019, "angle-wise distillation loss"):
 *   L_A = mean over all N³ ordered triplets (a, b, c) of huber( cos∠_s(a,b,c) − cos∠_t(a,b,c) ),
 *   cos∠(a,b,c) = ⟨e_ab, e_ac⟩,  e_ab = (x_b − x_a) / ‖x_b − x_a‖.
 * The N³ mean includes degenerate triplets (cosine 0 on both sides, or 1 when b = c), as in the authors' code.
 * Memory: O(N·D + N³) for widths > 32 (from the Gram matrix), O(N²·D + N³) up to 32.
 * @param s student embeddings [N, Ds]
 * @param t teacher embeddings [N, Dt] (widths may differ)
 * @example
 * const loss = kd.losses.rkdAngleLoss(studentEmb, teacherEmb);
 */
export function rkdAngleLoss(s: tf.Tensor, t: tf.Tensor): tf.Scalar {
  checkPair('rkdAngleLoss', s, t);
  return finiteResult(
    'rkdAngleLoss',
    tf.tidy(() => rkdTerms(s, t, 0, 1)),
    sides(s, t),
  );
}

/**
 * Full RKD objective (Park et al. 2019, "training with RKD"): L = distanceWeight · L_D + angleWeight · L_A.
 * @param s student embeddings [N, Ds]
 * @param t teacher embeddings [N, Dt] (widths may differ)
 * @param options `distanceWeight` (default 25) and `angleWeight` (default 50), each >= 0: the paper's values
 * @example
 * const loss = kd.losses.rkdLoss(studentEmb, teacherEmb, { distanceWeight: 25, angleWeight: 50 });
 */
export function rkdLoss(s: tf.Tensor, t: tf.Tensor, options: RkdOptions = {}): tf.Scalar {
  const fn = 'rkdLoss';
  const { distanceWeight: wd, angleWeight: wa } = rkdOptions.resolve(options);
  checkPair(fn, s, t);
  const loss = tf.tidy(() => rkdTerms(s, t, wd, wa));
  return finiteResult(fn, loss, sides(s, t));
}

/** Term constructors of the relational losses (part of kd.terms). */
export const relationalTerms = {
  /**
   * An `rkdLoss` term (Park et al. 2019): distanceWeight · L_D + angleWeight · L_A.
   * @param args `distanceWeight` (default 25), `angleWeight` (default 50), each >= 0, and the Term fields
   * @example
   * kd.terms.rkd({ distanceWeight: 25, angleWeight: 50 });
   */
  rkd: defineTerm('rkd', rkdOptions, pairTerm('rkd', rkdLoss)),
  /**
   * An `rkdDistanceLoss` term (RKD-D alone).
   * @param args the Term fields
   * @example
   * kd.terms.rkdDistance({ weight: 25 });
   */
  rkdDistance: defineTerm('rkdDistance', noOptions('rkdDistanceLoss'), noOptionsTerm('rkdDistance', rkdDistanceLoss)),
  /**
   * An `rkdAngleLoss` term (RKD-A alone).
   * @param args the Term fields
   * @example
   * kd.terms.rkdAngle({ weight: 50 });
   */
  rkdAngle: defineTerm('rkdAngle', noOptions('rkdAngleLoss'), noOptionsTerm('rkdAngle', rkdAngleLoss)),
};
