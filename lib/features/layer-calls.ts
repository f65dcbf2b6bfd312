/**
 * Counting how often each layer computes: the evidence that an extractor costs ONE forward pass. A Keras-style
 * layer does its work in `call`, which `apply` invokes once per concrete (non-symbolic) input, so wrapping `call`
 * counts real computations and nothing else (building a model from symbolic tensors does not call it).
 */
import * as tf from '@tensorflow/tfjs';

export interface LayerCalls<T> {
  /** What `fn` returned. */
  result: T;
  /** Calls of each layer of the model while `fn` ran, by layer name, in `model.layers` order (input layers left out: they compute nothing). */
  calls: Record<string, number>;
}

/**
 * Run `fn` and count how many times each layer of `model` ran its computation meanwhile: each layer's `call` is
 * wrapped for the duration and put back afterwards, also when `fn` throws. The count follows the layer object, so
 * a second model over the SAME layers (kd.features.extractor's multi-output model, one built by hand) is counted
 * too — which is the point: one extraction should show every layer called once.
 * Used in chapter 8 (§8.1: the extractor costs one forward pass).
 * @param model the model whose layers are watched
 * @param fn synchronous work to watch (a Promise is refused: calls after it returns would be missed)
 * @example
 * const { calls } = kd.features.countLayerCalls(model, () => tf.tidy(() => { extract(x); }));
 * // { conv1: 1, block1: 1, ..., logits: 1 }
 */
export function countLayerCalls<T>(model: tf.LayersModel, fn: () => T): LayerCalls<T> {
  if (!(model instanceof tf.LayersModel))
    throw new Error(`countLayerCalls: model must be a tf.LayersModel, got ${model === null ? 'null' : typeof model}`);
  if (typeof fn !== 'function') throw new Error(`countLayerCalls: fn must be a function, got ${typeof fn}`);
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const calls: Record<string, number> = Object.fromEntries(layers.map((l) => [l.name, 0]));
  // An own `call` (someone else's wrapper) is put back as it was; otherwise the own property is deleted, so the
  // prototype's method shows through again.
  const saved = layers.map((layer) => ({
    layer,
    own: Object.getOwnPropertyDescriptor(layer, 'call'),
    call: layer.call.bind(layer),
  }));
  for (const { layer, call } of saved) {
    layer.call = (inputs, kwargs) => {
      calls[layer.name]++;
      return call(inputs, kwargs);
    };
  }
  let result: T;
  try {
    result = fn();
  } finally {
    for (const { layer, own } of saved) {
      if (own) Object.defineProperty(layer, 'call', own);
      else delete (layer as { call?: unknown }).call;
    }
  }
  if (result instanceof Promise)
    throw new Error(
      'countLayerCalls: fn must be synchronous; it returned a Promise, whose later layer calls would not be counted',
    );
  return { result, calls };
}
