/**
 * The Distiller's forward pass for plain chains of dense layers on the tensorflow backend, in fewer native ops.
 *
 * tfjs-layers runs a Dense layer as three Reshapes, a batched product, an Add and the activation, and tfjs-core
 * differentiates it with batched products and more Reshapes; on tensorflow every one of them is a call into
 * libtensorflow, and at the sizes this course trains a step is bound by their number (test/bench/README.md). Here a
 * dense layer is one custom-gradient op: forward TensorFlow's 2-D `MatMul`, `Add`, `Relu` (3 ops); backward
 * `ReluGrad`, two `MatMul`s and a `Sum` (4 ops). The values are those of model.apply within float32 rounding (the
 * products sum in another order); test/lib/dense-chain.test.ts compares outputs and every variable's gradient.
 *
 * Used when a model is one chain of InputLayer, Dense (activation 'linear' or 'relu', 2-D input), Flatten,
 * L2Normalize and, at inference only, Dropout / SeededDropout. Anything else (and every other backend) keeps
 * model.apply.
 */
import * as tf from '@tensorflow/tfjs';
import { matMul2D, reluGrad } from '../backend/tensorflow-kernels';

type Step = (x: tf.Tensor) => tf.Tensor;

/** The parts of tfjs-layers' Dense read here (its fields are not in the public typings). */
interface DenseLayer {
  kernel: { read(): tf.Tensor };
  bias: { read(): tf.Tensor } | null;
  activation: { getClassName(): string };
}

/** y = act(x·w + b) with its gradient written out; w and b may be Variables (variableGrads then sees them). */
function denseOp(relu: boolean, withBias: boolean): (x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D) => tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | ((t: tf.Tensor[]) => void))[]) => {
    const save = args.pop() as (t: tf.Tensor[]) => void;
    const [x, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined];
    const z = withBias ? tf.add<tf.Tensor2D>(matMul2D(x, w), b!) : matMul2D(x, w);
    const y = relu ? tf.relu(z) : z;
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [xs, ws, ys]: tf.Tensor[]) => {
        const g = (relu ? reluGrad(dy, ys) : dy) as tf.Tensor2D; // ReluGrad(dy, y): y > 0 exactly where x·w + b > 0
        const grads = [matMul2D(g, ws as tf.Tensor2D, false, true), matMul2D(xs as tf.Tensor2D, g, true, false)];
        return withBias ? [...grads, tf.sum(g, 0)] : grads;
      },
    };
  });
  return (x, w, b) => (withBias ? op(x, w, b!) : op(x, w));
}

const OPS = new Map<string, ReturnType<typeof denseOp>>();
function cachedDenseOp(relu: boolean, withBias: boolean): ReturnType<typeof denseOp> {
  const key = `${relu}/${withBias}`;
  if (!OPS.has(key)) OPS.set(key, denseOp(relu, withBias));
  return OPS.get(key)!;
}

/** One layer as a step, or null when the fast path does not know it; `inference` marks steps only valid then. */
function stepOf(layer: tf.layers.Layer): { step: Step; inferenceOnly: boolean } | null {
  const kind = layer.getClassName();
  if (kind === 'InputLayer') return { step: (x) => x, inferenceOnly: false };
  if (kind === 'Dropout' || kind === 'SeededDropout') return { step: (x) => x, inferenceOnly: true };
  if (kind === 'Flatten')
    return { step: (x) => (x.rank === 2 ? x : tf.reshape(x, [x.shape[0], -1])), inferenceOnly: false };
  if (kind === 'L2Normalize') return { step: (x) => layer.call(x, {}) as tf.Tensor, inferenceOnly: false };
  if (kind !== 'Dense') return null;
  const dense = layer as unknown as DenseLayer;
  const activation = dense.activation.getClassName().toLowerCase();
  if (activation !== 'relu' && activation !== 'linear') return null;
  const op = cachedDenseOp(activation === 'relu', dense.bias != null);
  return {
    step: (x) => {
      if (x.rank !== 2) throw new Error(`dense chain: layer '${layer.name}' expects a 2-D input, got ${x.rank}-D`);
      const w = dense.kernel.read() as tf.Tensor2D;
      return dense.bias ? op(x as tf.Tensor2D, w, dense.bias.read() as tf.Tensor1D) : op(x as tf.Tensor2D, w);
    },
    inferenceOnly: false,
  };
}

/** The layers of `model` if they form one chain from its single input to its single output, else null. */
function chainOf(model: tf.LayersModel): tf.layers.Layer[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const layers = model.layers;
  for (let i = 1; i < layers.length; i++) {
    const nodes = (layers[i] as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    if (nodes.length !== 1 || nodes[0].inboundLayers.length !== 1 || nodes[0].inboundLayers[0] !== layers[i - 1])
      return null;
  }
  const last = layers[layers.length - 1];
  return last && last.output === model.outputs[0] ? layers : null;
}

/**
 * The output of `model` for `x`, through the dense fast path, or null when it does not apply to this call (another
 * backend, training through a dropout layer); the caller then uses model.apply. Built once per model.
 */
export function denseChain(model: tf.LayersModel): ((x: tf.Tensor, training: boolean) => tf.Tensor | null) | null {
  const layers = chainOf(model);
  const steps = layers?.map(stepOf);
  if (!steps || steps.some((s) => s === null)) return null;
  const plan = steps as { step: Step; inferenceOnly: boolean }[];
  const trainable = !plan.some((s) => s.inferenceOnly);
  return (x, training) => {
    if (tf.getBackend() !== 'tensorflow' || (training && !trainable) || x.dtype !== 'float32') return null;
    return plan.reduce((h, s) => s.step(h), x);
  };
}
