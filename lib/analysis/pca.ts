/**
 * Principal component analysis (Pearson 1901; Jolliffe, Principal Component Analysis, 2002, ch. 1–3): the
 * orthonormal directions of largest variance of a sample matrix, found as the leading eigenvectors of its
 * covariance (n − 1 denominator, as scikit-learn's PCA), with how much of the total variance each one explains.
 */
import { tf } from '../tf';
import { leadingEigenpairs } from './eigen';
import { matrixTensor, type MatrixInput } from './input';

export interface PcaOptions {
  /** How many principal components to keep, an integer in [1, features]. Default 2. */
  components?: number;
}

export interface Pca {
  /** [k][d]: unit principal directions, largest variance first; each one's largest-magnitude entry is positive. */
  components: number[][];
  /** [k]: variance of the data along each component (the covariance's eigenvalues). */
  explainedVariance: number[];
  /** [k]: explainedVariance divided by the total variance (the covariance's trace). */
  explainedVarianceRatio: number[];
  /** [d]: the per-feature mean subtracted before projecting. */
  mean: number[];
  /** Project rows [M, d] onto the components: (x − mean) · componentsᵀ → [M, k]. The caller disposes the result. */
  transform(x: MatrixInput): tf.Tensor2D;
}

/**
 * Fit PCA to `x` ([N, d] tensor or number[][], N ≥ 2). The covariance is accumulated in float32 by TensorFlow.js
 * (x is centred first, which keeps that accurate); its eigenpairs are then found in float64. Cost is one d × d
 * product over N rows plus a few d² work per iteration, so subsample N for very large sets. Leaves no tensors.
 * Used in chapter 1 (§1.2: the pipeline's PCA front end; §1.5: the 2-D map of embeddings).
 *
 * @param x samples as rows.
 * @param options `components` (default 2).
 * @example
 * const p = kd.analysis.pca(embeddings, { components: 2 });
 * const xy = p.transform(embeddings); // [N, 2], dispose when done
 * p.explainedVarianceRatio; // e.g. [0.31, 0.12]
 */
export function pca(x: MatrixInput, options: PcaOptions = {}): Pca {
  const k = options.components ?? 2;
  const xt = matrixTensor(x, 'pca: x');
  const [n, d] = xt.shape;
  let covariance: Float64Array;
  let mean: number[];
  try {
    if (n < 2) throw new Error(`pca: x must have at least 2 rows (samples) to have a covariance, got ${n}`);
    if (!Number.isInteger(k) || k < 1 || k > d) {
      throw new Error(`pca: components must be an integer in [1, ${d}] (the number of features), got ${String(k)}`);
    }
    const [m, c] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
      const mu = tf.mean(xt, 0);
      const centred = tf.sub(xt, mu);
      return [mu, tf.div(tf.matMul(centred, centred, true, false), n - 1)];
    });
    mean = Array.from(m.dataSync());
    covariance = Float64Array.from(c.dataSync());
    tf.dispose([m, c]);
  } finally {
    xt.dispose();
  }
  symmetrise(covariance, d);
  let total = 0;
  for (let i = 0; i < d; i++) total += covariance[i * d + i];
  const { values, vectors } = leadingEigenpairs(covariance, d, k);
  const components = vectors.map(signFixed);
  // Rounding can leave a zero eigenvalue slightly negative; a variance is never below zero.
  const explainedVariance = values.map((v) => Math.max(v, 0));
  const explainedVarianceRatio = explainedVariance.map((v) => (total > 0 ? v / total : 0));
  return {
    components,
    explainedVariance,
    explainedVarianceRatio,
    mean,
    transform(rows: MatrixInput): tf.Tensor2D {
      const r = matrixTensor(rows, 'pca.transform: x');
      try {
        if (r.shape[1] !== d) {
          throw new Error(`pca.transform: x must have ${d} columns (the fitted features), got shape [${r.shape}]`);
        }
        return tf.tidy(() => tf.matMul(tf.sub(r, tf.tensor1d(mean)), tf.tensor2d(components), false, true));
      } finally {
        r.dispose();
      }
    },
  };
}

/** Average c with its transpose: float32 accumulation order can make c[i][j] and c[j][i] differ in the last bit. */
function symmetrise(c: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = (c[i * d + j] + c[j * d + i]) / 2;
      c[i * d + j] = s;
      c[j * d + i] = s;
    }
  }
}

/** An eigenvector's sign is arbitrary; fix it so the largest-magnitude entry (first on ties) is positive. */
function signFixed(v: Float64Array): number[] {
  let at = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[at])) at = i;
  const s = v[at] < 0 ? -1 : 1;
  return Array.from(v, (a) => a * s);
}
