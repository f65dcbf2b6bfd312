/**
 * Numerically careful building blocks shared by the losses: stopping gradients, square roots and
 * normalisations that stay finite (value AND gradient) at zero, pairwise distances.
 * All functions expect to be called inside a tf.tidy (the losses do that).
 */
import * as tf from '@tensorflow/tfjs';

const stop = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as never);

/**
 * Identity in the forward pass, zero gradient in the backward pass (TensorFlow's `stop_gradient`,
 * PyTorch's `.detach()`). Distillation losses apply it to every teacher input, so the teacher is a
 * fixed target: `tf.grad` with respect to a teacher tensor is exactly zero.
 * @param x any tensor
 * @example
 * tf.grad((t) => tf.sum(tf.mul(kd.losses.stopGradient(t), 2)))(tf.ones([3])); // [0, 0, 0]
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}

/**
 * Evaluate `fn(...xs)` as a constant: the result carries no gradient to `xs`, and the ops inside `fn` are
 * not recorded on the gradient tape (they run inside a custom-gradient kernel), so `fn` may use ops
 * without gradients (comparisons, where). Used for teacher-only quantities such as multi-teacher weights.
 */
export function detached<T extends tf.Tensor>(fn: (...xs: tf.Tensor[]) => T, ...xs: tf.Tensor[]): T {
  const op = tf.customGrad(((...args: tf.Tensor[]) => {
    const inputs = args.slice(0, xs.length);
    return { value: fn(...inputs), gradFunc: () => inputs.map((x) => tf.zerosLike(x)) };
  }) as never);
  return (op as (...a: tf.Tensor[]) => T)(...xs);
}

/**
 * 1 where x > 0, else 0, as a float mask. Built on tf.step (whose gradient is defined as 0) rather than
 * tf.greater + tf.where: tfjs has no gradient for comparison ops, so a where() whose condition depends on
 * a differentiated input makes tf.grad throw.
 */
export function positiveMask(x: tf.Tensor): tf.Tensor {
  return tf.step(x);
}

/**
 * sqrt(x) for x >= 0 whose gradient is finite everywhere: at x = 0 the value is 0 and the gradient 0
 * (a subgradient), instead of sqrt's infinite slope, which would turn the zero diagonal of a distance
 * matrix (or two identical embeddings) into NaN gradients. The sqrt only ever sees x where x > 0 and 1
 * elsewhere, so no inf enters the backward pass.
 */
export function safeSqrt(x: tf.Tensor): tf.Tensor {
  const m = positiveMask(x);
  return tf.mul(tf.sqrt(tf.add(tf.mul(x, m), tf.sub(1, m))), m);
}

/**
 * x / ‖x‖₂ along the last axis; rows with zero norm map to the zero vector (as PyTorch's F.normalize),
 * with finite gradients.
 */
export function safeNormalize(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, reciprocalUnlessZero(safeSqrt(tf.sum(tf.square(x), -1, true))));
}

/** 1 / x for x >= 0, and 0 where x is 0 (finite value and gradient). */
export function reciprocalUnlessZero(x: tf.Tensor): tf.Tensor {
  const m = positiveMask(x);
  return tf.div(m, tf.add(x, tf.sub(1, m)));
}

/** Differences x_b − x_a for all pairs: [N, D] → [N, N, D] with entry [a, b] = x[b] − x[a]. */
export function pairwiseDifferences(x: tf.Tensor2D): tf.Tensor3D {
  return tf.sub<tf.Tensor3D>(tf.expandDims(x, 0), tf.expandDims(x, 1));
}

/**
 * Squared Euclidean distances between rows, [N, D] → [N, N], computed from explicit differences (not
 * ‖a‖² + ‖b‖² − 2ab) so that the diagonal is exactly 0 and no entry is negative.
 */
export function pairwiseSquaredDistances(x: tf.Tensor2D): tf.Tensor2D {
  return tf.sum<tf.Tensor2D>(tf.square(pairwiseDifferences(x)), -1);
}

/** Euclidean distances between rows, [N, D] → [N, N], with safe gradients at the zero diagonal. */
export function pairwiseDistances(x: tf.Tensor2D): tf.Tensor2D {
  return safeSqrt(pairwiseSquaredDistances(x)) as tf.Tensor2D;
}

/** Flatten everything but the batch axis: [N, ...] → [N, D]. */
export function flattenBatch(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape<tf.Rank.R2>(x, [x.shape[0], -1]);
}

/** x / s for a scalar s >= 0, dividing by 1 instead when s is 0 (an all-zero input stays all-zero, not NaN). */
export function divideUnlessZero(x: tf.Tensor, s: tf.Scalar): tf.Tensor {
  return tf.div(x, tf.add(s, tf.sub(1, positiveMask(s))));
}

/**
 * log p with log 0 = −Infinity replaced by a finite floor far below any float32 log-probability of a
 * non-zero p (≈ −104), so that p · log p and p · (log p − log q) are 0 for p = 0 (the convention
 * 0 · log 0 = 0) instead of 0 · (−∞) = NaN. A −Infinity logit is exactly such a p = 0.
 */
export function floorLogProb(logP: tf.Tensor): tf.Tensor {
  return tf.maximum(logP, LOG_PROB_FLOOR);
}
const LOG_PROB_FLOOR = -1e30;
