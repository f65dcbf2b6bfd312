/**
 * Linear centred kernel alignment (Kornblith, Norouzi, Lee & Hinton, "Similarity of Neural Network
 * Representations Revisited", ICML 2019): how alike two representations of the same n samples are,
 * whatever their widths. With X, Y centred per feature and K = XXᵀ, L = YYᵀ (n×n Gram matrices),
 *
 *   CKA(X, Y) = ⟨K, L⟩_F / (‖K‖_F ‖L‖_F)   (= ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F))
 *
 * in [0, 1], 1 for identical representations, unchanged by orthogonal transforms and isotropic scaling of
 * either side, changed by anisotropic scaling. The Gram form keeps memory at n² whatever the width, so conv
 * maps [n, h, w, c] are flattened per sample and compared directly.
 */
import * as tf from '@tensorflow/tfjs';

/** Samples along axis 0: a tensor of rank >= 2 (flattened per sample) or rows of numbers. */
export type Representation = tf.Tensor | number[][];

/**
 * Linear CKA between two representations of the same samples.
 * @param x [n, ...] (any rank >= 2; a conv map [n, h, w, c] is flattened per sample)
 * @param y [n, ...], the same n; the width may differ
 * @returns CKA in [0, 1]
 * @example
 * const s = kd.analysis.cka(teacherFeatures['conv2'], studentFeatures['conv1']);
 */
export function cka(x: Representation, y: Representation): number {
  return ckaMatrix([x], [y])[0][0];
}

/**
 * Linear CKA of every pair (a[i], b[j]): the layer × layer similarity of two networks on one batch.
 * Each Gram matrix is computed once, so the cost is (|a| + |b|) Gram matrices plus |a|·|b| inner products.
 * @param a representations of one network (a list, or a record such as an Extraction's `features`, in its order)
 * @param b representations of the other network (or the same one), on the same samples
 * @returns m[i][j] = cka(a[i], b[j]), |a| rows × |b| columns
 * @example
 * const m = kd.analysis.ckaMatrix(teacherOut.features, studentOut.features);
 * kd.plot.heatmap(m, { x: Object.keys(studentOut.features), y: Object.keys(teacherOut.features) });
 */
export function ckaMatrix(
  a: Representation[] | Record<string, Representation>,
  b: Representation[] | Record<string, Representation>,
): number[][] {
  const as = listOf(a, 'a');
  const bs = listOf(b, 'b');
  const n = samplesOf(as[0], 'a[0]');
  for (const [list, side] of [
    [as, 'a'],
    [bs, 'b'],
  ] as const) {
    list.forEach((r, i) => {
      const m = samplesOf(r, `${side}[${i}]`);
      if (m !== n) throw new Error(`ckaMatrix: ${side}[${i}] must have ${n} samples like a[0], got ${m}`);
    });
  }
  if (n < 2) throw new Error(`ckaMatrix: CKA needs at least 2 samples, got ${n}`);
  const grams: tf.Tensor2D[] = [];
  try {
    const ka = as.map((r, i) => keep(grams, unitGram(r, `a[${i}]`)));
    const kb = b === a ? ka : bs.map((r, i) => keep(grams, unitGram(r, `b[${i}]`)));
    const inner = tf.tidy(() =>
      tf.matMul(tf.stack(ka.map((k) => k.reshape([-1]))), tf.stack(kb.map((k) => k.reshape([-1]))), false, true),
    );
    const values = inner.arraySync() as number[][];
    inner.dispose();
    // ⟨K, L⟩ ≥ 0 for Gram matrices; float32 rounding may step just outside [0, 1].
    return values.map((row) => row.map((v) => Math.min(1, Math.max(0, v))));
  } finally {
    tf.dispose(grams);
  }
}

function keep<T extends tf.Tensor>(owned: tf.Tensor[], t: T): T {
  owned.push(t);
  return t;
}

/** The centred Gram matrix of r divided by its Frobenius norm (caller disposes). */
function unitGram(r: Representation, name: string): tf.Tensor2D {
  return tf.tidy(() => {
    const t = r instanceof tf.Tensor ? r : tf.tensor2d(r);
    const x = tf.cast(t.reshape([t.shape[0], -1]), 'float32');
    const xc = tf.sub(x, tf.mean(x, 0, true));
    const k = tf.matMul(xc, xc, false, true);
    const [norm, scale] = tf.stack([tf.norm(k), tf.sum(tf.square(x))]).dataSync();
    if (!Number.isFinite(norm) || !Number.isFinite(scale))
      throw new Error(`ckaMatrix: ${name} contains NaN or Infinity`);
    // Centring leaves float32 rounding (relative 1e-7 per value) in a constant representation; below this it is noise.
    if (norm <= 1e-10 * scale || norm === 0) {
      throw new Error(`ckaMatrix: ${name} is the same for every sample (zero variance), so its CKA is undefined`);
    }
    return tf.div(k, norm);
  });
}

function listOf(v: Representation[] | Record<string, Representation>, side: string): Representation[] {
  if (v == null || typeof v !== 'object' || v instanceof tf.Tensor) {
    throw new Error(
      `ckaMatrix: ${side} must be a list or a record of representations, got ${v instanceof tf.Tensor ? 'a tensor' : String(v)}`,
    );
  }
  const list = Array.isArray(v) ? v : Object.values(v);
  if (list.length === 0) throw new Error(`ckaMatrix: ${side} must hold at least one representation, got none`);
  return list;
}

function samplesOf(r: Representation, name: string): number {
  if (r instanceof tf.Tensor) {
    if (r.rank < 2)
      throw new Error(`ckaMatrix: ${name} must have rank >= 2 [samples, ...], got shape [${r.shape.join(',')}]`);
    return r.shape[0];
  }
  if (
    !Array.isArray(r) ||
    r.length === 0 ||
    !r.every((row) => Array.isArray(row) && row.length === r[0].length && row.length > 0)
  ) {
    throw new Error(`ckaMatrix: ${name} must be a tensor or a non-empty number[][] with rows of one length`);
  }
  return r.length;
}
