/**
 * Feature-based distillation: the student matches intermediate representations of the teacher.
 */
import * as tf from '@tensorflow/tfjs';
import { safeNormalize, stopGradient } from './numerics';
import { defineOptions, positive, type OptionsOf } from './options';
import { defineTerm, noOptions, noOptionsTerm, pairTerm } from './term';
import { checkSameBatch, checkSameShape, checkTensor, finiteResult } from './validate';

const attentionOptions = defineOptions('attentionTransferLoss', { p: positive(2) });
/** Options of attentionTransferLoss: `p` > 0, the power of the attention map (default 2). */
export type AttentionOptions = OptionsOf<typeof attentionOptions>;

/**
 * FitNets hint loss (Romero et al., "FitNets: Hints for Thin Deep Nets", ICLR 2015):
 *   L = mean over all elements of (s − t)²
 * studentFeat and teacherFeat must have the same shape (any rank, batch first). The regressor that
 * maps student features to the teacher's width belongs to the training stack (a Term's `adapter`).
 * @param studentFeat student features, any rank >= 1, batch first
 * @param teacherFeat teacher features, the same shape
 * @example
 * const loss = kd.losses.fitnetLoss(studentHint, teacherHint); // both [32, 8, 8, 16]
 */
export function fitnetLoss(studentFeat: tf.Tensor, teacherFeat: tf.Tensor): tf.Scalar {
  const fn = 'fitnetLoss';
  checkTensor(fn, 'studentFeat', studentFeat, { min: 1 });
  checkTensor(fn, 'teacherFeat', teacherFeat, { min: 1 });
  checkSameShape(fn, 'studentFeat', studentFeat, 'teacherFeat', teacherFeat);
  const loss = tf.tidy(() => tf.mean<tf.Scalar>(tf.square(tf.sub(studentFeat, stopGradient(teacherFeat)))));
  return finiteResult(fn, loss, [
    { name: 'studentFeat', x: studentFeat },
    { name: 'teacherFeat', x: teacherFeat },
  ]);
}

/**
 * Row-stochastic matrix [outSize, inSize] of adaptive average pooling along one axis (PyTorch's
 * adaptive_avg_pool bins: bin i covers [floor(i·in/out), ceil((i+1)·in/out)) ). When inSize is a
 * multiple of outSize this is ordinary average pooling with kernel = stride = inSize/outSize.
 */
export function adaptivePoolMatrix(inSize: number, outSize: number): tf.Tensor2D {
  const m = new Float32Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return tf.tensor2d(m, [outSize, inSize]);
}

/** Average-pool a batch of maps [N, H, W] down to [N, h, w] (h ≤ H, w ≤ W) with two matrix products. */
function poolMaps(a: tf.Tensor3D, h: number, w: number): tf.Tensor3D {
  const [n, H, W] = a.shape;
  let x: tf.Tensor = a;
  if (w !== W) x = tf.reshape(tf.matMul(tf.reshape(x, [n * H, W]), adaptivePoolMatrix(W, w).transpose()), [n, H, w]);
  if (h !== H) {
    const t = tf.reshape(tf.transpose(x, [0, 2, 1]), [n * w, H]);
    x = tf.transpose(tf.reshape(tf.matMul(t, adaptivePoolMatrix(H, h).transpose()), [n, w, h]), [0, 2, 1]);
  }
  return x as tf.Tensor3D;
}

/** Channel mean of |f|^p for NHWC features: [N, H, W, C] → [N, H, W] (absolute value: the paper's F^p_sum). */
function channelMeanPower(f: tf.Tensor4D, p: number): tf.Tensor3D {
  const powered = p === 2 ? tf.square(f) : tf.pow(tf.abs(f), p);
  return tf.mean<tf.Tensor3D>(powered, -1);
}

/**
 * The attention map attention transfer compares (Zagoruyko & Komodakis 2017): Q = (1/C) Σ_c |f_c|^p over the
 * channels of NHWC features, normalised to unit L2 norm per sample. [N, H, W, C] → [N, H, W].
 * |f|^p as in the paper (not f^p, which is signed for odd p); see attentionTransferLoss for the conventions.
 * Used in chapter 3 (§3.2: a teacher's feature knowledge as a picture) and chapter 5.
 * @param features NHWC features [N, H, W, C]
 * @param p the power (default 2)
 * @example
 * const maps = kd.losses.attentionMap(extract(x).features.block1); // [N, 14, 14]
 */
export function attentionMap(features: tf.Tensor, p = 2): tf.Tensor3D {
  checkTensor('attentionMap', 'features', features, 4);
  if (!(p > 0 && Number.isFinite(p))) throw new Error(`attentionMap: p must be a positive number, got ${p}`);
  return tf.tidy(() => {
    const q = channelMeanPower(features as tf.Tensor4D, p);
    return tf.reshape(safeNormalize(tf.reshape(q, [q.shape[0], -1])), q.shape);
  });
}

/**
 * Attention transfer (Zagoruyko & Komodakis, "Paying More Attention to Attention", ICLR 2017).
 * Attention map of NHWC features f: Q = vec( (1/C) Σ_c |f_c|^p ),  a = Q / ‖Q‖₂ (per sample).
 *   L = mean over batch b and positions j of (a_s[b,j] − a_t[b,j])²
 * studentFeat [N, Hs, Ws, Cs], teacherFeat [N, Ht, Wt, Ct]; channels may differ. If the spatial sizes
 * differ, the larger map (per axis) is average-pooled down to the smaller one BEFORE normalisation
 * (adaptive bins when the sizes are not multiples). Default p = 2. A map that is all zero (dead ReLUs)
 * normalises to zero instead of NaN.
 * Conventions where public implementations differ (the paper decides):
 *  - |f|^p, as the paper's F^p_sum(A) = Σ_c |A_c|^p: implementations that raise f to the power p directly
 *    (x.pow(p)) give SIGNED powers for odd p, which can cancel across channels; for even p both agree.
 *  - Pooling: the paper compares maps of equal size. When sizes differ kdlab pools the ATTENTION MAPS Q (its
 *    bins average |f|^p); implementations that pool the FEATURES f first and then take |·|^p give a different
 *    map (the mean of |f|^p is not |mean f|^p). Equal sizes: no pooling, no difference.
 *  - Scale: (1/C)·Σ_c (the authors' code's channel mean) vs the paper's Σ_c cancels in the normalisation; the
 *    squared difference averaged over b and j is the authors' code's form, which they weigh by β = 1000 (the
 *    paper writes β/2 times the 2-norm of the difference of the normalised maps); use the term weight for β.
 * @param studentFeat NHWC student features [N, Hs, Ws, Cs]
 * @param teacherFeat NHWC teacher features [N, Ht, Wt, Ct]
 * @param options `p` > 0, the power in Q = mean_c |f_c|^p (default 2)
 * @example
 * const loss = kd.losses.attentionTransferLoss(studentConv, teacherConv, { p: 2 });
 */
export function attentionTransferLoss(
  studentFeat: tf.Tensor,
  teacherFeat: tf.Tensor,
  options: AttentionOptions = {},
): tf.Scalar {
  const fn = 'attentionTransferLoss';
  const { p } = attentionOptions.resolve(options);
  checkTensor(fn, 'studentFeat', studentFeat, 4);
  checkTensor(fn, 'teacherFeat', teacherFeat, 4);
  checkSameBatch(fn, 'studentFeat', studentFeat, 'teacherFeat', teacherFeat);
  const loss = tf.tidy(() => {
    let qs = channelMeanPower(studentFeat as tf.Tensor4D, p);
    let qt = channelMeanPower(stopGradient(teacherFeat) as tf.Tensor4D, p);
    const h = Math.min(qs.shape[1], qt.shape[1]);
    const w = Math.min(qs.shape[2], qt.shape[2]);
    qs = poolMaps(qs, h, w);
    qt = poolMaps(qt, h, w);
    const as = safeNormalize(tf.reshape(qs, [qs.shape[0], -1]));
    const at = safeNormalize(tf.reshape(qt, [qt.shape[0], -1]));
    return tf.mean<tf.Scalar>(tf.square(tf.sub(as, at)));
  });
  return finiteResult(fn, loss, [
    { name: 'studentFeat', x: studentFeat },
    { name: 'teacherFeat', x: teacherFeat },
  ]);
}

/** Term constructors of the feature-based losses (part of kd.terms). */
export const featureTerms = {
  /**
   * A `fitnetLoss` term (FitNets hint, Romero et al. 2015): mean squared difference of a student layer,
   * mapped by `adapter` (the regressor), and a teacher layer of the same shape.
   * @param args the Term fields; usually `studentLayer`, `teacherLayer` and `adapter`
   * @example
   * const adapter = kd.models.adapter({ from: [8, 8, 16], to: [8, 8, 32] });
   * kd.terms.fitnet({ studentLayer: 'block1', teacherLayer: 'block1', adapter, weight: 0.5 });
   */
  fitnet: defineTerm('fitnet', noOptions('fitnetLoss'), noOptionsTerm('fitnet', fitnetLoss)),
  /**
   * An `attentionTransferLoss` term (Zagoruyko & Komodakis 2017) between two NHWC layers.
   * @param args `p` (> 0, default 2) and the Term fields; usually `studentLayer`, `teacherLayer`, `weight`
   * @example
   * kd.terms.attention({ studentLayer: 'conv1', teacherLayer: 'conv1', p: 2, weight: 1000 });
   */
  attention: defineTerm('attention', attentionOptions, pairTerm('attention', attentionTransferLoss)),
};
