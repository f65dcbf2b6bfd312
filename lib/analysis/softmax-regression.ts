/**
 * Multinomial logistic (softmax) regression: a linear classifier p(c | x) = softmax(x W + b)_c fitted by minimising
 * the mean cross-entropy plus (l2/2)‖W‖² (Bishop, Pattern Recognition and Machine Learning, 2006, §4.3.4).
 *
 * Trained by full-batch gradient descent with heavy-ball momentum from zero weights, with the gradient written out
 * (∂/∂W = Xᵀ(P − Y)/N + l2·W, ∂/∂b = mean(P − Y)), so a fit is a pure function of its data and options: no
 * shuffling, no random initialisation. The loss is convex, so this converges for a small enough learning rate.
 */
import { tf } from '../tf';
import { matrixTensor, type MatrixInput } from './input';

export interface SoftmaxRegressionOptions {
  /** Full-batch gradient steps. Default 200. */
  steps?: number;
  /** Step size. Default 0.5 (features of order 1; scale features first if they are much larger). */
  learningRate?: number;
  /** Heavy-ball momentum in [0, 1). Default 0.9. */
  momentum?: number;
  /** L2 penalty on the weights (not the bias). Default 1e-4. */
  l2?: number;
  /** Number of classes; default: 1 + the largest label seen by fit. */
  classes?: number;
}

export interface SoftmaxRegression {
  /** Fit to rows x [N, d] and integer labels y [N] in [0, classes). Returns the loss before each step and after the last. */
  fit(x: MatrixInput, y: ArrayLike<number>): { losses: number[] };
  /** The most probable class of each row of x [M, d] (lowest class on ties). */
  predict(x: MatrixInput): Int32Array;
  /** Class probabilities [M, classes]; the caller disposes the result. */
  probabilities(x: MatrixInput): tf.Tensor2D;
  /** The fitted weights [d][classes] and bias [classes] (empty before fit). */
  readonly weights: number[][];
  readonly bias: number[];
}

/**
 * A softmax-regression classifier. Holds no tensors between calls (the weights are kept as numbers).
 * Used in chapter 1 (§1.1, §1.3: the linear classifier on hand-designed features).
 *
 * @param options `steps` (200), `learningRate` (0.5), `momentum` (0.9), `l2` (1e-4), `classes` (from the labels).
 * @example
 * const clf = kd.analysis.softmaxRegression({ steps: 300 });
 * const { losses } = clf.fit(trainFeatures, trainLabels);
 * const accuracy = clf.predict(testFeatures).filter((p, i) => p === testLabels[i]).length / testLabels.length;
 */
export function softmaxRegression(options: SoftmaxRegressionOptions = {}): SoftmaxRegression {
  const { steps = 200, learningRate = 0.5, momentum = 0.9, l2 = 1e-4, classes } = options;
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`softmaxRegression: steps must be a positive integer, got ${String(steps)}`);
  if (!(learningRate > 0)) throw new Error(`softmaxRegression: learningRate must be > 0, got ${String(learningRate)}`);
  if (!(momentum >= 0 && momentum < 1))
    throw new Error(`softmaxRegression: momentum must be in [0, 1), got ${String(momentum)}`);
  if (!(l2 >= 0)) throw new Error(`softmaxRegression: l2 must be ≥ 0, got ${String(l2)}`);
  if (classes !== undefined && (!Number.isInteger(classes) || classes < 2)) {
    throw new Error(`softmaxRegression: classes must be an integer ≥ 2, got ${String(classes)}`);
  }
  let weights: number[][] = [];
  let bias: number[] = [];
  const fitted = (x: MatrixInput, what: string): tf.Tensor2D => {
    if (weights.length === 0) throw new Error(`softmaxRegression.${what}: call fit(x, y) first`);
    const xt = matrixTensor(x, `softmaxRegression.${what}: x`);
    if (xt.shape[1] !== weights.length) {
      xt.dispose();
      throw new Error(
        `softmaxRegression.${what}: x must have ${weights.length} columns (as in fit), got shape [${xt.shape}]`,
      );
    }
    return xt;
  };
  const model: SoftmaxRegression = {
    get weights() {
      return weights;
    },
    get bias() {
      return bias;
    },
    fit(x, y) {
      const labels = integerLabels(y, classes);
      const c = classes ?? Math.max(1, ...labels) + 1;
      const xt = matrixTensor(x, 'softmaxRegression.fit: x');
      const [n, d] = xt.shape;
      if (labels.length !== n) {
        xt.dispose();
        throw new Error(`softmaxRegression.fit: y must have one label per row of x (${n}), got ${labels.length}`);
      }
      const yt = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as tf.Tensor2D);
      let w: tf.Tensor2D = tf.zeros([d, c]);
      let b: tf.Tensor1D = tf.zeros([c]);
      let vw: tf.Tensor2D = tf.zeros([d, c]);
      let vb: tf.Tensor1D = tf.zeros([c]);
      const losses: number[] = [];
      try {
        for (let step = 0; step <= steps; step++) {
          const g = softmaxLossAndGradient(xt, yt, w, b, l2);
          losses.push(g.loss.dataSync()[0]);
          if (step === steps) {
            tf.dispose([g.loss, g.dw, g.db]);
            break;
          }
          const next = tf.tidy(() => {
            const nvw = tf.sub<tf.Tensor2D>(tf.mul(vw, momentum), tf.mul(g.dw, learningRate));
            const nvb = tf.sub<tf.Tensor1D>(tf.mul(vb, momentum), tf.mul(g.db, learningRate));
            return { vw: nvw, vb: nvb, w: tf.add<tf.Tensor2D>(w, nvw), b: tf.add<tf.Tensor1D>(b, nvb) };
          });
          tf.dispose([g.loss, g.dw, g.db, w, b, vw, vb]);
          ({ w, b, vw, vb } = next);
        }
        weights = w.arraySync();
        bias = Array.from(b.dataSync());
      } finally {
        tf.dispose([xt, yt, w, b, vw, vb]);
      }
      return { losses };
    },
    probabilities(x) {
      const xt = fitted(x, 'probabilities');
      try {
        return tf.tidy(() => tf.softmax(tf.add(tf.matMul(xt, tf.tensor2d(weights)), tf.tensor1d(bias))) as tf.Tensor2D);
      } finally {
        xt.dispose();
      }
    },
    predict(x) {
      const xt = fitted(x, 'predict');
      try {
        const logits = tf.tidy(() => tf.add(tf.matMul(xt, tf.tensor2d(weights)), tf.tensor1d(bias)));
        const v = logits.dataSync();
        logits.dispose();
        const c = bias.length;
        return Int32Array.from({ length: xt.shape[0] }, (_, i) => {
          let best = 0;
          for (let j = 1; j < c; j++) if (v[i * c + j] > v[i * c + best]) best = j;
          return best;
        });
      } finally {
        xt.dispose();
      }
    },
  };
  return model;
}

/**
 * The objective and its gradient at (w, b): loss = mean_i −log softmax(x_i w + b)_{y_i} + (l2/2)‖w‖²,
 * dw = xᵀ(p − y)/N + l2·w, db = mean_i (p_i − y_i). x [N, d], yOneHot [N, c], w [d, c], b [c]. Internal (exported for
 * the finite-difference test); the caller disposes the three results.
 */
export function softmaxLossAndGradient(
  x: tf.Tensor2D,
  yOneHot: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  l2: number,
): { loss: tf.Scalar; dw: tf.Tensor2D; db: tf.Tensor1D } {
  return tf.tidy(() => {
    const n = x.shape[0];
    const logits = tf.add(tf.matMul(x, w), b);
    const logP = tf.logSoftmax(logits);
    const crossEntropy = tf.neg(tf.mean(tf.sum(tf.mul(yOneHot, logP), 1)));
    const loss = tf.add<tf.Scalar>(crossEntropy, tf.mul(0.5 * l2, tf.sum(tf.square(w))));
    const residual = tf.sub(tf.exp(logP), yOneHot);
    const dw = tf.add<tf.Tensor2D>(tf.div(tf.matMul(x, residual, true, false), n), tf.mul(l2, w));
    const db = tf.mean<tf.Tensor1D>(residual, 0);
    return { loss, dw, db };
  });
}

function integerLabels(y: unknown, classes: number | undefined): number[] {
  if (!Array.isArray(y) && !ArrayBuffer.isView(y)) {
    throw new Error(`softmaxRegression.fit: y must be an array of integer labels, got ${typeof y}`);
  }
  const values = Array.from(y as ArrayLike<number>);
  values.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 0 || (classes !== undefined && v >= classes)) {
      const range = classes === undefined ? 'a non-negative integer' : `an integer in [0, ${classes - 1}]`;
      throw new Error(`softmaxRegression.fit: y[${i}] must be ${range}, got ${String(v)}`);
    }
  });
  return values;
}
