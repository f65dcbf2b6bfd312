/**
 * Where the knowledge of a trained network lives: put one layer back to untrained weights and see what is lost
 * (Zhang, Bengio & Singer 2019, "Are all layers created equal?": re-initialisation to the layer's initial values,
 * or to a fresh random draw).
 */
import type * as tf from '@tensorflow/tfjs';
import { cloneModel } from '../distill/io';

/**
 * A copy of `model` whose layer `layer` holds the weights of the same-named layer of `source` (the same
 * architecture built untrained: with the training seed for the initial values, another seed for a fresh draw).
 * `model` and `source` are left as they are.
 * Used in chapter 2 (§2.2: which layer's weights hold the teacher's knowledge).
 */
export async function reinitializeLayer(
  model: tf.LayersModel,
  layer: string,
  source: tf.LayersModel,
): Promise<tf.LayersModel> {
  const names = model.layers.filter((l) => l.getWeights().length > 0).map((l) => l.name);
  if (!names.includes(layer))
    throw new Error(
      `reinitializeLayer: expected one of the layers with weights ${JSON.stringify(names)}, got ${JSON.stringify(layer)}`,
    );
  const from = source.layers.find((l) => l.name === layer);
  if (from == null) throw new Error(`reinitializeLayer: source ${source.name} has no layer '${layer}'`);
  const target = model.getLayer(layer).getWeights();
  const fresh = from.getWeights();
  const shapes = (ws: tf.Tensor[]) => JSON.stringify(ws.map((w) => w.shape));
  if (shapes(target) !== shapes(fresh))
    throw new Error(
      `reinitializeLayer: layer '${layer}' has weights ${shapes(target)} in the model but ${shapes(fresh)} in source`,
    );
  const copy = await cloneModel(model);
  copy.getLayer(layer).setWeights(fresh);
  return copy;
}
