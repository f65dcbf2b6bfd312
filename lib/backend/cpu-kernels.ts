/**
 * A correction for the cpu backend (tfjs-backend-cpu 4.22): its AvgPoolGrad divides every window by
 * the full window size, but the forward avgPool divides by the number of in-bounds pixels, so with
 * 'same' padding the gradient at the borders is wrong (up to ~40% for 3×3 windows; the tensorflow
 * backend and finite differences agree with the corrected version). We register the exact derivative,
 * shared with the wasm kernel (wasm/pool-grad.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { avgLoop, PoolAttrs, poolGeometry } from './wasm/pool-grad';

interface CpuBackend extends tf.KernelBackend {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.BackendValues): tf.TensorInfo;
}

const avgPoolGrad: tf.KernelFunc = (args) => {
  const b = args.backend as CpuBackend;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const p = poolGeometry(input.shape, args.attrs as unknown as PoolAttrs, 'cpu AvgPoolGrad');
  if (dy.shape[1] !== p.Ho || dy.shape[2] !== p.Wo) {
    throw new Error(`kdlab cpu AvgPoolGrad: dy has shape [${dy.shape}], expected [${p.N},${p.Ho},${p.Wo},${p.C}]`);
  }
  const dx = new Float32Array(p.N * p.H * p.W * p.C);
  avgLoop(b.readSync(dy.dataId) as Float32Array, dx, p);
  return b.makeTensorInfo(input.shape, 'float32', dx);
};

let registered = false;
/** Replaces the cpu backend's AvgPoolGrad (idempotent). */
export function registerCpuKernelFixes(): void {
  if (registered) return;
  const old = tf.getKernel('AvgPoolGrad', 'cpu');
  if (old) tf.unregisterKernel('AvgPoolGrad', 'cpu');
  tf.registerKernel({
    kernelName: 'AvgPoolGrad',
    backendName: 'cpu',
    kernelFunc: avgPoolGrad,
    setupFunc: old?.setupFunc,
  });
  registered = true;
}
