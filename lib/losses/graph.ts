/**
 * Instance Relationship Graph distillation: Liu, Cao, Li, Yuan, Hu, Li & Duan, "Knowledge Distillation
 * via Instance Relationship Graph", CVPR 2019. The graph of a batch has the instances' logits/embeddings
 * as vertices and their pairwise squared distances as edges.
 */
import * as tf from '@tensorflow/tfjs';
import { divideUnlessZero, flattenBatch, pairwiseSquaredDistances, stopGradient } from './numerics';
import { defineOptions, nonNegative, type OptionsOf } from './options';
import { defineTerm } from './term';
import { checkSameBatch, checkSameShape, checkTensor, describe, finiteResult } from './validate';

const irgOptions = defineOptions('irgLoss', { vertexWeight: nonNegative(0.1), edgeWeight: nonNegative(5) });
/** Options of irgLoss: `vertexWeight` (default 0.1) and `edgeWeight` (default 5), each >= 0. */
export type IrgOptions = OptionsOf<typeof irgOptions>;

/** Squared-distance matrix [N, N] of the flattened samples (zero diagonal), divided by its maximum. */
function normalizedEdges(x: tf.Tensor): tf.Tensor2D {
  const d = pairwiseSquaredDistances(flattenBatch(x));
  // max over the upper triangle only: d is symmetric, and tf.max sends the full gradient to EVERY entry
  // equal to the maximum, which would count the (i,j)/(j,i) tie twice.
  // (A constant mask, not tf.linalg.bandPart, whose gradient is broken in tfjs 4.22.)
  const n = d.shape[0];
  const upper = tf.tensor2d(
    Array.from({ length: n * n }, (_, k) => (k % n > Math.floor(k / n) ? 1 : 0)),
    [n, n],
  );
  const max = tf.max<tf.Scalar>(tf.mul(d, upper));
  return divideUnlessZero(d, max) as tf.Tensor2D;
}

/**
 * IRG loss:
 *   L = vertexWeight · MSE(s_L, t_L) + edgeWeight · Σ_l MSE(E_s^l, E_t^l),
 *   E^l_ij = ‖x^l_i − x^l_j‖² / max_ij ‖x^l_i − x^l_j‖²
 * `student` and `teacher` are each ONE tensor or an ARRAY of tensors of equal length, paired by
 * position: pair l = (student[l], teacher[l]). The LAST pair is the logits/embeddings: it is the vertex
 * term (its shapes must match exactly) and also contributes an edge term. Every pair contributes an edge
 * term (summed over pairs, as in the paper); the widths of the other pairs may differ, only the batch
 * size must match, and any rank >= 2 is flattened per sample.
 * @param student one tensor, or an array [features..., logits], batch first
 * @param teacher the same number of tensors, paired with the student's by position
 * @param options `vertexWeight` (default 0.1) and `edgeWeight` (default 5), each >= 0
 * @example
 * const loss = kd.losses.irgLoss([sHidden, sLogits], [tHidden, tLogits], { vertexWeight: 0.1, edgeWeight: 5 });
 */
export function irgLoss(
  student: tf.Tensor | tf.Tensor[],
  teacher: tf.Tensor | tf.Tensor[],
  options: IrgOptions = {},
): tf.Scalar {
  const fn = 'irgLoss';
  const { vertexWeight: wv, edgeWeight: we } = irgOptions.resolve(options);
  const s = Array.isArray(student) ? student : [student];
  const t = Array.isArray(teacher) ? teacher : [teacher];
  if (s.length === 0)
    throw new Error(`${fn}: student must be a tf.Tensor or a non-empty array of tf.Tensor, got ${describe(student)}`);
  if (t.length !== s.length) {
    throw new Error(
      `${fn}: teacher must have one tensor per student tensor: expected ${s.length}, got ${Array.isArray(teacher) ? t.length : 1}`,
    );
  }
  s.forEach((x, l) => {
    checkTensor(fn, `student[${l}]`, x, { min: 2 });
    checkTensor(fn, `teacher[${l}]`, t[l], { min: 2 });
    checkSameBatch(fn, 'student[0]', s[0], `student[${l}]`, x);
    checkSameBatch(fn, `student[${l}]`, x, `teacher[${l}]`, t[l]);
  });
  const last = s.length - 1;
  checkSameShape(fn, `student[${last}]`, s[last], `teacher[${last}]`, t[last]);
  const loss = tf.tidy(() => {
    const tStop = t.map((x) => stopGradient(x));
    const vertex = tf.mean(tf.square(tf.sub(s[last], tStop[last])));
    const edges = s.map((x, l) => tf.mean(tf.square(tf.sub(normalizedEdges(x), normalizedEdges(tStop[l])))));
    return tf.add<tf.Scalar>(tf.mul(wv, vertex), tf.mul(we, tf.addN(edges)));
  });
  const name = (side: string, l: number) => (Array.isArray(student) ? `${side}[${l}]` : side);
  return finiteResult(fn, loss, [
    ...s.map((x, l) => ({ name: name('student', l), x })),
    ...t.map((x, l) => ({ name: name('teacher', l), x })),
  ]);
}

/** Term constructors of the graph losses (part of kd.terms). */
export const graphTerms = {
  /**
   * An `irgLoss` term (Liu et al. 2019). Name the layer pairs with `studentLayer` / `teacherLayer`
   * arrays whose LAST entry is the logits (or embedding) layer.
   * @param args `vertexWeight` (default 0.1), `edgeWeight` (default 5), each >= 0, and the Term fields
   * @example
   * kd.terms.irg({ studentLayer: ['hidden1', 'logits'], teacherLayer: ['hidden1', 'logits'], edgeWeight: 5 });
   */
  irg: defineTerm('irg', irgOptions, (s, t, ctx) => irgLoss(s, t, ctx?.options as IrgOptions)),
};
