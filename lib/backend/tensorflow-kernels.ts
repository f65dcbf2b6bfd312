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
  binding: { TF_ATTR_TYPE: number; TF_FLOAT: number };
  executeSingleOutput(
    name: string,
    attrs: { name: string; type: number; value: unknown }[],
    inputs: tf.TensorInfo[],
  ): tf.TensorInfo;
}

const RELU_GRAD = 'KdlabReluGrad';

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
