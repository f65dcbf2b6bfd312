/**
 * Fewer native ops per training step on the tensorflow backend. Each op tfjs-node runs is an N-API round trip
 * into libtensorflow, and at the sizes this course trains a step is bound by their number (test/bench/README.md).
 *
 * ReLU's gradient: tfjs differentiates relu as dy · step(x), and tfjs-node's Step runs four TF ops (IsNan,
 * Greater, Fill, Select) before the Multiply. TensorFlow's own `ReluGrad(dy, x)` = dy where x > 0, else 0, is one
 * op and the same values for every finite x (at x = 0 both give 0). For NaN inputs tfjs gives NaN, ReluGrad 0;
 * the forward output is already NaN there, so the loss is NaN and the Distiller refuses the step either way.
 * Registered as kernel 'KdlabReluGrad' for the tensorflow backend only; on every other backend the Relu gradient
 * is tfjs's own, unchanged.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-node's NodeJSKernelBackend used here (it is not a dependency of kdlab). */
interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number };
  executeSingleOutput(
    name: string,
    attrs: { name: string; type: number; value: unknown }[],
    inputs: tf.TensorInfo[],
  ): tf.TensorInfo;
}

const RELU_GRAD = 'KdlabReluGrad';
const MATMUL_2D = 'KdlabMatMul2D';

/**
 * TensorFlow's 2-D `MatMul` (a [m, k] or its transpose, times b). tfjs-core's matMul always reshapes to a batched
 * product, three Reshape ops plus `BatchMatMulV2`, which is also slower than `MatMul` at the sizes the chapters train
 * ([64, 512]×[512, 128]: 91–130 µs against 51–61 µs). tensorflow backend only (see lib/distill/dense-chain.ts).
 */
export function matMul2D(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  return tf.engine().runKernel<tf.Tensor2D>(MATMUL_2D, { a, b }, { transposeA, transposeB });
}

/** TensorFlow's one-op ReLU gradient: dy where features > 0, else 0 (tensorflow backend only). */
export function reluGrad(dy: tf.Tensor, features: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy, x: features });
}

let registered = false;
/** Registers kdlab's tensorflow kernels and the Relu gradient that uses them (idempotent). */
export function registerTensorflowKernels(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as NodeBackend;
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      return b.executeSingleOutput(
        'ReluGrad',
        [{ name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }],
        [dy, x],
      );
    },
  });
  tf.registerKernel({
    kernelName: MATMUL_2D,
    backendName: 'tensorflow',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as NodeBackend;
      const { a, b: m } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      return b.executeSingleOutput(
        'MatMul',
        [
          { name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT },
          { name: 'transpose_a', type: b.binding.TF_ATTR_BOOL, value: transposeA },
          { name: 'transpose_b', type: b.binding.TF_ATTR_BOOL, value: transposeB },
        ],
        [a, m],
      );
    },
  });
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const d = dy as tf.Tensor;
      if (tf.getBackend() === 'tensorflow' && x.dtype === 'float32' && d.dtype === 'float32')
        return { x: () => tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy: d, x }) };
      return { x: () => tf.mul(d, tf.cast(tf.step(x), 'float32')) }; // tfjs's own (gradients/Relu_grad)
    },
  });
  registered = true;
}
