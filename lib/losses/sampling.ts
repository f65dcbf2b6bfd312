/**
 * Distance-weighted negative sampling (Wu, Manmatha, Smola & Krähenbühl, "Sampling Matters in Deep Embedding
 * Learning", ICCV 2017), the `mining: 'distanceWeighted'` option of tripletLoss.
 *
 * Pairwise distances of points spread uniformly on the unit sphere in R^dim have the density
 *   q(d) ∝ d^(dim−2) · (1 − d²/4)^((dim−3)/2),
 * so in high dimension almost every negative sits near √2. Drawing a negative with probability ∝ 1/q(d) spreads
 * the draws over all distances instead: hard negatives are drawn without drawing only the hardest (noisy)
 * ones. As in the paper, distances are clipped below at `cutoff` (0.5; the weight 1/q explodes as d → 0) and
 * negatives at or beyond `nonzeroLossCutoff` (1.4) get weight 0, since a triplet with them would rarely have a
 * loss; when every negative of an anchor is that far, the draw is uniform over its negatives.
 * The density holds for unit-norm embeddings, so the distances given here are those of the L2-normalised rows.
 */
import type { Rng } from '../common/random';

export interface DistanceWeighting {
  /** Distances below are clipped up to it. */
  cutoff: number;
  /** Negatives at this distance or farther are not drawn (unless no negative is nearer). */
  nonzeroLossCutoff: number;
}

/**
 * The sampling weights (unnormalised probabilities) of negatives at distances `d` from an anchor, on the unit
 * sphere in R^dim: min-clipped 1/q(d), scaled so the largest is 1, 0 from `nonzeroLossCutoff` on.
 */
export function distanceWeights(d: ArrayLike<number>, dim: number, w: DistanceWeighting): number[] {
  // log(1/q), computed in logs: d^(2−dim) overflows for dim in the hundreds.
  const logW = Array.from(d, (v) => {
    const c = Math.max(v, w.cutoff);
    return (2 - dim) * Math.log(c) - ((dim - 3) / 2) * Math.log(Math.max(1 - (c * c) / 4, 1e-8));
  });
  const kept = logW.filter((_, i) => d[i] < w.nonzeroLossCutoff);
  if (kept.length === 0) return logW.map(() => 1);
  const max = Math.max(...kept);
  return logW.map((l, i) => (d[i] < w.nonzeroLossCutoff ? Math.exp(l - max) : 0));
}

/** One triplet per (anchor, positive) pair: indices into the batch. */
export interface SampledTriplets {
  anchors: number[];
  positives: number[];
  negatives: number[];
}

/**
 * For every ordered (anchor, positive) pair with at least one negative, a negative drawn with distanceWeights.
 * @param dist the n×n distances of the L2-normalised embeddings, row-major
 * @param labels n labels
 * @param dim the embedding width (of the sphere's ambient space)
 * @param rng uniform [0, 1) draws
 */
export function distanceWeightedTriplets(
  dist: ArrayLike<number>,
  labels: ArrayLike<number>,
  dim: number,
  rng: Rng,
  w: DistanceWeighting,
): SampledTriplets {
  const n = labels.length;
  const out: SampledTriplets = { anchors: [], positives: [], negatives: [] };
  for (let a = 0; a < n; a++) {
    const negatives: number[] = [];
    for (let j = 0; j < n; j++) if (labels[j] !== labels[a]) negatives.push(j);
    if (negatives.length === 0) continue;
    const weights = distanceWeights(
      negatives.map((j) => dist[a * n + j]),
      dim,
      w,
    );
    const total = weights.reduce((s, v) => s + v, 0);
    for (let p = 0; p < n; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      let u = rng() * total;
      let pick = 0;
      while (pick < negatives.length - 1 && u >= weights[pick]) u -= weights[pick++];
      while (weights[pick] === 0) pick--; // rounding can leave u past the last nonzero weight
      out.anchors.push(a);
      out.positives.push(p);
      out.negatives.push(negatives[pick]);
    }
  }
  return out;
}
