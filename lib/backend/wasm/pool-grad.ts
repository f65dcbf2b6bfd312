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

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function poolGrad(kind: 'max' | 'avg'): tf.KernelFunc {
  return (args) => {
    const b = args.backend as WasmBackend;
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const a = args.attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    if (info.dataFormat !== 'channelsLast') throw new Error(`kdlab wasm ${kind}PoolGrad: only NHWC is supported`);
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo,
      strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    if (dy.shape[1] !== Ho || dy.shape[2] !== Wo) {
      throw new Error(`kdlab wasm ${kind}PoolGrad: dy has shape [${dy.shape}], expected [${N},${Ho},${Wo},${C}]`);
    }
    // Allocate first: growing the heap would detach views taken earlier.
    const out = b.makeOutput(input.shape, 'float32');
    const dx = b.typedArrayFromHeap(out) as Float32Array;
    const g = b.typedArrayFromHeap(dy) as Float32Array;
    const x = kind === 'max' ? (b.typedArrayFromHeap(input) as Float32Array) : null;
    dx.fill(0);
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < Ho; oh++) {
        const h0 = Math.max(0, oh * sh - top), h1 = Math.min(H, oh * sh - top + fh);
        for (let ow = 0; ow < Wo; ow++) {
          const w0 = Math.max(0, ow * sw - left), w1 = Math.min(W, ow * sw - left + fw);
          const gBase = ((n * Ho + oh) * Wo + ow) * C;
          if (x) {
            for (let c = 0; c < C; c++) {
              let best = -Infinity, at = -1;
              for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) {
                const i = ((n * H + h) * W + w) * C + c;
                if (x[i] > best || at < 0) { best = x[i]; at = i; }
              }
              if (at >= 0) dx[at] += g[gBase + c];
            }
          } else {
            const count = (h1 - h0) * (w1 - w0);
            if (count <= 0) continue;
            for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) {
              const base = ((n * H + h) * W + w) * C;
              for (let c = 0; c < C; c++) dx[base + c] += g[gBase + c] / count;
            }
          }
        }
      }
    }
    return out;
  };
}

export const maxPoolGrad = poolGrad('max');
export const avgPoolGrad = poolGrad('avg');
