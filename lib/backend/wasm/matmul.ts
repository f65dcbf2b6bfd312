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
  perm[r - 2] = r - 1; perm[r - 1] = r - 2;
  return transpose(b, x, perm);
}

/** Wraps a stock wasm BatchMatMul or _FusedMatMul kernel function `stock` (extra inputs such as bias pass through). */
export function fastBatchMatMul(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock(args);
    const be = args.backend as tf.KernelBackend;
    const a2 = transposeA ? swapLast(be, a) : a;
    const b2 = transposeB ? swapLast(be, b) : b;
    const out = stock({ ...args, inputs: { ...args.inputs, a: a2, b: b2 }, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    release(be, transposeA ? a2 : null, transposeB ? b2 : null);
    return out;
  };
}
