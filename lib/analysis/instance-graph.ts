/**
 * The instance-relationship graph of a batch, as plain data a figure can draw: the samples are the vertices and
 * their pairwise distances the edges (Liu et al., "Knowledge Distillation via Instance Relationship Graph",
 * CVPR 2019), each distance divided by the mean over all pairs as RKD's distance potential does (Park et al.,
 * "Relational Knowledge Distillation", CVPR 2019, eq. 4), so graphs of networks of different scale compare.
 * The complete graph has N(N − 1)/2 edges; a figure keeps the k-nearest-neighbour ones.
 */
import { tf } from '../tf';
import { knnAdjacency } from '../losses/graph-smoothing';
import { matrixTensor, type MatrixInput } from './input';
import { pca } from './pca';

export interface InstanceGraphOptions {
  /** Neighbours kept per sample (an edge stays when either end has the other among its k nearest). Default 5. */
  k?: number;
  /** One integer class per sample, copied onto the nodes (for colouring). */
  labels?: ArrayLike<number> | tf.Tensor1D;
}

export interface InstanceGraphEdge {
  /** The lower sample index. */
  source: number;
  /** The higher sample index. */
  target: number;
  /** ‖x_source − x_target‖ divided by the mean distance over all pairs (1 = an average pair). */
  distance: number;
}

export interface InstanceGraph {
  /** One node per sample, in batch order; `label` when labels were given. */
  nodes: { index: number; label?: number }[];
  /** The kNN edges, sorted by (source, target), each once (source < target). */
  edges: InstanceGraphEdge[];
  /** [N] 2-D node positions: the first two principal components of the embeddings (kd.analysis.pca). */
  positions: [number, number][];
  /** The neighbours per sample actually used (k capped at N − 1). */
  k: number;
  /** The mean Euclidean distance over all N(N − 1)/2 pairs that the edge distances are divided by. */
  meanDistance: number;
}

/**
 * The instance-relationship graph of a batch of embeddings [N, D]: vertices = samples, edge weight = Euclidean
 * distance / mean pairwise distance, sparsified to the symmetric kNN graph (the adjacency kd.losses'
 * graph-smoothed targets use, so the figure shows the graph the method propagates over). Node positions are
 * deterministic (PCA, signs fixed), so a teacher's and a student's graph can be drawn side by side — or the
 * student's drawn at the teacher's positions (kd.plot.network's `positions`). Leaves no tensors.
 * Used in chapter 7 (§7.2: the teacher's and the student's instance graphs).
 * @param embeddings [N, D] (N >= 2) rows of one batch, as a tensor or number[][]; a tensor [N, ...] of higher rank
 *   is flattened per sample
 * @param options `k` (default 5), `labels` (optional, one integer per row)
 * @example
 * const g = kd.analysis.instanceGraph(teacherHidden, { k: 3, labels: y });
 * g.edges[0]; // { source: 0, target: 7, distance: 0.42 }
 */
export function instanceGraph(embeddings: MatrixInput | tf.Tensor, options: InstanceGraphOptions = {}): InstanceGraph {
  const { k = 5 } = options;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
    throw new Error(`instanceGraph: k must be a positive integer, got ${String(k)}`);
  // feature maps [N, H, W, C] are flattened per sample, as the graph losses do
  const x =
    embeddings instanceof tf.Tensor && embeddings.rank > 2
      ? tf.tidy(() => tf.cast(tf.reshape<tf.Rank.R2>(embeddings, [embeddings.shape[0], -1]), 'float32'))
      : matrixTensor(embeddings, 'instanceGraph: embeddings');
  try {
    const [n, d] = x.shape;
    if (n < 2) throw new Error(`instanceGraph: embeddings must have at least 2 rows (samples), got ${n}`);
    const labels = options.labels === undefined ? undefined : labelArray(options.labels, n);
    const values = Float64Array.from(x.dataSync());
    const a = knnAdjacency(x, k);
    const adjacency = a.dataSync();
    a.dispose();
    const dist = (i: number, j: number): number => {
      let s = 0;
      for (let c = 0; c < d; c++) s += (values[i * d + c] - values[j * d + c]) ** 2;
      return Math.sqrt(s);
    };
    let total = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) total += dist(i, j);
    const meanDistance = total / ((n * (n - 1)) / 2);
    const edges: InstanceGraphEdge[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        // all samples equal: every distance is 0, and 0 (not NaN) is the honest normalised value
        if (adjacency[i * n + j] > 0)
          edges.push({ source: i, target: j, distance: meanDistance > 0 ? dist(i, j) / meanDistance : 0 });
      }
    }
    return {
      nodes: Array.from({ length: n }, (_, i) => (labels ? { index: i, label: labels[i] } : { index: i })),
      edges,
      positions: positionsOf(x),
      k: Math.min(k, n - 1),
      meanDistance,
    };
  } finally {
    x.dispose();
  }
}

/** The first two principal components (one feature: that feature and 0). */
function positionsOf(x: tf.Tensor2D): [number, number][] {
  const [n, d] = x.shape;
  const p = pca(x, { components: Math.min(2, d) });
  const xy = p.transform(x);
  const v = xy.dataSync();
  xy.dispose();
  return Array.from({ length: n }, (_, i): [number, number] => (d >= 2 ? [v[2 * i], v[2 * i + 1]] : [v[i], 0]));
}

function labelArray(y: ArrayLike<number> | tf.Tensor1D, n: number): number[] {
  let values: ArrayLike<number>;
  if (y instanceof tf.Tensor) {
    if (y.rank !== 1) throw new Error(`instanceGraph: labels must be a rank-1 tensor, got shape [${y.shape}]`);
    values = y.dataSync();
  } else if (Array.isArray(y) || ArrayBuffer.isView(y)) {
    values = y;
  } else {
    throw new Error(`instanceGraph: labels must be an array or rank-1 tensor of integers, got ${typeof y}`);
  }
  if (values.length !== n)
    throw new Error(`instanceGraph: labels must have one entry per row of embeddings (${n}), got ${values.length}`);
  return Array.from({ length: n }, (_, i) => {
    const v = values[i];
    if (!Number.isInteger(v)) throw new Error(`instanceGraph: labels[${i}] must be an integer, got ${String(v)}`);
    return v;
  });
}
