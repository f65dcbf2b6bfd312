/**
 * MaxPoolGrad and AvgPoolGrad for the wasm backend, as plain loops over the wasm heap.
 *
 * Why replace the stock kernels (tfjs-backend-wasm 4.22, measured against float64 loops and the
 * tensorflow backend): its MaxPoolGrad routes gradients to the wrong input positions in every
 * configuration tried (2×2/stride 2 'valid' included), so conv nets with max pooling trained on wrong
 * gradients; its AvgPoolGrad, like the cpu backend's, divides by the full window size at 'same'
 * borders, while the forward avgPool divides by the number of in-bounds pixels.
 *
 * Definitions (NHWC, window of output (oh,ow) = input rows oh·sh−top … +fh−1, columns likewise,
 * clipped to the image):
 *   max: the whole dy[n,oh,ow,c] goes to the first (row-major) maximum of the window, as in TF;
 *   avg: every in-bounds pixel of the window receives dy[n,oh,ow,c] / (number of in-bounds pixels).
 * Cost is N·Ho·Wo·C·fh·fw — a few milliseconds for typical CNN layers.
 */
import * as tf from '@tensorflow/tfjs';
import { TensorInfo, WasmBackend } from './ops';

export interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export interface Geo {
  N: number;
  H: number;
  W: number;
  C: number;
  Ho: number;
  Wo: number;
  sh: number;
  sw: number;
  fh: number;
  fw: number;
  top: number;
  left: number;
}

/** Max: per window, a running (best, position) per channel over the window's pixels, channels innermost. */
function maxLoop(x: Float32Array, g: Float32Array, dx: Float32Array, p: Geo): void {
  const { N, H, W, C, Ho, Wo, sh, sw, fh, fw, top, left } = p;
  const best = new Float32Array(C),
    at = new Int32Array(C);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < Ho; oh++) {
      const h0 = Math.max(0, oh * sh - top),
        h1 = Math.min(H, oh * sh - top + fh);
      for (let ow = 0; ow < Wo; ow++) {
        const w0 = Math.max(0, ow * sw - left),
          w1 = Math.min(W, ow * sw - left + fw);
        if (h1 <= h0 || w1 <= w0) continue;
        at.fill(-1);
        for (let h = h0; h < h1; h++)
          for (let w = w0; w < w1; w++) {
            const base = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (at[c] < 0 || v > best[c]) {
                best[c] = v;
                at[c] = base + c;
              }
            }
          }
        const gBase = ((n * Ho + oh) * Wo + ow) * C;
        for (let c = 0; c < C; c++) dx[at[c]] += g[gBase + c];
      }
    }
}

/**
 * Max for the layout conv nets use: 2×2 windows at stride 2, each wholly inside the image. Windows are
 * disjoint, so each input pixel receives at most one gradient and can be assigned rather than summed;
 * the caller has zeroed dx for the pixels no window covers. Same tie rule as maxLoop (first row-major
 * maximum), with the four candidates in registers instead of the running arrays.
 */
function max2x2Loop(x: Float32Array, g: Float32Array, dx: Float32Array, p: Geo): void {
  const { N, H, W, C, Ho, Wo } = p;
  const rowStep = W * C;
  let gi = 0;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const a0 = ((n * H + 2 * oh) * W + 2 * ow) * C,
          b0 = a0 + C,
          c0 = a0 + rowStep,
          d0 = c0 + C;
        for (let c = 0; c < C; c++, gi++) {
          let at = a0 + c,
            best = x[at];
          let v = x[b0 + c];
          if (v > best) {
            best = v;
            at = b0 + c;
          }
          v = x[c0 + c];
          if (v > best) {
            best = v;
            at = c0 + c;
          }
          if (x[d0 + c] > best) at = d0 + c;
          dx[at] = g[gi];
        }
      }
    }
}

/** Avg: every in-bounds pixel of a window receives dy / count, channels innermost. */
export function avgLoop(g: Float32Array, dx: Float32Array, p: Geo): void {
  const { N, H, W, C, Ho, Wo, sh, sw, fh, fw, top, left } = p;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < Ho; oh++) {
      const h0 = Math.max(0, oh * sh - top),
        h1 = Math.min(H, oh * sh - top + fh);
      for (let ow = 0; ow < Wo; ow++) {
        const w0 = Math.max(0, ow * sw - left),
          w1 = Math.min(W, ow * sw - left + fw);
        const count = (h1 - h0) * (w1 - w0);
        if (count <= 0) continue;
        const inv = 1 / count,
          gBase = ((n * Ho + oh) * Wo + ow) * C;
        for (let h = h0; h < h1; h++)
          for (let w = w0; w < w1; w++) {
            const base = ((n * H + h) * W + w) * C;
            for (let c = 0; c < C; c++) dx[base + c] += g[gBase + c] * inv;
          }
      }
    }
}

/** Pool geometry from a pooling kernel's attributes (tfjs's own padding arithmetic). */
export function poolGeometry(inputShape: number[], a: PoolAttrs, what: string): Geo {
  const info = tf.backend_util.computePool2DInfo(
    inputShape as [number, number, number, number],
    a.filterSize,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
  );
  if (info.dataFormat !== 'channelsLast') throw new Error(`kdlab ${what}: only NHWC is supported`);
  return {
    N: info.batchSize,
    H: info.inHeight,
    W: info.inWidth,
    C: info.inChannels,
    Ho: info.outHeight,
    Wo: info.outWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    fh: info.filterHeight,
    fw: info.filterWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

function poolGrad(kind: 'max' | 'avg'): tf.KernelFunc {
  return (args) => {
    const b = args.backend as WasmBackend;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const a = args.attrs as unknown as PoolAttrs;
    const p = poolGeometry(input.shape, a, `wasm ${kind}PoolGrad`);
    if (dy.shape[1] !== p.Ho || dy.shape[2] !== p.Wo) {
      throw new Error(
        `kdlab wasm ${kind}PoolGrad: dy has shape [${dy.shape}], expected [${p.N},${p.Ho},${p.Wo},${p.C}]`,
      );
    }
    // Allocate first: growing the heap would detach views taken earlier.
    const out = b.makeOutput(input.shape, 'float32');
    const dx = b.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    if (kind === 'max') {
      const disjoint2x2 =
        p.fh === 2 &&
        p.fw === 2 &&
        p.sh === 2 &&
        p.sw === 2 &&
        p.top === 0 &&
        p.left === 0 &&
        2 * p.Ho <= p.H &&
        2 * p.Wo <= p.W;
      (disjoint2x2 ? max2x2Loop : maxLoop)(
        b.typedArrayFromHeap(input) as Float32Array,
        b.typedArrayFromHeap(dy) as Float32Array,
        dx,
        p,
      );
    } else avgLoop(b.typedArrayFromHeap(dy) as Float32Array, dx, p);
    return out;
  };
}

export const maxPoolGrad = poolGrad('max');
export const avgPoolGrad = poolGrad('avg');
