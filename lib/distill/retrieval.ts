/**
 * Recall@K for embeddings (Yu et al. 2019 and Park et al. 2019 report Recall@1/2/4/8 on unseen classes).
 *
 * A query is a hit at K when one of its K nearest gallery items (Euclidean distance) has the query's label.
 * Ties in distance are broken by gallery index, so the result is a function of the embeddings alone.
 * All K are read from one pass: for each query, the rank of its nearest same-label gallery item
 * (the number of gallery items ordered before it) is a hit for every K greater than that rank.
 */
import * as tf from '@tensorflow/tfjs';

type Embeddings = tf.Tensor2D | number[][];
type Labels = tf.Tensor1D | Int32Array | number[];

export interface RetrievalOptions {
  /** The K of Recall@K, each an integer >= 1. Default [1, 2, 4, 8]. */
  ks?: number[];
  /**
   * The items searched, with `galleryLabels`. Default: the queries themselves, each query then left out of its
   * own neighbours (leave-one-out). Only the same object counts as the same set: a copy is a separate gallery.
   */
  gallery?: Embeddings;
  galleryLabels?: Labels;
  /** Queries whose distances are computed in one backend call (memory only, not the result). Default 256. */
  blockSize?: number;
}

/**
 * Recall@K of `query` against a gallery for several K at once, in the order of `opts.ks`.
 * A query whose label is absent from the gallery counts as a miss at every K.
 * @param query [nq, dim] query embeddings
 * @param queryLabels nq labels
 * @param opts `ks` (default [1, 2, 4, 8]), `gallery` + `galleryLabels` (default: the queries, leave-one-out)
 * @returns one recall in [0, 1] per K
 * @example
 * const [r1, r2, r4, r8] = kd.distill.retrievalRecall(testEmb, test.y); // leave-one-out on the unseen classes
 * const [top1] = kd.distill.retrievalRecall(q, qy, { ks: [1], gallery: g, galleryLabels: gy });
 */
export function retrievalRecall(query: Embeddings, queryLabels: Labels, opts: RetrievalOptions = {}): number[] {
  const ks = opts.ks ?? [1, 2, 4, 8];
  const sameSet = opts.gallery === undefined || opts.gallery === query;
  if (sameSet && opts.galleryLabels !== undefined && opts.gallery === undefined) {
    throw new Error('retrievalRecall: galleryLabels given without gallery');
  }
  const blockSize = opts.blockSize ?? 256;
  if (!(Number.isInteger(blockSize) && blockSize > 0))
    throw new Error(`retrievalRecall: blockSize must be a positive integer, got ${blockSize}`);
  const q = query instanceof tf.Tensor ? query : tf.tensor2d(query);
  const g = sameSet ? q : opts.gallery instanceof tf.Tensor ? opts.gallery : tf.tensor2d(opts.gallery as number[][]);
  try {
    if (q.rank !== 2)
      throw new Error(`retrievalRecall: query must have rank 2 [n, dim], got shape ${JSON.stringify(q.shape)}`);
    if (g.rank !== 2)
      throw new Error(`retrievalRecall: gallery must have rank 2 [n, dim], got shape ${JSON.stringify(g.shape)}`);
    if (g.shape[1] !== q.shape[1])
      throw new Error(
        `retrievalRecall: gallery must have dim ${q.shape[1]} like query, got shape ${JSON.stringify(g.shape)}`,
      );
    const nq = q.shape[0];
    const ng = g.shape[0];
    const qy = labelsOf(queryLabels, nq, 'queryLabels');
    const gy = sameSet ? qy : labelsOf(opts.galleryLabels, ng, 'galleryLabels');
    const candidates = sameSet ? ng - 1 : ng;
    if (!Array.isArray(ks) || ks.length === 0)
      throw new Error(`retrievalRecall: ks must be a non-empty array of integers, got ${JSON.stringify(ks)}`);
    for (const k of ks) {
      if (!(Number.isInteger(k) && k >= 1 && k <= candidates)) {
        throw new Error(
          `retrievalRecall: every k must be an integer in [1, ${candidates}] (the ${sameSet ? 'other queries' : 'gallery size'}), got ${k}`,
        );
      }
    }
    // hitsAtRank[r] = queries whose nearest same-label item has rank r (r < candidates).
    const hitsAtRank = new Array<number>(candidates).fill(0);
    for (let s = 0; s < nq; s += blockSize) {
      const e = Math.min(nq, s + blockSize);
      const d = tf.tidy(() => squaredDistances(q.slice([s, 0], [e - s, -1]), g));
      const dist = d.dataSync() as Float32Array;
      d.dispose();
      for (let i = s; i < e; i++) {
        const rank = firstHitRank(dist.subarray((i - s) * ng, (i - s + 1) * ng), gy, qy[i], sameSet ? i : -1);
        if (rank >= 0) hitsAtRank[rank]++;
      }
    }
    return ks.map((k) => hitsAtRank.slice(0, k).reduce((a, b) => a + b, 0) / nq);
  } finally {
    if (q !== query) q.dispose();
    if (g !== q && g !== opts.gallery) g.dispose();
  }
}

/**
 * Recall@K of a set against itself, each sample left out of its own neighbours: `retrievalRecall` with one K.
 * @param embeddings [n, dim]
 * @param labels n labels
 * @param k an integer in [1, n − 1]
 */
export function recallAtK(embeddings: Embeddings, labels: Labels, k: number): number {
  return retrievalRecall(embeddings, labels, { ks: [k] })[0];
}

/** ‖a‖² + ‖b‖² − 2a·b for every row pair of a [m, d] and b [n, d]: one matMul, [m, n]. */
function squaredDistances(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const sa = tf.sum(tf.square(a), 1).reshape([-1, 1]);
  const sb = tf.sum(tf.square(b), 1).reshape([1, -1]);
  return tf.add(tf.sub(sa, tf.mul(2, tf.matMul(a, b, false, true))), sb);
}

/**
 * The rank of the nearest gallery item labelled `label` in the order (distance, index), `self` excluded; −1 if none.
 * Linear in the gallery size: find that item, then count the items ordered before it.
 */
function firstHitRank(dist: Float32Array, gy: ArrayLike<number>, label: number, self: number): number {
  let best = -1;
  for (let j = 0; j < dist.length; j++) {
    if (j !== self && gy[j] === label && (best < 0 || dist[j] < dist[best])) best = j;
  }
  if (best < 0) return -1;
  let rank = 0;
  for (let j = 0; j < dist.length; j++) {
    if (j !== self && (dist[j] < dist[best] || (dist[j] === dist[best] && j < best))) rank++;
  }
  return rank;
}

function labelsOf(labels: Labels | undefined, n: number, name: string): ArrayLike<number> {
  if (labels === undefined) throw new Error(`retrievalRecall: ${name} is required with a gallery`);
  const lab = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  if (lab.length !== n)
    throw new Error(`retrievalRecall: ${name} must have length ${n} (one per embedding), got ${lab.length}`);
  return lab;
}
