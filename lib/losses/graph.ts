/**
 * Instance Relationship Graph distillation: Liu, Cao, Li, Yuan, Hu, Li & Duan, "Knowledge Distillation
 * via Instance Relationship Graph", CVPR 2019. The graph of a batch at one layer has the instances'
 * features as vertices and their pairwise squared distances as edges; the IRG transformation describes how
 * each instance moves between two layers of the same network.
 */
import * as tf from '@tensorflow/tfjs';
import { divideUnlessZero, flattenBatch, pairwiseSquaredDistances, stopGradient } from './numerics';
import { defineOptions, nonNegative, option, type OptionsOf } from './options';
import { defineTerm } from './term';
import { checkSameBatch, checkTensor, describe, finiteResult } from './validate';

/** A pair [a, b] of two different layer indices (checked against the number of layers by irgLoss). */
type LayerPair = [number, number];
const isIndex = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isPairList = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.every((p) => Array.isArray(p) && p.length === 2 && isIndex(p[0]) && isIndex(p[1]) && p[0] !== p[1]);

const irgOptions = defineOptions('irgLoss', {
  vertexWeight: nonNegative(0.1),
  edgeWeight: nonNegative(5),
  transformWeight: nonNegative(5),
  transformPairs: option<LayerPair[]>(
    [],
    'an array of [a, b] pairs of two different layer indices (integers >= 0)',
    isPairList,
  ),
});
/**
 * Options of irgLoss: `vertexWeight` (default 0.1), `edgeWeight` (default 5), `transformWeight` (default 5),
 * each >= 0, and `transformPairs` (default [], no transformation term): [a, b] index pairs into the layer lists.
 */
export type IrgOptions = OptionsOf<typeof irgOptions>;

/** x / max(over), or x unchanged when that maximum is 0 (all instances coincide). */
function maxNormalized(x: tf.Tensor, over: tf.Tensor = x): tf.Tensor {
  return divideUnlessZero(x, tf.max<tf.Scalar>(over));
}

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
  return maxNormalized(d, tf.mul(d, upper)) as tf.Tensor2D;
}

/**
 * The vertex transformation between two layers of one network, [N]: Θ_i = ‖x_i^a − x_i^b‖², divided by its
 * maximum over the batch. The two layers must have the same per-sample size (flattened).
 */
function normalizedTransformation(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  const theta = tf.sum(tf.square(tf.sub(flattenBatch(a), flattenBatch(b))), -1);
  return maxNormalized(theta) as tf.Tensor1D;
}

const mse = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.mean(tf.square(tf.sub(a, b)));
const perSample = (x: tf.Tensor): number => x.size / x.shape[0];
const fmt = (x: tf.Tensor): string => `[${x.shape.join(',')}]`;

/**
 * IRG loss, the three parts of Liu et al.'s objective (besides the task loss):
 *   L = vertexWeight    · MSE(s_L, t_L)                                   (vertices: the logits, L_logits)
 *     + edgeWeight      · Σ_l MSE(E_s^l, E_t^l)                           (edges, the IRG loss L_IRG)
 *     + transformWeight · Σ_{(a,b) ∈ transformPairs} MSE(Θ_s^ab, Θ_t^ab)  (IRG transformation, L_IRG-t)
 *   E^l_ij = ‖x^l_i − x^l_j‖² / max_ij ‖x^l_i − x^l_j‖²        (edge matrix of layer l, max-normalised)
 *   Θ^ab_i = ‖x^a_i − x^b_i‖² / max_i ‖x^a_i − x^b_i‖²         (vertex transformation from layer a to b)
 * `student` and `teacher` are each ONE tensor or an ARRAY of tensors of equal length, paired by position:
 * pair l = (student[l], teacher[l]); any rank >= 2 is flattened per sample and only the batch sizes must
 * match. The LAST pair is the logits/embeddings: the vertex term compares it directly, so its shapes must
 * match exactly while vertexWeight > 0; with vertexWeight 0 the loss is edge-only (plus transformations) and
 * every pair may differ in width, since edges compare N×N distance matrices. Every pair contributes an
 * edge term (summed over pairs, as in the paper).
 * The transformation term is the paper's IRG transformation restricted to its vertex part Θ (the paper's
 * diag(‖f_i^l1 − f_i^l2‖²)), which is also all the authors' released code (Caffe, BatchEuclideanVector)
 * computes; the edge transformation is not implemented. Θ is computed per network, so a pair [a, b] needs
 * student[a] and student[b] of the same per-sample size, and teacher[a] and teacher[b] likewise, but the
 * student's and the teacher's sizes may differ (the authors pair layers of one stage and global-average-pool
 * conv features to C-vectors first; do that in the model if your layers are NHWC maps).
 * Conventions: every term is a mean squared difference, as the KD-zoo re-implementation computes it (the
 * authors' Caffe EuclideanLoss is ½·Σ, N/2 times an MSE), and the max normalisations carry gradient.
 * Defaults 0.1 / 5 / 5 are that re-implementation's weights; the authors' Caffe setup weighs each
 * transformation pair by 0.005 on ½·Σ, i.e. 0.0025·N on the MSE (0.16 at N = 64).
 * @param student one tensor, or an array [features..., logits], batch first
 * @param teacher the same number of tensors, paired with the student's by position
 * @param options `vertexWeight` (default 0.1), `edgeWeight` (default 5), `transformWeight` (default 5), each
 *   >= 0; `transformPairs` (default []: no transformation term), [a, b] indices into the layer arrays
 * @example
 * const loss = kd.losses.irgLoss([sBlock1, sBlock2, sLogits], [tBlock1, tBlock2, tLogits], {
 *   vertexWeight: 0.1, edgeWeight: 5, transformWeight: 5, transformPairs: [[0, 1]] });
 */
export function irgLoss(
  student: tf.Tensor | tf.Tensor[],
  teacher: tf.Tensor | tf.Tensor[],
  options: IrgOptions = {},
): tf.Scalar {
  const fn = 'irgLoss';
  const o = irgOptions.resolve(options);
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
  const vertexOn = o.vertexWeight > 0;
  if (vertexOn && fmt(s[last]) !== fmt(t[last])) {
    throw new Error(
      `${fn}: teacher[${last}] must have shape ${fmt(s[last])} like student[${last}] for the vertex term ` +
        `(vertexWeight ${o.vertexWeight} > 0), got ${fmt(t[last])}; for an edge-only IRG between different widths set vertexWeight: 0`,
    );
  }
  const pairs = checkTransformPairs(fn, o.transformPairs, s, t, o.transformWeight > 0);
  const loss = tf.tidy(() => {
    const tStop = t.map((x) => stopGradient(x));
    const parts: tf.Scalar[] = [
      tf.mul(o.edgeWeight, tf.addN(s.map((x, l) => mse(normalizedEdges(x), normalizedEdges(tStop[l]))))),
    ];
    if (vertexOn) parts.push(tf.mul(o.vertexWeight, mse(s[last], tStop[last])));
    if (pairs.length > 0) {
      const trans = pairs.map(([a, b]) =>
        mse(normalizedTransformation(s[a], s[b]), normalizedTransformation(tStop[a], tStop[b])),
      );
      parts.push(tf.mul(o.transformWeight, tf.addN(trans)));
    }
    return tf.addN(parts);
  });
  const name = (side: string, l: number) => (Array.isArray(student) ? `${side}[${l}]` : side);
  return finiteResult(fn, loss, [
    ...s.map((x, l) => ({ name: name('student', l), x })),
    ...t.map((x, l) => ({ name: name('teacher', l), x })),
  ]);
}

/**
 * The transformation pairs that contribute (none when the term is off), after checking that each indexes
 * given layers and, when the term is on, that both layers of a pair have one per-sample size per network.
 */
function checkTransformPairs(fn: string, pairs: LayerPair[], s: tf.Tensor[], t: tf.Tensor[], on: boolean): LayerPair[] {
  pairs.forEach(([a, b], k) => {
    if (a >= s.length || b >= s.length) {
      throw new Error(
        `${fn}: transformPairs[${k}] must index the ${s.length} given layer pair(s) (0 to ${s.length - 1}), got [${a}, ${b}]`,
      );
    }
    if (!on) return;
    for (const [side, x] of [
      ['student', s],
      ['teacher', t],
    ] as const) {
      if (perSample(x[a]) !== perSample(x[b])) {
        throw new Error(
          `${fn}: transformPairs[${k}] = [${a}, ${b}] compares ${side}[${a}] with ${side}[${b}], which must have the same ` +
            `per-sample size: got ${perSample(x[a])} (${fmt(x[a])}) and ${perSample(x[b])} (${fmt(x[b])})`,
        );
      }
    }
  });
  return on ? pairs : [];
}

/** Term constructors of the graph losses (part of kd.terms). */
export const graphTerms = {
  /**
   * An `irgLoss` term (Liu et al. 2019). Name the layer pairs with `studentLayer` / `teacherLayer`
   * arrays whose LAST entry is the logits (or embedding) layer; `transformPairs` index into those arrays.
   * @param args `vertexWeight` (default 0.1), `edgeWeight` (default 5), `transformWeight` (default 5), each
   *   >= 0, `transformPairs` (default []) and the Term fields
   * @example
   * kd.terms.irg({ studentLayer: ['hidden1', 'logits'], teacherLayer: ['hidden1', 'logits'], edgeWeight: 5 });
   */
  irg: defineTerm('irg', irgOptions, (s, t, ctx) => irgLoss(s, t, ctx?.options as IrgOptions)),
};
