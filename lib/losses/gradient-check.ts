/**
 * Checking a loss's gradient by finite differences: what to run after writing a loss of your own. tf.grad's
 * gradient is compared with central differences of the loss's VALUES, so a value that is right but a gradient that
 * is wrong (a stopped gradient in the wrong place, a custom gradient with a bug) shows up as a large error.
 */
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../common/random';
import { describe } from './validate';

export interface GradientCheckOptions {
  /** Step of the central difference, added to and subtracted from one coordinate at a time (default 1e-3). */
  eps?: number;
  /** Check at most this many coordinates, drawn without repetition with `seed` when x has more (default 256). */
  coordinates?: number;
  /** Seed of that draw (default 0). */
  seed?: number;
}

export interface GradientCheck {
  /** Flat indices into x of the coordinates checked, ascending. */
  indices: number[];
  /** tf.grad's gradient at those coordinates. */
  analytic: number[];
  /** (f(x + h e_i) − f(x − h e_i)) / (actual distance between the two float32 points), at those coordinates. */
  numeric: number[];
  /** max_i |analytic_i − numeric_i|. */
  maxAbsoluteError: number;
  /**
   * maxAbsoluteError / max_i max(|analytic_i|, |numeric_i|): the error relative to the gradient's largest entry
   * (0 when both gradients are 0). Float32 losses give about 1e-4–1e-2 for a correct gradient; a wrong one ≈ 0.1–1.
   */
  maxRelativeError: number;
}

/**
 * Compare tf.grad of a scalar function with central finite differences of its values, coordinate by coordinate.
 * Each checked coordinate costs two evaluations of `f`; the loss runs in float32, so expect relative errors up to
 * about 1e-2 for a correct gradient (a smaller `eps` trades truncation error for round-off).
 * Used in chapter 8 (§8.2: checking a hand-written similarity-preserving loss).
 * @param f the loss as a function of one input (close over the others), returning a scalar tensor
 * @param x the point at which to check (not modified)
 * @param options `eps` (1e-3), `coordinates` (256), `seed` (0)
 * @example
 * const r = kd.losses.gradientCheck((s) => kd.losses.kdLoss(s, teacherLogits), studentLogits);
 * r.maxRelativeError; // ≈ 1e-3
 */
export function gradientCheck(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  options: GradientCheckOptions = {},
): GradientCheck {
  if (typeof f !== 'function')
    throw new Error(`gradientCheck: f must be a function (x) => tf.Scalar, got ${describe(f)}`);
  if (!(x instanceof tf.Tensor) || x.size === 0 || x.dtype !== 'float32')
    throw new Error(`gradientCheck: x must be a non-empty float32 tf.Tensor, got ${describe(x)}`);
  const eps = options.eps ?? 1e-3;
  if (!(eps > 0 && Number.isFinite(eps))) throw new Error(`gradientCheck: eps must be a positive number, got ${eps}`);
  const count = options.coordinates ?? 256;
  if (!(Number.isInteger(count) && count >= 1))
    throw new Error(`gradientCheck: coordinates must be an integer >= 1, got ${count}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`gradientCheck: seed must be an integer, got ${seed}`);

  const value = (point: tf.Tensor): number =>
    tf.tidy(() => {
      const y = f(point);
      if (!(y instanceof tf.Tensor) || y.rank !== 0)
        throw new Error(
          `gradientCheck: f must return a scalar tensor, got ${y instanceof tf.Tensor ? `shape [${y.shape.join(',')}]` : describe(y)}`,
        );
      return y.dataSync()[0];
    });
  value(x); // a bad f fails here, before tf.grad's less specific message
  const grad = tf.tidy(() => tf.grad(f)(x).dataSync());
  const base = x.dataSync() as Float32Array;
  const indices = pick(base.length, count, seed);
  const analytic: number[] = [];
  const numeric: number[] = [];
  for (const i of indices) {
    const plus = Float32Array.from(base);
    const minus = Float32Array.from(base);
    plus[i] += eps;
    minus[i] -= eps;
    const step = plus[i] - minus[i]; // the float32 points' real distance, not 2·eps
    const at = (v: Float32Array) => {
      const t = tf.tensor(v, x.shape, 'float32');
      try {
        return value(t);
      } finally {
        t.dispose();
      }
    };
    numeric.push((at(plus) - at(minus)) / step);
    analytic.push(grad[i]);
  }
  let maxAbs = 0;
  let scale = 0;
  analytic.forEach((a, k) => {
    maxAbs = Math.max(maxAbs, Math.abs(a - numeric[k]));
    scale = Math.max(scale, Math.abs(a), Math.abs(numeric[k]));
  });
  return {
    indices,
    analytic,
    numeric,
    maxAbsoluteError: maxAbs,
    maxRelativeError: scale === 0 ? 0 : maxAbs / scale,
  };
}

/** All of 0..n−1 when n ≤ count, else `count` distinct indices drawn with a seeded partial shuffle, ascending. */
function pick(n: number, count: number, seed: number): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= count) return all;
  const rng = mulberry32(seed);
  for (let k = 0; k < count; k++) {
    const j = k + Math.floor(rng() * (n - k));
    [all[k], all[j]] = [all[j], all[k]];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}
