/**
 * RKD's potentials and objective (Park et al. 2019). Wide embeddings use the Gram matrix G = X·Xᵀ of the centred
 * batch instead of the [N, N, D] tensor of pairwise differences:
 *   ‖x_a − x_b‖² = G_aa + G_bb − 2·G_ab,   (x_b − x_a)·(x_c − x_a) = G_bc − G_ab − G_ac + G_aa.
 * That is one [N, D]×[D, N] product and element-wise [N, N] and [N, N, N] ops: no [N, N, D] tensor (on wasm the
 * batched [N, N, D] products of the angle term were ~2/3 of the step).
 * The Gram form cancels: its cosines at a pair closer than ~1 % of the batch's spread carry absolute errors
 * ≈ 1e-6·spread²/(d_ab·d_ac). Points crowd like that often in a few dimensions (of random 1–16-d batches drawn
 * as A3's hidden tests draw them, ~1 % had a cosine off by more than 1e-4) and rarely in wide embeddings, so
 * batches of width ≤ DIFFERENCES_MAX_WIDTH use the differences, as the paper writes them.
 * On tensorflow, where each op costs more to dispatch than to compute at the bench's size (64 × 128;
 * test/bench/README.md), student and teacher go through every op together, stacked (sidesGeometry). The objective
 * is one custom-gradient op whose backward pass is written out: masks are not differentiated into zeros, and no |·|
 * or mask gradient runs tfjs-node's 4-op `Step`.
 * All functions expect to be called inside a tf.tidy (the losses do that).
 */
import * as tf from '@tensorflow/tfjs';

/** Widths up to this use the [N, N, D] differences (exact zeros, no cancellation); wider ones the Gram form. */
const DIFFERENCES_MAX_WIDTH = 32;

/**
 * A squared distance from the Gram form below RESOLUTION · (‖x_a‖² + ‖x_b‖²) is rounding error of the products
 * (≈ √D float32 ulps of ‖x‖²), not a distance: it is taken as exactly 0, so a repeated sample is at distance 0
 * (and its angles follow the zero-length convention) whatever order a backend sums the products in.
 * Only pairs closer than ≈ 0.0055·‖x‖ (after centring the batch) are affected; the Gram form cannot resolve
 * them anyway (their cosines would be mostly rounding).
 */
const RESOLUTION = 2 ** -16;

type Kind = 'gram' | 'differences';

/** S stacked batches' distances [S, N, N], and how to form their products M_abc = (x_b − x_a)·(x_c − x_a). */
interface Geometry {
  kind: Kind;
  /** 'gram': the batches minus their means [S, N, D] (distances and angles do not change; the Gram form loses
   * less to rounding); 'differences': Δ [S, N, N, D], Δ_ab = x_b − x_a. */
  basis: tf.Tensor;
  /** ‖x_a − x_b‖ [S, N, N], exactly 0 on the diagonal and for repeated samples (see RESOLUTION). */
  d: tf.Tensor3D;
  /** 1 / d, and 0 where d is 0 (a zero-length difference has no direction: its unit vector is 0). */
  r: tf.Tensor3D;
  /** M [S, N, N, N], symmetric in (b, c). */
  products: () => tf.Tensor4D;
}

const kindOf = (...widths: number[]): Kind => (Math.min(...widths) <= DIFFERENCES_MAX_WIDTH ? 'differences' : 'gram');

function geometry(batches: tf.Tensor3D, kind: Kind): Geometry {
  const [S, n, width] = batches.shape;
  if (kind === 'differences') {
    const diff = tf.sub<tf.Tensor4D>(tf.reshape(batches, [S, 1, n, width]), tf.reshape(batches, [S, n, 1, width]));
    const sq = tf.sum<tf.Tensor3D>(tf.square(diff), -1);
    const rows = tf.reshape<tf.Rank.R3>(diff, [S * n, n, width]);
    return {
      kind,
      basis: diff,
      ...fromSquared(sq, tf.cast(tf.greater(sq, 0), 'float32')),
      products: () => tf.reshape(tf.matMul(rows, rows, false, true), [S, n, n, n]),
    };
  }
  const x = tf.sub<tf.Tensor3D>(batches, tf.mean(batches, 1, true));
  const gram = tf.matMul<tf.Tensor3D>(x, x, false, true);
  // G_aa read off G itself (not a separate Σx²), so G_aa + G_aa − 2·G_aa is exactly 0 on the diagonal.
  const sqNorms = tf.sum<tf.Tensor3D>(tf.mul(gram, tf.eye(n)), 2, true);
  const normSums = tf.add<tf.Tensor3D>(sqNorms, tf.reshape(sqNorms, [S, 1, n]));
  const sq = tf.sub<tf.Tensor3D>(normSums, tf.add(gram, gram));
  const products = () => {
    const h = tf.sub(gram, tf.mul(sqNorms, 0.5)); // h_ab = G_ab − G_aa/2:  M_abc = G_bc − h_ab − h_ac
    const gbc = tf.reshape(gram, [S, 1, n, n]);
    return tf.sub<tf.Tensor4D>(tf.sub(gbc, tf.reshape(h, [S, n, n, 1])), tf.reshape(h, [S, n, 1, n]));
  };
  const resolved = tf.cast(tf.greater(sq, tf.mul(normSums, RESOLUTION)), 'float32');
  return { kind, basis: x, ...fromSquared(sq, resolved), products };
}

/** d and r from squared distances and the mask of pairs taken as apart (sq may be slightly negative elsewhere). */
function fromSquared(sq: tf.Tensor3D, apart: tf.Tensor): { d: tf.Tensor3D; r: tf.Tensor3D } {
  const d = tf.sqrt(tf.mul<tf.Tensor3D>(sq, apart));
  return { d, r: tf.div<tf.Tensor3D>(apart, tf.add(d, tf.sub(1, apart))) };
}

/** ψ = d / μ per batch, μ = Σ_{a≠b} d_ab / (N(N−1)) (all zeros when every distance is 0), and 1/μ (0 when μ is 0). */
function scaledDistances(d: tf.Tensor3D): { psi: tf.Tensor3D; invMu: tf.Tensor3D } {
  const n = d.shape[1];
  const mu = tf.div<tf.Tensor3D>(tf.sum(d, [1, 2], true), Math.max(n * (n - 1), 1));
  const positive = tf.cast(tf.greater(mu, 0), 'float32'); // not numerics' step-based masks: Step is 4 ops on tensorflow
  const divisor = tf.add(mu, tf.sub(1, positive));
  return { psi: tf.div(d, divisor), invMu: tf.div(positive, divisor) };
}

/** cos[s, a, b, c] = ⟨e_ab, e_ac⟩ = r_ab · r_ac · M_abc, and rr = r_ab · r_ac. Symmetric in (b, c). */
function cosines(g: Geometry): { cos: tf.Tensor4D; rr: tf.Tensor4D } {
  const [S, n] = g.d.shape;
  const rr = tf.mul<tf.Tensor4D>(tf.reshape(g.r, [S, n, n, 1]), tf.reshape(g.r, [S, n, 1, n]));
  return { cos: tf.mul(rr, g.products()), rr };
}

/**
 * RKD's two potentials of one batch [N, D]:
 *  - `distances` [N, N]: ψ_ab = ‖x_a − x_b‖ / μ, μ = Σ_{a≠b} ‖x_a − x_b‖ / (N(N−1)) (Park et al.'s μ). Pairs of
 *    identical samples (a repeated image, collapsed embeddings) count in μ with distance 0, as in the paper and
 *    the authors' code; leaving them out would inflate μ and shrink every ψ. The diagonal is 0, so Σ_{a≠b} is
 *    the sum of the whole matrix. With N = 1, or when every distance is 0, the matrix stays all zeros.
 *  - `angles` [N, N, N]: entry [a, b, c] = ⟨e_ab, e_ac⟩, e_ab = (x_b − x_a)/‖x_b − x_a‖. Degenerate triplets
 *    (b = a or c = a, or duplicate samples) have e = 0 and cosine 0.
 */
export function rkdPotentialsOf(x: tf.Tensor2D): { distances: tf.Tensor2D; angles: tf.Tensor3D } {
  const [n, width] = x.shape;
  const g = geometry(tf.reshape(x, [1, n, width]), kindOf(width));
  return {
    distances: tf.reshape(scaledDistances(g.d).psi, [n, n]),
    angles: tf.reshape(cosines(g).cos, [n, n, n]),
  };
}

/**
 * Mean Huber loss (δ = 1) of the differences r and its slope: with c = clip(r, −1, 1), huber(r) = c·(r − c/2)
 * (0.5·r² where |r| < 1, |r| − 0.5 elsewhere, bit for bit) and huber'(r) = c. One clip instead of |·| and a
 * mask, whose gradients run `Step` on tensorflow.
 */
function huber(r: tf.Tensor): { mean: tf.Scalar; slope: tf.Tensor } {
  const c = tf.clipByValue(r, -1, 1);
  return { mean: tf.mean(tf.mul(c, tf.sub(r, tf.mul(c, 0.5)))), slope: c };
}

/** The student's half [N, ...] and the teacher's of a stacked [2, N, ...] tensor (one op). */
const halves = (x: tf.Tensor): [tf.Tensor, tf.Tensor] => tf.unstack(x) as [tf.Tensor, tf.Tensor];
/** [1, ...] → [...]. */
const unbatch = (x: tf.Tensor): tf.Tensor => tf.reshape(x, x.shape.slice(1));

/**
 * The geometry of the student s [N, Ds] and the teacher t [N, Dt], and the student's basis [N, Ds] or [N, N, Ds].
 * On tensorflow, where a step is bound by the number of ops, both go through one stacked geometry [2, N, D] (the
 * narrower one padded with zero columns, which moves no distance or angle; one kind for both). Elsewhere each side
 * gets its own, of its own kind: on wasm the batched product and the un-stacking cost more than the ops they save
 * (measured: (c) ~15 % slower stacked).
 */
function sidesGeometry(s: tf.Tensor2D, t: tf.Tensor2D): { kind: Kind; geometries: Geometry[]; sBasis: tf.Tensor } {
  const [n, ds] = s.shape;
  const dt = t.shape[1];
  if (tf.getBackend() !== 'tensorflow') {
    const geometries = [s, t].map((x) => geometry(tf.reshape(x, [1, n, x.shape[1]]), kindOf(x.shape[1])));
    return { kind: geometries[0].kind, geometries, sBasis: unbatch(geometries[0].basis) };
  }
  const width = Math.max(ds, dt);
  const padded = (x: tf.Tensor2D) =>
    x.shape[1] === width
      ? x
      : tf.pad(x, [
          [0, 0],
          [0, width - x.shape[1]],
        ]);
  const kind = kindOf(ds, dt);
  const g = geometry(tf.stack([padded(s), padded(t)]) as tf.Tensor3D, kind);
  // The student's own basis, without the teacher's half or padding.
  const basis =
    kind === 'gram' ? tf.slice(g.basis, [0, 0, 0], [1, n, ds]) : tf.slice(g.basis, [0, 0, 0, 0], [1, n, n, ds]);
  return { kind, geometries: [g], sBasis: unbatch(basis) };
}

/**
 * distanceWeight · L_D + angleWeight · L_A of student s [N, Ds] and teacher t [N, Dt] (a term whose weight is 0
 * is not computed), with its gradient w.r.t. s written out; the gradient w.r.t. t is 0 (the teacher is a fixed
 * target).
 *
 * Backward, with dψ = k_D · huber'(ψ_s − ψ_t), k_D = w_D/N², and dcos = k_A · huber'(cos_s − cos_t), k_A = w_A/N³
 * (times dy):
 *  - ψ = d/μ, μ = Σd/P:  ∂/∂d = (dψ − Σ(dψ ⊙ ψ)/P) / μ.
 *  - cos_abc = r_ab r_ac M_abc, symmetric in (b, c), so r_ab's two roles give equal sums, and r = 1/d gives
 *    ∂r/∂d = −r²:  ∂/∂d_ab += −2 r_ab² Σ_c dcos_abc M_abc r_ac = −2 r_ab Σ_c dcos_abc cos_abc;
 *    ∂/∂M = dM = dcos ⊙ r_ab r_ac.
 *  - d = √sq: ∂/∂sq = ∂/∂d · r/2 (0 where d is 0: the subgradient 0, as safeSqrt gives). From ∂/∂sq and dM to
 *    the batch: gramPullback or differencePullback.
 */
export function rkdObjective(s: tf.Tensor2D, t: tf.Tensor2D, distanceWeight: number, angleWeight: number): tf.Scalar {
  const op = tf.customGrad((sIn, tIn, saveIn) => {
    const [s2, t2, save] = [sIn as tf.Tensor2D, tIn as tf.Tensor2D, saveIn as (tensors: tf.Tensor[]) => void];
    const n = s2.shape[0];
    const teacherShape = t2.shape; // a plain value: gradFunc runs after this scope's tensors are gone
    const { kind, geometries, sBasis } = sidesGeometry(s2, t2);
    // [student, teacher] of a quantity of the geometries: the two halves of the stacked one, or one from each.
    const split = (xs: tf.Tensor[]): [tf.Tensor, tf.Tensor] =>
      xs.length === 1 ? halves(xs[0]) : [unbatch(xs[0]), unbatch(xs[1])];
    const saved: tf.Tensor[] = [sBasis, split(geometries.map((g) => g.r))[0]];
    let loss: tf.Scalar | null = null;
    if (distanceWeight > 0) {
      const scaled = geometries.map((g) => scaledDistances(g.d));
      const [psiS, psiT] = split(scaled.map((x) => x.psi));
      const hd = huber(tf.sub(psiS, psiT));
      loss = tf.mul<tf.Scalar>(distanceWeight, hd.mean);
      saved.push(psiS, split(scaled.map((x) => x.invMu))[0], hd.slope);
    }
    if (angleWeight > 0) {
      const angles = geometries.map(cosines);
      const [cosS, cosT] = split(angles.map((a) => a.cos));
      const ha = huber(tf.sub(cosS, cosT));
      const term = tf.mul<tf.Scalar>(angleWeight, ha.mean);
      loss = loss === null ? term : tf.add<tf.Scalar>(loss, term);
      saved.push(cosS, split(angles.map((a) => a.rr))[0], ha.slope); // rr: a broadcast mul is slow on cpu
    }
    save(saved);
    return {
      value: loss!,
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => [
        rkdGradient(kind, n, dy as tf.Scalar, kept, distanceWeight, angleWeight),
        tf.zeros(teacherShape),
      ],
    };
  });
  return op(s, t);
}

/** The student's gradient of rkdObjective (derivation there), from the tensors its forward pass saved. */
function rkdGradient(kind: Kind, n: number, dy: tf.Scalar, kept: tf.Tensor[], wd: number, wa: number): tf.Tensor2D {
  const [basis, r] = kept as [tf.Tensor, tf.Tensor2D];
  let rest = kept.slice(2);
  // Accumulators start as null, not zeros: every op counts at these sizes.
  let dd: tf.Tensor | null = null;
  let dM: AngleSlope | null = null;
  if (wd > 0) {
    const [psi, invMu, slope] = rest;
    rest = rest.slice(3);
    const dPsi = tf.mul(slope, tf.mul(dy, wd / (n * n)));
    const mean = tf.div(tf.sum(tf.mul(dPsi, psi)), Math.max(n * (n - 1), 1));
    dd = tf.mul(tf.sub(dPsi, mean), invMu);
  }
  if (wa > 0) {
    const [cos, rr, slope] = rest;
    const k = tf.mul(dy, wa / (n * n * n));
    // dM / k = slope ⊙ r_ab r_ac; the scale k is applied to its (smaller) sums instead of to it.
    const unscaled = tf.mul(slope, rr);
    dM = { unscaled, k };
    const fromAngles = tf.mul(tf.mul(r, tf.sum(tf.mul(slope, cos), -1)), tf.mul(k, -2));
    dd = dd === null ? fromAngles : tf.add(dd, fromAngles);
  }
  const dSq = tf.mul(dd!, tf.mul(r, 0.5));
  return kind === 'gram' ? gramPullback(basis as tf.Tensor2D, dSq, dM) : differencePullback(basis, dSq, dM);
}

/** dM = k · unscaled [N, N, N] (k a scalar tensor). */
interface AngleSlope {
  unscaled: tf.Tensor;
  k: tf.Tensor;
}

/**
 * sq_ab = G_aa + G_bb − 2 G_ab and M_abc = G_bc − h_ab − h_ac, h_ab = G_ab − G_aa/2 (dM symmetric in (b, c)).
 * With R_ab = Σ_c dM_abc and C_bc = Σ_a dM_abc (symmetric), ∂h_ab = −2 R_ab and
 *   ∂/∂G = −2 (∂sq + R) + C,   ∂/∂G_aa += Σ_b (∂sq_ab + ∂sq_ba + R_ab);
 * G = X Xᵀ: ∂/∂X = (∂G + ∂Gᵀ) X, where the diagonal part is 2 ∂G_aa x_a. With A = ∂sq + R:
 *   ∂/∂X = 2 [(C − A − Aᵀ) X + (Σ_b A_ab + Σ_b ∂sq_ba) ⊙ x_a].
 * The batch mean removed first needs no term: a loss of distances and angles does not change when every sample
 * moves by the same vector, so the per-sample gradients already sum to 0.
 */
function gramPullback(x: tf.Tensor2D, dSq: tf.Tensor, dM: AngleSlope | null): tf.Tensor2D {
  const n = x.shape[0];
  let a = dSq;
  let mixed: tf.Tensor;
  if (dM === null) mixed = tf.neg(tf.add(a, tf.transpose(a)));
  else {
    a = tf.add(dSq, tf.mul(tf.sum(dM.unscaled, -1), dM.k));
    mixed = tf.sub(tf.mul(tf.sum(dM.unscaled, 0), dM.k), tf.add(a, tf.transpose(a)));
  }
  const diagonal = tf.add(tf.sum(a, 1, true), tf.reshape(tf.sum(dSq, 0), [n, 1]));
  return tf.mul(tf.add(tf.matMul(mixed, x), tf.mul(diagonal, x)), 2);
}

/**
 * sq_ab = Σ_k Δ_abk² and M_abc = Δ_ab·Δ_ac (dM symmetric in (b, c)):  ∂/∂Δ_ab = 2 ∂sq_ab Δ_ab + 2 Σ_c dM_abc Δ_ac;
 * Δ_ab = x_b − x_a:  ∂/∂x_j = Σ_a ∂Δ_aj − Σ_b ∂Δ_jb.
 */
function differencePullback(diff: tf.Tensor, dSq: tf.Tensor, dM: AngleSlope | null): tf.Tensor2D {
  let dDiff = tf.mul(tf.expandDims(dSq, -1), diff);
  if (dM !== null) dDiff = tf.add(dDiff, tf.matMul(tf.mul<tf.Tensor3D>(dM.unscaled, dM.k), diff as tf.Tensor3D));
  return tf.mul<tf.Tensor2D>(tf.sub(tf.sum(dDiff, 0), tf.sum(dDiff, 1)), 2);
}
