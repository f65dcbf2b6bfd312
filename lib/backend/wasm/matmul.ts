/**
 * BatchMatMul for the wasm backend with transposed operands on the fast path.
 *
 * tfjs-backend-wasm 4.22 only hands untransposed products to XNNPACK (≈30 GFLOPS here); with
 * transposeA or transposeB — which every matmul gradient uses (dA = dY·Bᵀ, dB = Aᵀ·dY) — it runs a
 * scalar loop (≈2–3 GFLOPS). Materialising the transpose costs O(size) and leaves an O(m·n·k) product
 * on the fast path.
 */
import * as tf from '@tensorflow/tfjs';
import { TensorInfo, release, transpose } from './ops';

/** Swaps the last two axes. */
function swapLast(b: tf.KernelBackend, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  if (r < 2) throw new Error(`kdlab wasm BatchMatMul: operand must have rank >= 2, got shape [${x.shape}]`);
  const perm = x.shape.map((_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return transpose(b, x, perm);
}

/**
 * Wraps a stock wasm BatchMatMul or _FusedMatMul kernel function `stock` (extra inputs such as bias pass through).
 *
 * XNNPACK packs the second operand (it treats it as weights) on every call with a new tensor, which costs about
 * as much as a transpose of it. So for a plain product of single matrices, when materialising op(A)·op(B)
 * would move more values than computing the transpose op(B)ᵀ·op(A)ᵀ and transposing the (small) result, take
 * the latter: dX = dY·Wᵀ of a wide dense layer then uses W as it lies and packs only dYᵀ. Not for
 * _FusedMatMul (`plainProduct` false), whose bias and activation are laid out for the untransposed result.
 */
export function fastBatchMatMul(stock: tf.KernelFunc, plainProduct = false): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock(args);
    const be = args.backend as tf.KernelBackend;
    if (plainProduct && isSingleMatrix(a) && isSingleMatrix(b)) {
      const sizeA = size(a),
        sizeB = size(b);
      const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
      const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
      // Values moved (transposed or packed) by each way round.
      const direct = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
      const swapped = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + sizeA + m * n;
      if (swapped < direct) {
        const bT = transposeB ? b : swapLast(be, b); // op(B)ᵀ
        const aT = transposeA ? a : swapLast(be, a); // op(A)ᵀ
        const cT = stock({
          ...args,
          inputs: { a: bT, b: aT },
          attrs: { ...args.attrs, transposeA: false, transposeB: false },
        }) as TensorInfo;
        const out = swapLast(be, cT);
        release(be, cT, transposeB ? null : bT, transposeA ? null : aT);
        return out;
      }
    }
    const a2 = transposeA ? swapLast(be, a) : a;
    const b2 = transposeB ? swapLast(be, b) : b;
    const out = stock({
      ...args,
      inputs: { ...args.inputs, a: a2, b: b2 },
      attrs: { ...args.attrs, transposeA: false, transposeB: false },
    });
    release(be, transposeA ? a2 : null, transposeB ? b2 : null);
    return out;
  };
}

const size = (t: TensorInfo) => t.shape.reduce((p, q) => p * q, 1);
/** Rank 2, or rank ≥ 3 with every batch dimension 1 (the only case the stock kernel sends to XNNPACK). */
const isSingleMatrix = (t: TensorInfo) => t.shape.length >= 2 && t.shape.slice(0, -2).every((d) => d === 1);
