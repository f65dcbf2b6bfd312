/**
 * Sum over the leading axes of a float32 tensor on the wasm backend — the bias gradients of conv and dense
 * layers (dy summed over batch and positions), reached on every training step.
 *
 * tfjs-backend-wasm 4.22 first transposes the reduced axes innermost (a full copy, its cost dominated by
 * the scattered writes), then sums rows. Reading the tensor once as [rows, cols] and accumulating each
 * column (float64 accumulators) does the same job in one pass. Other reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { TensorInfo, WasmBackend } from './ops';

/** Wraps the stock wasm Sum kernel function `stock`. */
export function leadingAxesSum(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32') return stock(args);
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    const lead = axes.length;
    // Leading axes only, and not all of them (a full reduction has no transpose to avoid).
    if (lead === 0 || lead === x.shape.length || axes.some((a, i) => a !== i)) return stock(args);
    const b = args.backend as WasmBackend;
    const rows = x.shape.slice(0, lead).reduce((p, q) => p * q, 1);
    const kept = x.shape.slice(lead),
      cols = kept.reduce((p, q) => p * q, 1);
    const out = b.makeOutput(keepDims ? [...axes.map(() => 1), ...kept] : kept, 'float32');
    // Views after allocating: growing the heap detaches views taken earlier.
    const src = b.typedArrayFromHeap(x) as Float32Array,
      dst = b.typedArrayFromHeap(out) as Float32Array;
    const acc = new Float64Array(cols);
    for (let r = 0, o = 0; r < rows; r++) for (let c = 0; c < cols; c++, o++) acc[c] += src[o];
    dst.set(acc);
    return out;
  };
}
