/**
 * Graph-smoothed soft targets: one message-passing step over the teacher's instance graph of the batch, in the
 * spirit of distillation with graph neural networks (the article's "融合图神经网络"; the step is label propagation,
 * Zhou et al., "Learning with Local and Global Consistency", NIPS 2004, taken once, with a GCN-style
 * normalised adjacency, Kipf & Welling, ICLR 2017). A sample's soft target borrows from the teacher's
 * predictions on its nearest neighbours in the teacher's embedding space, so an over- or under-confident
 * teacher output is pulled towards what the teacher says about similar samples.
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyOf } from './response';
import { detached, flattenBatch, floorLogProb } from './numerics';
import { defineOptions, fraction, option, positive, type OptionsOf } from './options';
import { defineTerm, requireLabels, single } from './term';
import { checkSameBatch, checkSameShape, checkTensor, finiteResult, labelsToProbabilities } from './validate';

const positiveInteger = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const smoothingSpecs = {
  temperature: positive(4),
  k: option(5, 'a positive integer', positiveInteger),
  beta: fraction(0.5),
};
const smoothingOptions = defineOptions('graphSmoothedTargets', smoothingSpecs);
const smoothedKdOptions = defineOptions('graphSmoothedKdLoss', { ...smoothingSpecs, alpha: fraction(0.9) });
/** Options of graphSmoothedTargets: `temperature` T > 0 (default 4), `k` neighbours (default 5), `beta` in [0, 1] (default 0.5). */
export type GraphSmoothingOptions = OptionsOf<typeof smoothingOptions>;
/** Options of graphSmoothedKdLoss: those of graphSmoothedTargets and `alpha` in [0, 1] (default 0.9). */
export type GraphSmoothedKdOptions = OptionsOf<typeof smoothedKdOptions>;

/**
 * The symmetric kNN adjacency of a batch, [N, N] of 0/1: A_ij = 1 when j is among the k nearest samples of i
 * (squared Euclidean distance between the flattened rows, the sample itself excluded) OR i among those of j;
 * zero diagonal. k is capped at N − 1, so a batch smaller than k + 1 links every pair. Equal distances go to
 * the lower index (tf.topk's order). Forward only (topk has no gradient): call it on constants or in `detached`.
 * @param x [N, ...] samples, batch first
 * @param k neighbours per sample, an integer >= 1
 */
export function knnAdjacency(x: tf.Tensor, k: number): tf.Tensor2D {
  return tf.tidy(() => {
    const n = x.shape[0];
    const kk = Math.min(k, n - 1);
    if (kk < 1) return tf.zeros<tf.Rank.R2>([n, n]);
    // ‖a‖² + ‖b‖² − 2a·b: one [N, N] product instead of pairwiseSquaredDistances' [N, N, D] differences (a
    // teacher layer of 1200 units at N = 128 would hold 20 M floats); no gradient flows here, so its rounding
    // near zero does not matter, and the diagonal is excluded anyway
    const f = flattenBatch(x);
    const sq = tf.sum(tf.square(f), 1, true);
    const d = tf.add(tf.sub(sq, tf.mul(2, tf.matMul(f, f, false, true))), tf.transpose(sq));
    const self = tf.cast(tf.eye(n), 'bool');
    const others = tf.where(self, tf.fill([n, n], Infinity), d);
    const { indices } = tf.topk(tf.neg(others), kk);
    const directed = tf.sum<tf.Tensor2D>(tf.cast(tf.oneHot(indices, n), 'float32'), 1);
    return tf.maximum(directed, tf.transpose(directed));
  });
}

/** q = (1 − β)·p + β·Â·p for checked arguments (forward only). */
function smoothedOf(logits: tf.Tensor, embeddings: tf.Tensor, o: Required<GraphSmoothingOptions>): tf.Tensor2D {
  return tf.tidy(() => {
    const p = tf.softmax(tf.div(logits, o.temperature)) as tf.Tensor2D;
    // a batch of one has no neighbours: its sample keeps its own distribution
    if (o.beta === 0 || logits.shape[0] === 1) return p;
    // with N >= 2 every sample has at least one neighbour, so no degree is 0
    const a = knnAdjacency(embeddings, o.k);
    const aHat = tf.div(a, tf.sum(a, 1, true));
    return tf.add<tf.Tensor2D>(tf.mul(1 - o.beta, p), tf.mul(o.beta, tf.matMul(aHat, p)));
  });
}

/**
 * Graph-smoothed soft targets: one message-passing (label-propagation) step over the teacher's kNN instance
 * graph of the batch,
 *   q_i = (1 − β)·p_i + β·Σ_j Â_ij·p_j,   p = softmax(teacherLogits / T),   Â = D⁻¹A
 * where A is the symmetric kNN adjacency of the teacher's embeddings (knnAdjacency: BINARY weights, chosen over
 * Gaussian ones so the step has no bandwidth to tune and a neighbour counts the same however tight the
 * cluster) and Â its row-normalised form (the mean over i's neighbours). Row normalisation, not the GCN's
 * symmetric D^-½AD^-½, keeps q a convex combination of distributions: every row sums to 1. β = 0 gives p
 * exactly; β = 1 replaces each target by its neighbours' mean. The targets are constants: no gradient reaches
 * the teacher.
 * Used in chapter 7 (§7.2: the graph-smoothed soft targets against the teacher's own).
 * @param teacherLogits [N, C]
 * @param teacherEmbeddings [N, ...] the teacher's features of the same samples (flattened per sample); the
 *   logits themselves work too
 * @param options `temperature` T > 0 (default 4), `k` neighbours, an integer >= 1 (default 5; capped at N − 1),
 *   `beta` in [0, 1], the weight of the neighbours (default 0.5)
 * @returns [N, C] soft targets, rows summing to 1 (the caller disposes them)
 * @example
 * const q = kd.losses.graphSmoothedTargets(teacherLogits, teacherHidden, { k: 5, beta: 0.5, temperature: 4 });
 */
export function graphSmoothedTargets(
  teacherLogits: tf.Tensor,
  teacherEmbeddings: tf.Tensor,
  options: GraphSmoothingOptions = {},
): tf.Tensor2D {
  const fn = 'graphSmoothedTargets';
  const o = smoothingOptions.resolve(options);
  checkInputs(fn, teacherLogits, teacherEmbeddings);
  const q = detached((t, e) => smoothedOf(t, e, o), teacherLogits, teacherEmbeddings);
  return finiteResult(fn, q, [
    { name: 'teacherLogits', x: teacherLogits, negInf: true },
    { name: 'teacherEmbeddings', x: teacherEmbeddings },
  ]);
}

function checkInputs(fn: string, teacherLogits: tf.Tensor, teacherEmbeddings: tf.Tensor): void {
  checkTensor(fn, 'teacherLogits', teacherLogits, 2);
  checkTensor(fn, 'teacherEmbeddings', teacherEmbeddings, { min: 2 });
  checkSameBatch(fn, 'teacherLogits', teacherLogits, 'teacherEmbeddings', teacherEmbeddings);
}

/**
 * Hinton's objective with graph-smoothed soft targets (graphSmoothedTargets) in place of softmax(t/T):
 *   L = α · T² · (1/N) Σ_i KL( q_i ‖ softmax(s_i/T) ) + (1 − α) · CE(s, labels)
 * With β = 0, q = softmax(t/T) and this is hintonLoss. The teacher receives no gradient.
 * Used in chapter 7 (§7.2: the new method, distilled into a student and compared with plain KD).
 * @param studentLogits [N, C]
 * @param teacherLogits [N, C] (same shape)
 * @param teacherEmbeddings [N, ...] the teacher's features the graph is built on (or the teacher logits)
 * @param labels int32 class indices [N] or one-hot rows [N, C]
 * @param options `temperature` (default 4), `alpha` (weight of the KD term, default 0.9), `k` (default 5),
 *   `beta` (default 0.5)
 * @example
 * const loss = kd.losses.graphSmoothedKdLoss(s, t, tHidden, labels, { temperature: 4, alpha: 0.9, k: 5, beta: 0.5 });
 */
export function graphSmoothedKdLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  teacherEmbeddings: tf.Tensor,
  labels: tf.Tensor,
  options: GraphSmoothedKdOptions = {},
): tf.Scalar {
  const fn = 'graphSmoothedKdLoss';
  const o = smoothedKdOptions.resolve(options);
  if (labels === undefined || labels === null) {
    throw new Error(`${fn}: labels must be a tf.Tensor of class indices [N] or one-hot [N, C], got ${String(labels)}`);
  }
  checkTensor(fn, 'studentLogits', studentLogits, 2);
  checkInputs(fn, teacherLogits, teacherEmbeddings);
  checkSameShape(fn, 'studentLogits', studentLogits, 'teacherLogits', teacherLogits);
  const [n, c] = studentLogits.shape;
  const y = labelsToProbabilities(fn, labels, n, c);
  const T = o.temperature;
  try {
    const loss = tf.tidy(() => {
      const q = detached((t, e) => smoothedOf(t, e, o), teacherLogits, teacherEmbeddings);
      const logS = tf.logSoftmax(tf.div(studentLogits, T));
      const kl = tf.sum(tf.mul(q, tf.sub(floorLogProb(tf.log(q)), logS)), -1);
      return tf.add<tf.Scalar>(
        tf.mul(o.alpha * T * T, tf.mean(kl)),
        tf.mul(1 - o.alpha, crossEntropyOf(studentLogits, y)),
      );
    });
    return finiteResult(fn, loss, [
      { name: 'studentLogits', x: studentLogits },
      { name: 'teacherLogits', x: teacherLogits, negInf: true },
      { name: 'teacherEmbeddings', x: teacherEmbeddings },
    ]);
  } finally {
    if (y !== labels) y.dispose();
  }
}

/** The teacher side of the term: logits alone (the graph is built on them) or [embeddings, logits]. */
function teacherSide(t: tf.Tensor | tf.Tensor[]): [tf.Tensor, tf.Tensor] {
  if (!Array.isArray(t)) return [t, t];
  if (t.length === 1) return [t[0], t[0]];
  if (t.length === 2) return [t[1], t[0]];
  throw new Error(
    `registry term 'graphSmoothedKd': teacher must be the logits or [embeddings, logits] (teacherLayer: ` +
      `[embeddingLayer, logitsLayer]), got an array of length ${t.length}; with several teachers set teacherIndex`,
  );
}

/** Term constructors of the graph-smoothed targets (part of kd.terms). */
export const graphSmoothingTerms = {
  /**
   * A `graphSmoothedKdLoss` term: Hinton's α·KD + (1 − α)·CE with soft targets smoothed over the teacher's kNN
   * instance graph of the batch. The graph is built on the teacher's logits, or on a teacher layer given as
   * `teacherLayer: [embeddingLayer, logitsLayer]`. It contains its own cross-entropy: use `task: null`.
   * @param args `temperature` (default 4), `alpha` (default 0.9), `k` (default 5), `beta` (default 0.5) and the
   *   Term fields
   * @example
   * new kd.Distiller({ student, teacher, task: null, terms: [kd.terms.graphSmoothedKd({
   *   temperature: 4, alpha: 0.9, k: 5, beta: 0.5, teacherLayer: ['hidden2', 'logits'] })] });
   */
  graphSmoothedKd: defineTerm('graphSmoothedKd', smoothedKdOptions, (s, t, ctx) => {
    const [logits, embeddings] = teacherSide(t);
    return graphSmoothedKdLoss(
      single('graphSmoothedKd', 'student', s),
      logits,
      embeddings,
      requireLabels('graphSmoothedKd', ctx),
      ctx?.options,
    );
  }),
};
