/**
 * Conv2D gradients for the wasm backend, expressed as forward convolutions (or, for dW of a layer with few
 * input channels, one matrix product over image patches) so that they run on XNNPACK (tfjs-backend-wasm
 * 4.22 has no Conv2DBackpropFilter at all, and its Conv2DBackpropInput is a scalar loop).
 *
 * Notation (NHWC): x [N,H,W,Ci], filter w [fh,fw,Ci,Co], dy [N,Ho,Wo,Co], stride (sh,sw), padding
 * (top,left) as the forward convolution used it; ho*sh + i - top is the input row read by output row ho
 * and filter row i. Dilated forward convolutions have no gradient in tfjs (it throws), so dilation is 1.
 *
 *   dW[i,j,ci,co] = Σ_{n,ho,wo} x[n, ho·sh+i−top, wo·sw+j−left, ci] · dy[n,ho,wo,co]
 *     — a convolution whose "batch" is ci, whose "channels" are n, whose filter is dy (spatial size Ho×Wo)
 *       and whose dilation is the forward stride.
 *   dX[n,h,w,ci]  = Σ_{i,j,co} dy[n,(h+top−i)/sh,(w+left−j)/sw,co] · w[i,j,ci,co]  (only integral rows)
 *     — a stride-1 convolution of dy with zeros inserted between rows/columns (sh−1, sw−1 of them), padded
 *       by fh−1−top above, with the filter rotated 180° and its in/out channels swapped.
 */
import * as tf from '@tensorflow/tfjs';
import { TensorInfo, WasmBackend, conv2d, cropNegative, pad, release, reshape, reverse, run, transpose } from './ops';

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): tf.backend_util.Conv2DInfo {
  const fmt = tf.backend_util.convertConv2DDataFormat(a.dataFormat);
  if (fmt !== 'channelsLast') {
    throw new Error(`kdlab wasm conv2d gradient: dataFormat must be 'NHWC', got '${a.dataFormat}'`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    fmt,
  );
}

/**
 * dW as a forward convolution whose "filter" is dy (the file comment's formula). Besides transposing x here,
 * tfjs's Conv2D transposes its filter — all N·Ho·Wo·Co values of dy, with long rows — into XNNPACK's layout
 * before XNNPACK packs it, on every call (dy is a new tensor each step).
 */
function filterGradDyAsFilter(
  b: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  const [, h, w] = x.shape;
  // The dilated "filter" dy spans (ho-1)*sh+1 rows; to get exactly fh outputs the padded input must have
  // fh + (ho-1)*sh rows. Rows past that are never read (valid padding with a stride): crop them.
  const needH = fh + (ho - 1) * sh,
    needW = fw + (wo - 1) * sw;
  const c = cropNegative(b, x, top, needH - top - h, left, needW - left - w);
  const xT = transpose(b, c.x, [3, 1, 2, 0]); // [Ci, H', W', N]
  const dyT = transpose(b, dy, [1, 2, 0, 3]); // [Ho, Wo, N, Co]
  const g = conv2d(b, xT, dyT, c.pads, [sh, sw]); // [Ci, fh, fw, Co]
  const out = transpose(b, g, [1, 2, 0, 3]); // [fh, fw, Ci, Co]
  release(b, xT, dyT, g, c.owned ? c.x : null);
  return out;
}

/**
 * Writes the transposed patch matrix Pᵀ[k, r] = x[n, ho·sh+i−top, wo·sw+j−left, ci] (0 outside the image)
 * for k = (i, j, ci) and r = (n, ho, wo): row k of Pᵀ is what filter tap (i, j) sees of channel ci at every
 * output position, so dW (as [K, Co]) is Pᵀ · dy (as [R, Co]).
 */
function fillPatchesT(X: Float32Array, P: Float32Array, x: number[], info: tf.backend_util.Conv2DInfo): void {
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  const [n, h, w, ci] = x;
  const rows = n * ho * wo;
  for (let i = 0; i < fh; i++)
    for (let j = 0; j < fw; j++) {
      // Output columns whose input column wo·sw + j − left lies inside the image: [owLo, owHi).
      const owLo = Math.min(wo, Math.max(0, Math.ceil((left - j) / sw)));
      const owHi = Math.max(owLo, Math.min(wo, Math.ceil((w + left - j) / sw)));
      for (let c = 0; c < ci; c++) {
        let o = ((i * fw + j) * ci + c) * rows;
        for (let nn = 0; nn < n; nn++)
          for (let oh = 0; oh < ho; oh++, o += wo) {
            const hh = oh * sh + i - top;
            if (hh < 0 || hh >= h) {
              P.fill(0, o, o + wo);
              continue;
            }
            if (owLo > 0) P.fill(0, o, o + owLo);
            if (owHi < wo) P.fill(0, o + owHi, o + wo);
            let src = ((nn * h + hh) * w + owLo * sw + j - left) * ci + c;
            const step = sw * ci;
            for (let ow = owLo; ow < owHi; ow++, src += step) P[o + ow] = X[src];
          }
      }
    }
}

/**
 * dW as one matrix product dW[K, Co] = Pᵀ[K, R] · dy[R, Co] (R = N·Ho·Wo, K = fh·fw·Ci), with Pᵀ built by a
 * loop on the heap and dy used as it lies. No transposes: the filter formulation above transposes dy into
 * XNNPACK's filter layout (slow for long rows), so this is the cheaper one whenever Pᵀ is no larger than
 * dy (K ≤ Co), as in a first layer on one-channel images (9 against 32 values per output position).
 */
function filterGradPatches(
  b: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { filterHeight: fh, filterWidth: fw, outHeight: ho, outWidth: wo } = info;
  const [n, , , ci] = x.shape;
  const co = dy.shape[3],
    rows = n * ho * wo,
    k = fh * fw * ci;
  // Allocate before taking heap views: growing the heap detaches views taken earlier.
  const pT = b.makeOutput([1, k, rows], 'float32');
  fillPatchesT(b.typedArrayFromHeap(x) as Float32Array, b.typedArrayFromHeap(pT) as Float32Array, x.shape, info);
  const dy3 = reshape(b, dy, [1, rows, co]);
  const g = run('BatchMatMul', { a: pT, b: dy3 }, { transposeA: false, transposeB: false }, b); // [1, K, Co]
  const out = reshape(b, g, [fh, fw, ci, co]);
  release(b, pT, dy3, g);
  return out;
}

/**
 * Conv2DBackpropFilter: inputs {x, dy}, attrs {strides, pad, dataFormat, dimRoundingMode, filterShape}.
 * Both formulations do the same arithmetic on XNNPACK and both have it pack dy; they differ in the layout
 * work around it: transposes of x and of all of dy for the convolution, one loop writing Pᵀ (K·R values)
 * for the product. Take the product when Pᵀ is no larger than dy (measured on bench (b)'s first layer,
 * K = 9 against Co = 32: 17 → 2.4 ms single-threaded; at K = 288, Co = 64 the two are even).
 */
export function conv2DBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TensorInfo {
  const b = args.backend as WasmBackend;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  const info = convInfo(x.shape, attrs.filterShape, attrs);
  const patchColumns = info.filterHeight * info.filterWidth * info.inChannels;
  return patchColumns <= info.outChannels ? filterGradPatches(b, x, dy, info) : filterGradDyAsFilter(b, x, dy, info);
}

/** Inserts s-1 zeros after every row (axis 1) of a [N,H,W,C] tensor via reshape+pad: [N,H*s,W,C]. */
function spreadRows(b: tf.KernelBackend, t: TensorInfo, s: number): TensorInfo {
  const [n, h, w, c] = t.shape;
  const r = reshape(b, t, [n, h, 1, w * c]);
  const p = pad(b, r, [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  const out = reshape(b, p, [n, h * s, w, c]);
  release(b, r, p);
  return out;
}

/** Inserts s-1 zeros after every column (axis 2): [N,H,W*s,C]. */
function spreadCols(b: tf.KernelBackend, t: TensorInfo, s: number): TensorInfo {
  const [n, h, w, c] = t.shape;
  const r = reshape(b, t, [n * h, w, 1, c]);
  const p = pad(b, r, [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  const out = reshape(b, p, [n, h, w * s, c]);
  release(b, r, p);
  return out;
}

/** Conv2DBackpropInput: inputs {dy, filter}, attrs {strides, pad, dataFormat, dimRoundingMode, inputShape}. */
export function conv2DBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs: tf.NamedAttrMap;
}): TensorInfo {
  const b = args.backend as WasmBackend;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  const info = convInfo(attrs.inputShape, filter.shape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const [, h, w] = attrs.inputShape;
  let d = dy;
  if (sh > 1) {
    const t = spreadRows(b, d, sh);
    d = t;
  }
  if (sw > 1) {
    const t = spreadCols(b, d, sw);
    if (d !== dy) release(b, d);
    d = t;
  }
  // d now has ho*sh rows (the last sh-1 are zeros); output row h reads d rows h+top-fh+1 .. h+top.
  const padTop = fh - 1 - top,
    padLeft = fw - 1 - left;
  const padBottom = h + fh - 1 - d.shape[1] - padTop,
    padRight = w + fw - 1 - d.shape[2] - padLeft;
  const c = cropNegative(b, d, padTop, padBottom, padLeft, padRight);
  const rot = reverse(b, filter, [0, 1]);
  const wT = transpose(b, rot, [0, 1, 3, 2]); // [fh, fw, Co, Ci], rotated 180°
  const out = conv2d(b, c.x, wT, c.pads);
  release(b, rot, wT, c.owned ? c.x : null, d !== dy ? d : null);
  return out;
}
