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
  'UnsortedSegmentSum',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'Einsum',
] as const;

function cpuBackend(): tf.KernelBackend {
  const cpu = tf.engine().findBackend('cpu');
  if (!cpu) throw new Error('kdlab wasm kernels: the cpu backend is not registered (needed for the fallback kernels)');
  return cpu;
}

/**
 * tfjs's depthwise gradients refuse dilation > 1 (tf.grads throws) and the cpu backprop-input kernel
 * ignores it, so a direct call with dilations would silently be wrong: refuse it instead.
 */
function rejectDilation(name: string, attrs: tf.NamedAttrMap | undefined): void {
  const d = (attrs as { dilations?: number | number[] } | undefined)?.dilations ?? 1;
  const ds = Array.isArray(d) ? d : [d, d];
  if (ds.some((v) => v !== 1)) {
    throw new Error(`kdlab wasm ${name}: dilations must be 1 (tfjs has no dilated depthwise gradient), got [${ds}]`);
  }
}

/** A wasm kernel function that delegates kernel `name` to the cpu backend. */
export function viaCpu(name: string): tf.KernelFunc {
  return (args) => {
    const wasm = args.backend as WasmBackend;
    const cpu = cpuBackend();
    const k = tf.getKernel(name, 'cpu');
    if (!k) throw new Error(`kdlab wasm kernels: cpu backend has no '${name}' kernel to fall back on`);
    if (name.startsWith('DepthwiseConv2dNativeBackprop')) rejectDilation(name, args.attrs);
    // Einsum receives its operands as an array, the others as a named map: keep whichever we got.
    const inputs = args.inputs as unknown as Record<string, TensorInfo | undefined> | TensorInfo[];
    const cpuInputs: Record<string, TensorInfo> | TensorInfo[] = Array.isArray(inputs) ? [] : {};
    const created: TensorInfo[] = [];
    for (const key of Object.keys(inputs)) {
      const t = (inputs as Record<string, TensorInfo | undefined>)[key];
      if (!t) continue;
      const vals = (wasm.readSync(t.dataId) as Float32Array | Int32Array).slice();
      const info = { dataId: cpu.write(vals, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
      (cpuInputs as Record<string, TensorInfo>)[key] = info;
      created.push(info);
    }
    const res = k.kernelFunc({
      inputs: cpuInputs as unknown as tf.NamedTensorInfoMap,
      attrs: args.attrs,
      backend: cpu,
    });
    const outs = Array.isArray(res) ? res : [res];
    const copied = outs.map((o) => {
      const vals = cpu.readSync(o.dataId) as Float32Array | Int32Array;
      const out = wasm.makeOutput(o.shape, o.dtype);
      wasm.typedArrayFromHeap(out).set(vals);
      cpu.disposeData(o.dataId);
      return out;
    });
    for (const t of created) cpu.disposeData(t.dataId);
    return Array.isArray(res) ? copied : copied[0];
  };
}
