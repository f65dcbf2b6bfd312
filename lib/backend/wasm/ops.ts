/**
 * Tiny helpers for composing wasm kernels out of other, already registered wasm kernels.
 *
 * A kernel function receives raw TensorInfos (no engine bookkeeping), so intermediate results are
 * created and released through the backend directly: `run()` calls a registered kernel's kernelFunc,
 * `release()` hands the buffer back (`disposeData` honours the wasm backend's reference counts, so
 * reshape-style aliases are safe to release too).
 */
import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;
/** The subset of tfjs-backend-wasm's BackendWasm we touch (kept structural so tsc needs no wasm types). */
export interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  readSync(dataId: tf.DataId): tf.BackendValues;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

type Attrs = Record<string, unknown>;

/** Runs kernel `name` of backend `backendName` (default wasm) on raw TensorInfos. */
export function run(
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs,
  backend: tf.KernelBackend,
  backendName = 'wasm',
): TensorInfo {
  const k = tf.getKernel(name, backendName);
  if (!k) throw new Error(`kdlab wasm kernels: kernel '${name}' is not registered for backend '${backendName}'`);
  const out = k.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend });
  if (Array.isArray(out))
    throw new Error(`kdlab wasm kernels: kernel '${name}' returned several outputs, expected one`);
  return out;
}

export function release(backend: tf.KernelBackend, ...infos: (TensorInfo | null | undefined)[]): void {
  for (const t of infos) if (t) backend.disposeData(t.dataId);
}

export const transpose = (b: tf.KernelBackend, x: TensorInfo, perm: number[]) => run('Transpose', { x }, { perm }, b);
export const reshape = (b: tf.KernelBackend, x: TensorInfo, shape: number[]) => run('Reshape', { x }, { shape }, b);
export const reverse = (b: tf.KernelBackend, x: TensorInfo, dims: number[]) => run('Reverse', { x }, { dims }, b);
export const pad = (b: tf.KernelBackend, x: TensorInfo, paddings: [number, number][]) =>
  run('PadV2', { x }, { paddings, constantValue: 0 }, b);
export const slice = (b: tf.KernelBackend, x: TensorInfo, begin: number[], size: number[]) =>
  run('Slice', { x }, { begin, size }, b);

/**
 * Stride-1 NHWC conv2d with explicit (non-negative) padding and optional dilation, on XNNPACK.
 * `pads` = [[top, bottom], [left, right]].
 */
export function conv2d(
  b: tf.KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  pads: [[number, number], [number, number]],
  dilations: [number, number] = [1, 1],
): TensorInfo {
  return run(
    'Conv2D',
    { x, filter },
    {
      strides: [1, 1],
      dilations,
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
      pad: [[0, 0], pads[0], pads[1], [0, 0]],
    },
    b,
  );
}

/**
 * Applies signed spatial padding to an NHWC tensor: positive amounts are returned for the convolution to
 * pad with zeros (XNNPACK does that for free), negative amounts crop rows/columns now.
 * Returns the (possibly cropped) tensor, whether it is a new buffer, and the remaining non-negative pads.
 */
export function cropNegative(
  b: tf.KernelBackend,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: TensorInfo; owned: boolean; pads: [[number, number], [number, number]] } {
  const [n, h, w, c] = x.shape;
  const ct = Math.max(0, -top),
    cb = Math.max(0, -bottom),
    cl = Math.max(0, -left),
    cr = Math.max(0, -right);
  const pads: [[number, number], [number, number]] = [
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
  ];
  if (ct + cb + cl + cr === 0) return { x, owned: false, pads };
  if (h - ct - cb <= 0 || w - cl - cr <= 0) {
    throw new Error(`kdlab wasm kernels: cropping [${ct},${cb},${cl},${cr}] leaves nothing of a ${h}x${w} map`);
  }
  return { x: slice(b, x, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]), owned: true, pads };
}
