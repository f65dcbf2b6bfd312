/**
 * Kernels tfjs-backend-wasm 4.22 does not have at all but that training can reach, run on the cpu
 * backend's implementation: copy the inputs out of the wasm heap, run the cpu kernel, copy the result
 * back. Correct and leak-free, at cpu speed plus two copies. Reached by:
 *   UnsortedSegmentSum — the gradient of Gather (Embedding layers, tf.gather on trainable tensors);
 *   DepthwiseConv2dNativeBackpropFilter/Input — training DepthwiseConv2D / SeparableConv2D layers;
 *   Einsum — tf.einsum in user code (forward; tfjs has no Einsum gradient on any backend).
 */
import * as tf from '@tensorflow/tfjs';
import { TensorInfo, WasmBackend } from './ops';

export const CPU_FALLBACK_KERNELS = [
  'UnsortedSegmentSum', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Einsum',
] as const;

function cpuBackend(): tf.KernelBackend {
  const cpu = tf.engine().findBackend('cpu');
  if (!cpu) throw new Error('kdlab wasm kernels: the cpu backend is not registered (needed for the fallback kernels)');
  return cpu;
}

/** A wasm kernel function that delegates kernel `name` to the cpu backend. */
export function viaCpu(name: string): tf.KernelFunc {
  return (args) => {
    const wasm = args.backend as WasmBackend;
    const cpu = cpuBackend();
    const k = tf.getKernel(name, 'cpu');
    if (!k) throw new Error(`kdlab wasm kernels: cpu backend has no '${name}' kernel to fall back on`);
    const cpuInputs: Record<string, TensorInfo> = {};
    const inputs = args.inputs as Record<string, TensorInfo | undefined>;
    for (const key of Object.keys(inputs)) {
      const t = inputs[key];
      if (!t) continue;
      const vals = (wasm.readSync(t.dataId) as Float32Array | Int32Array).slice();
      cpuInputs[key] = { dataId: cpu.write(vals, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
    }
    // Einsum passes its operands as an array-like object {0: t0, 1: t1, ...}; keep that shape.
    const res = k.kernelFunc({ inputs: cpuInputs, attrs: args.attrs, backend: cpu });
    const outs = Array.isArray(res) ? res : [res];
    const copied = outs.map((o) => {
      const vals = cpu.readSync(o.dataId) as Float32Array | Int32Array;
      const out = wasm.makeOutput(o.shape, o.dtype);
      wasm.typedArrayFromHeap(out).set(vals);
      cpu.disposeData(o.dataId);
      return out;
    });
    for (const t of Object.values(cpuInputs)) cpu.disposeData(t.dataId);
    return Array.isArray(res) ? copied : copied[0];
  };
}
