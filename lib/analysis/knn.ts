/**
 * k-nearest-neighbours classification (Cover & Hart, "Nearest neighbor pattern classification", IEEE Trans. Inf.
 * Theory 13(1), 1967): a query gets the majority label of its k nearest training rows under Euclidean distance.
 *
 * Ties are broken deterministically so a run is a pure function of its data: among equally distant training rows the
 * earlier one (lower index) is nearer, and among labels with equal votes the one whose nearest voter is nearest wins.
 */
import { tf } from '../tf';
import { matrixTensor, type MatrixInput } from './input';

export interface KnnOptions {
  /** Neighbours that vote, a positive integer ≤ the training rows. Default 1. */
  k?: number;
  /** Query rows whose distances are held at once (memory: batch × training rows floats). Default 256. */
  batch?: number;
}

export interface KnnClassifier {
  /** Remember the training rows x [N, d] and integer labels y [N] (a copy is kept; x and y are not disposed). */
  fit(x: MatrixInput, y: ArrayLike<number> | tf.Tensor1D): KnnClassifier;
  /** Labels for the query rows x [M, d]. */
  predict(x: MatrixInput): Int32Array;
  /** Release the stored training rows. */
  dispose(): void;
}

/**
 * A k-NN classifier. Distances are computed by TensorFlow.js as ‖q‖² − 2q·x + ‖x‖² in float32 (clamped at 0).
 * Used in chapter 1 (§1.5: the whole embedding against single coordinates).
 *
 * @param options `k` (default 1), `batch` (default 256).
 * @example
 * const clf = kd.analysis.knn({ k: 3 }).fit(trainFeatures, trainLabels);
 * const predicted = clf.predict(testFeatures); // Int32Array
 * clf.dispose();
 */
export function knn(options: KnnOptions = {}): KnnClassifier {
  const { k = 1, batch = 256 } = options;
  if (!Number.isInteger(k) || k < 1) throw new Error(`knn: k must be a positive integer, got ${String(k)}`);
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`knn: batch must be a positive integer, got ${String(batch)}`);
  let train: tf.Tensor2D | undefined;
  let trainSq: tf.Tensor1D | undefined;
  let labels: Int32Array | undefined;
  const classifier: KnnClassifier = {
    fit(x, y) {
      const yv = labelArray(y);
      const xt = matrixTensor(x, 'knn.fit: x');
      if (yv.length !== xt.shape[0]) {
        xt.dispose();
        throw new Error(`knn.fit: y must have one label per row of x (${xt.shape[0]}), got ${yv.length}`);
      }
      if (k > yv.length) {
        xt.dispose();
        throw new Error(`knn.fit: k (${k}) must be at most the number of training rows, got ${yv.length} rows`);
      }
      classifier.dispose();
      train = xt;
      trainSq = tf.tidy(() => tf.sum<tf.Tensor1D>(tf.square(xt), 1));
      labels = yv;
      return classifier;
    },
    predict(x) {
      if (!train || !trainSq || !labels) throw new Error('knn.predict: call fit(x, y) first');
      const [n, d] = train.shape;
      const q = matrixTensor(x, 'knn.predict: x');
      try {
        if (q.shape[1] !== d)
          throw new Error(`knn.predict: x must have ${d} columns (as the training rows), got shape [${q.shape}]`);
        const m = q.shape[0];
        const out = new Int32Array(m);
        for (let start = 0; start < m; start += batch) {
          const size = Math.min(batch, m - start);
          const dist = tf.tidy(() => {
            const qb = q.slice([start, 0], [size, d]);
            const cross = tf.matMul(qb, train!, false, true);
            const qSq = tf.sum(tf.square(qb), 1, true);
            return tf.relu(tf.add(tf.sub(qSq, tf.mul(cross, 2)), trainSq!));
          });
          const values = dist.dataSync<'float32'>();
          dist.dispose();
          for (let i = 0; i < size; i++) out[start + i] = vote(values.subarray(i * n, (i + 1) * n), labels, k);
        }
        return out;
      } finally {
        q.dispose();
      }
    },
    dispose() {
      if (train) train.dispose();
      if (trainSq) trainSq.dispose();
      train = trainSq = labels = undefined;
    },
  };
  return classifier;
}

/** The majority label among the k nearest (lowest index first on equal distance); ties go to the nearest voter. */
function vote(dist: Float32Array, labels: Int32Array, k: number): number {
  // k smallest (distance, index) pairs by insertion into a sorted list: k is small, N is large.
  const idx: number[] = [];
  for (let j = 0; j < dist.length; j++) {
    if (idx.length === k && !(dist[j] < dist[idx[k - 1]])) continue;
    let at = idx.length === k ? k - 1 : idx.length;
    while (at > 0 && dist[idx[at - 1]] > dist[j]) at--;
    idx.splice(at, 0, j);
    if (idx.length > k) idx.pop();
  }
  const votes = new Map<number, number>();
  for (const j of idx) votes.set(labels[j], (votes.get(labels[j]) ?? 0) + 1);
  const top = Math.max(...votes.values());
  // idx is nearest-first, so the first voter of a top label is the nearest voter among the tied labels.
  return labels[idx.find((j) => votes.get(labels[j]) === top)!];
}

function labelArray(y: unknown): Int32Array {
  let values: ArrayLike<number>;
  if (y instanceof tf.Tensor) {
    if (y.rank !== 1) throw new Error(`knn.fit: y must be a rank-1 tensor of integer labels, got shape [${y.shape}]`);
    values = y.dataSync();
  } else if (Array.isArray(y) || ArrayBuffer.isView(y)) {
    values = y as ArrayLike<number>;
  } else {
    throw new Error(`knn.fit: y must be an array or rank-1 tensor of integer labels, got ${typeof y}`);
  }
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new Error(`knn.fit: y[${i}] must be an integer label, got ${String(v)}`);
    out[i] = v;
  }
  return out;
}
