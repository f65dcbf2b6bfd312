/**
 * Triplet task loss for embedding students (Schroff et al., FaceNet, CVPR 2015; batch-hard mining from
 * Hermans et al., "In Defense of the Triplet Loss", 2017). Used by the Distiller when `task: 'triplet'`,
 * e.g. for Yu et al. 2019 / RKD metric-learning chapters.
 *
 *   batchHard: mean over anchors a of max(0, max_p D(a,p) − min_n D(a,n) + margin)
 *   semiHard : mean over positive pairs (a,p) of max(0, D(a,p) − D(a,n*) + margin), where n* is the closest
 *              negative farther than p (D(a,n) > D(a,p)); if none exists, the farthest negative.
 *   distanceWeighted: mean over positive pairs (a,p) of max(0, D(a,p) − D(a,n) + margin), n drawn at random with
 *              the distance-weighted sampling of Wu et al. 2017 (sampling.ts; options `cutoff`, `nonzeroLossCutoff`,
 *              `seed`). Without a seed the draws come from Math.random, which the Distiller seeds for each step.
 * D = Euclidean distance. Anchors without a positive or a negative in the batch are left out of the mean.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../common/random';
import { detached, pairwiseDistances as euclidean } from './numerics';
import { defineOptions, nonNegative, oneOf, option, positive, type OptionsOf } from './options';
import { distanceWeightedTriplets, type DistanceWeighting } from './sampling';
import { finiteResult } from './validate';

const tripletOptions = defineOptions('tripletLoss', {
  margin: nonNegative(0.2),
  mining: oneOf(['batchHard', 'semiHard', 'distanceWeighted'], 'batchHard'),
  cutoff: nonNegative(0.5),
  nonzeroLossCutoff: positive(1.4),
  seed: option<number | null>(null, 'an integer or null', (v) => v === null || Number.isInteger(v)),
});
/**
 * Options of tripletLoss: `margin` >= 0 (default 0.2), `mining` 'batchHard' (default), 'semiHard' or
 * 'distanceWeighted'; for 'distanceWeighted' only: `cutoff` (0.5), `nonzeroLossCutoff` (1.4) and `seed`
 * (default null: Math.random).
 */
export type TripletOptions = OptionsOf<typeof tripletOptions>;

/**
 * Pairwise Euclidean distances of the rows of x: the losses' implementation (explicit differences, exact 0
 * diagonal, finite gradients), wrapped in a tidy for callers outside one.
 * @param x [n, d]
 * @returns [n, n]
 * @example
 * kd.losses.pairwiseDistances(tf.tensor2d([[0, 0], [3, 4]])); // [[0, 5], [5, 0]]
 */
export function pairwiseDistances(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => euclidean(x));
}

/**
 * The triplet task loss (see the file comment). Used by the Distiller with `task: 'triplet'`.
 * @param embeddings [N, D]
 * @param labels class ids [N]
 * @param opts `margin` >= 0 (default 0.2), `mining` 'batchHard' (default) or 'semiHard'
 * @example
 * const loss = kd.losses.tripletLoss(embeddings, labels, { margin: 0.2, mining: 'semiHard' });
 */
export function tripletLoss(embeddings: tf.Tensor, labels: tf.Tensor, opts: TripletOptions = {}): tf.Scalar {
  const { margin, mining, cutoff, nonzeroLossCutoff, seed } = tripletOptions.resolve(opts);
  if (embeddings.rank !== 2)
    throw new Error(`triplet embeddings: expected rank 2 [batch, dim], got shape ${JSON.stringify(embeddings.shape)}`);
  const n = embeddings.shape[0];
  if (labels.rank !== 1 || labels.shape[0] !== n)
    throw new Error(`triplet labels: expected shape [${n}], got ${JSON.stringify(labels.shape)}`);
  const loss =
    mining === 'distanceWeighted'
      ? distanceWeightedTriplet(embeddings as tf.Tensor2D, labels, margin, { cutoff, nonzeroLossCutoff }, seed)
      : tripletOf(embeddings as tf.Tensor2D, labels, margin, mining);
  return finiteResult('tripletLoss', loss, [{ name: 'embeddings', x: embeddings }]);
}

function distanceWeightedTriplet(
  embeddings: tf.Tensor2D,
  labels: tf.Tensor,
  margin: number,
  w: DistanceWeighting,
  seed: number | null,
): tf.Scalar {
  const [n, dim] = embeddings.shape;
  // The sampling reads distances (no gradient flows through the choice of negatives).
  const unit = tf.tidy(() =>
    euclidean(tf.div(embeddings, tf.maximum(tf.norm(embeddings, 'euclidean', 1, true), 1e-12))),
  );
  const dist = unit.dataSync();
  unit.dispose();
  const t = distanceWeightedTriplets(dist, labels.dataSync(), dim, seed === null ? Math.random : mulberry32(seed), w);
  const m = t.anchors.length;
  if (m === 0) return tf.scalar(0);
  const oneHot = (idx: number[]) => {
    const a = new Float32Array(m * n);
    idx.forEach((j, i) => {
      a[i * n + j] = 1;
    });
    return tf.tensor2d(a, [m, n]);
  };
  return tf.tidy(() => {
    const rows = tf.matMul(oneHot(t.anchors), euclidean(embeddings)); // [m, n]: D(a_i, ·)
    const dap = tf.sum(tf.mul(rows, oneHot(t.positives)), 1);
    const dan = tf.sum(tf.mul(rows, oneHot(t.negatives)), 1);
    return tf.mean<tf.Scalar>(tf.relu(tf.add(tf.sub(dap, dan), margin)));
  });
}

function tripletOf(
  embeddings: tf.Tensor2D,
  labels: tf.Tensor,
  margin: number,
  mining: 'batchHard' | 'semiHard',
): tf.Scalar {
  const n = embeddings.shape[0];
  return tf.tidy(() => {
    const D = euclidean(embeddings);
    const same = tf.equal(labels.reshape([n, 1]), labels.reshape([1, n]));
    const eye = tf.cast(tf.eye(n), 'bool');
    const pos = tf.logicalAnd(same, tf.logicalNot(eye));
    const neg = tf.logicalNot(same);
    const posF = tf.cast(pos, 'float32');
    const hasNeg = tf.cast(tf.any(neg, 1), 'float32'); // [n]
    const big = tf.add(tf.max(D), 1);
    if (mining === 'batchHard') {
      const hardestPos = tf.max(tf.mul(D, posF), 1);
      const hardestNeg = tf.min(tf.where(neg, D, tf.broadcastTo(big, [n, n])), 1);
      const valid = tf.mul(tf.cast(tf.any(pos, 1), 'float32'), hasNeg);
      const l = tf.mul(tf.relu(tf.add(tf.sub(hardestPos, hardestNeg), margin)), valid);
      return tf.div<tf.Scalar>(tf.sum(l), tf.maximum(tf.sum(valid), 1));
    }
    // semiHard: for each (a, p), the chosen negative n* as a one-hot over the last axis of the cube [a, p, n]. The
    // choice is a constant (comparisons have no gradient in tfjs, and a where() whose condition depends on the
    // embeddings makes tf.grad throw); the gradient flows through D(a, n*) as it does through D(a, p).
    const chosenNegative = detached((d: tf.Tensor) => {
      const Dap = d.reshape([n, n, 1]);
      const DanCube = tf.broadcastTo(d.reshape([n, 1, n]), [n, n, n]);
      const negCube = tf.broadcastTo(neg.reshape([n, 1, n]), [n, n, n]);
      const outside = tf.logicalAnd(negCube, tf.greater(DanCube, Dap));
      const big = tf.broadcastTo(tf.add(tf.max(d), 1), [n, n, n]);
      const closestOutside = tf.argMin(tf.where(outside, DanCube, big), 2);
      const farthest = tf.argMax(tf.where(negCube, DanCube, tf.fill([n, n, n], -1)), 2);
      return tf.oneHot(tf.where(tf.any(outside, 2), closestOutside, farthest), n).toFloat();
    }, D);
    const chosen = tf.sum(tf.mul(D.reshape([n, 1, n]), chosenNegative), 2);
    const valid = tf.mul(posF, hasNeg.reshape([n, 1]));
    const l = tf.mul(tf.relu(tf.add(tf.sub(D, chosen), margin)), valid);
    return tf.div<tf.Scalar>(tf.sum(l), tf.maximum(tf.sum(valid), 1));
  });
}
