/**
 * kd.features — reading intermediate activations ("knowledge") out of a model.
 *
 * The tfjs counterpart of PyTorch forward hooks (the `GetFeatures` class of the article): instead of
 * hooking layers, `extractor` builds a second tf.LayersModel over the SAME layer objects whose outputs
 * are the model's outputs followed by the requested layers' outputs. One call = one forward pass, and
 * because the layers are shared (not cloned), the extractor always sees the current weights and
 * gradients taken through it reach the original model's variables.
 */
import * as tf from '@tensorflow/tfjs';

/** A layer given by name or by index into `model.layers`. */
export type LayerSpec = string | number;

export interface Extraction {
  /** The model's (first) output, as `model.apply(x)` would give it. */
  output: tf.Tensor;
  /** All outputs when the model has several (`outputs[0] === output`). */
  outputs: tf.Tensor[];
  /** The requested layers' outputs, keyed by layer name (also for layers requested by index). A feature that is
   *  also a model output is the SAME tensor object as that output (disposing it twice is harmless). */
  features: Record<string, tf.Tensor>;
}

export interface Extractor {
  /** One forward pass. `training: true` runs dropout etc. in training mode (as in the Distiller's student step). */
  (x: tf.Tensor | tf.Tensor[], opts?: { training?: boolean }): Extraction;
  /** The multi-output model over the shared layers (outputs: model outputs, then features, each once). */
  readonly model: tf.LayersModel;
  /** Resolved layer names, in request order (duplicates removed). */
  readonly layers: string[];
}

/** Names of the model's layers, in `model.layers` order (the indices `extractor` accepts). */
export function layerNames(model: tf.LayersModel): string[] {
  checkModel('layerNames', model);
  return model.layers.map((l) => l.name);
}

function checkModel(fn: string, model: unknown): asserts model is tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new Error(
      `${fn}: model must be a tf.LayersModel (Sequential or functional), got ${model === null ? 'null' : typeof model}`,
    );
  }
  if (!model.inputs || model.inputs.length === 0) {
    throw new Error(
      `${fn}: model has no inputs yet; expected a built model (give the first layer an inputShape), got an unbuilt model`,
    );
  }
}

function resolveLayer(model: tf.LayersModel, spec: LayerSpec): tf.layers.Layer {
  const names = model.layers.map((l) => l.name);
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0 || spec >= names.length) {
      throw new Error(
        `extractor: layer index must be an integer in [0, ${names.length - 1}], got ${spec}; available layers: ${names.join(', ')}`,
      );
    }
    return model.layers[spec];
  }
  const i = names.indexOf(spec);
  if (i < 0) throw new Error(`extractor: unknown layer '${spec}'; available layers: ${names.join(', ')}`);
  return model.layers[i];
}

function layerOutput(layer: tf.layers.Layer): tf.SymbolicTensor {
  let out: tf.SymbolicTensor | tf.SymbolicTensor[];
  try {
    out = layer.output;
  } catch (e) {
    throw new Error(
      `extractor: layer '${layer.name}' is applied at several places in the graph; expected a layer with one output node (${(e as Error).message})`,
      { cause: e },
    );
  }
  if (Array.isArray(out)) {
    throw new Error(
      `extractor: layer '${layer.name}' has ${out.length} outputs; expected a layer with a single output tensor`,
    );
  }
  return out;
}

/**
 * Build a feature extractor for `layers` (names or indices into `model.layers`, see `layerNames`).
 * Works for Sequential and functional models: both expose `inputs` and each layer's symbolic `output`,
 * from which a tf.model over the same layer objects is assembled. Weights are shared, never copied.
 * Unknown layers throw an Error listing the available names. The caller disposes the returned tensors.
 */
export function extractor(model: tf.LayersModel, layers: LayerSpec[]): Extractor {
  checkModel('extractor', model);
  if (!Array.isArray(layers)) {
    throw new Error(`extractor: layers must be an array of layer names or indices, got ${typeof layers}`);
  }
  const resolved: tf.layers.Layer[] = [];
  for (const spec of layers) {
    const layer = resolveLayer(model, spec);
    if (!resolved.includes(layer)) resolved.push(layer);
  }
  // tf.model refuses repeated outputs (e.g. the last layer requested as a feature): keep each symbolic
  // tensor once and remember where every model output / feature sits in that list.
  const unique: tf.SymbolicTensor[] = [];
  const slot = (t: tf.SymbolicTensor): number => {
    const i = unique.indexOf(t);
    return i >= 0 ? i : unique.push(t) - 1;
  };
  const outputSlots = model.outputs.map(slot);
  const featureSlots = resolved.map((l) => slot(layerOutput(l)));
  const multi = tf.model({ inputs: model.inputs, outputs: unique, name: `${model.name}_extractor` });
  const names = resolved.map((l) => l.name);

  const run = (x: tf.Tensor | tf.Tensor[], opts: { training?: boolean } = {}): Extraction => {
    const result = multi.apply(x, { training: opts.training ?? false });
    const all = (Array.isArray(result) ? result : [result]) as tf.Tensor[];
    const features: Record<string, tf.Tensor> = {};
    names.forEach((name, i) => (features[name] = all[featureSlots[i]]));
    const outputs = outputSlots.map((i) => all[i]);
    return { output: outputs[0], outputs, features };
  };
  return Object.assign(run, { model: multi, layers: names });
}

export { countLayerCalls } from './layer-calls';
export type { LayerCalls } from './layer-calls';
