/**
 * Training kernels for tfjs-backend-wasm 4.22 (see each file for the maths):
 *   Conv2DBackpropFilter (new), Conv2DBackpropInput (replaced) — conv2d-grad.ts, on XNNPACK convolutions;
 *   BatchMatMul, _FusedMatMul with transposed operands (wrapped) — matmul.ts;
 *   MaxPoolGrad, AvgPoolGrad (replaced: the stock ones give wrong gradients) — pool-grad.ts;
 *   Sum over leading axes, i.e. bias gradients (wrapped: one pass instead of transpose + sum) — sum.ts;
 *   UnsortedSegmentSum, DepthwiseConv2dNative gradients, Einsum (new, on the cpu kernels) — fallback.ts.
 * Register them before the wasm backend first runs a kernel; kd.backend.init() does that.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilter, conv2DBackpropInput } from './conv2d-grad';
import { fastBatchMatMul } from './matmul';
import { avgPoolGrad, maxPoolGrad } from './pool-grad';
import { CPU_FALLBACK_KERNELS, viaCpu } from './fallback';
import { leadingAxesSum } from './sum';

/** The kernels registerWasmTrainingKernels() installs, for reports and tests. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  '_FusedMatMul',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Sum',
  ...CPU_FALLBACK_KERNELS,
] as const;

/** Stock kernel functions we replaced, so tests and benchmarks can compare against them. */
export const stockWasmKernels: Record<string, tf.KernelFunc> = {};
let registered = false;

function replace(name: string, kernelFunc: tf.KernelFunc): void {
  const old = tf.getKernel(name, 'wasm');
  if (old) {
    stockWasmKernels[name] = old.kernelFunc;
    tf.unregisterKernel(name, 'wasm');
  }
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc,
    setupFunc: old?.setupFunc,
    disposeFunc: old?.disposeFunc,
  });
}

/**
 * Registers the training kernels for the 'wasm' backend (idempotent). Must run after
 * '@tensorflow/tfjs-backend-wasm' has been required, since it wraps the kernels that package registers.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const stockMatMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!stockMatMul) {
    throw new Error("kdlab: require('@tensorflow/tfjs-backend-wasm') before registering the wasm training kernels");
  }
  replace('Conv2DBackpropFilter', conv2DBackpropFilter as unknown as tf.KernelFunc);
  replace('Conv2DBackpropInput', conv2DBackpropInput as unknown as tf.KernelFunc);
  replace('BatchMatMul', fastBatchMatMul(stockMatMul.kernelFunc, true));
  const fused = tf.getKernel('_FusedMatMul', 'wasm');
  if (fused) replace('_FusedMatMul', fastBatchMatMul(fused.kernelFunc));
  replace('MaxPoolGrad', maxPoolGrad);
  replace('AvgPoolGrad', avgPoolGrad);
  const stockSum = tf.getKernel('Sum', 'wasm');
  if (stockSum) replace('Sum', leadingAxesSum(stockSum.kernelFunc));
  for (const name of CPU_FALLBACK_KERNELS) {
    if (!tf.getKernel(name, 'wasm')) replace(name, viaCpu(name));
  }
  registered = true;
}
