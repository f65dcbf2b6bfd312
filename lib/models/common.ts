/**
 * Shared plumbing of the model builders: per-layer seeds, initialisers, option checks, inputs.
 * Every builder takes a `seed`; layer number i gets deriveSeed(seed, i), so the same options and
 * seed always give bitwise-identical initial weights, and different layers get unrelated draws.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../common/random';
import { checkPositiveInt } from '../common/check';

/** Returns a function giving the next layer's seed. */
export function seeder(seed: number): () => number {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${String(seed)}`);
  let i = 0;
  return () => deriveSeed(seed, i++);
}

/** Glorot-uniform kernel initialiser (the Keras default), seeded. */
export function glorot(seed: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed });
}

export { checkPositiveInt };

export function checkRate(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1))
    throw new Error(`${name} must be in [0, 1), got ${String(value)}`);
  return value;
}

export function checkShape(value: unknown, name: string): number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${name} must be a non-empty array of positive integers, got ${JSON.stringify(value)}`);
  }
  return value as number[];
}

/** The input of every builder is named 'input'. */
export function input(shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.SymbolicTensor {
  return tf.input({ shape, name: 'input', dtype });
}

/** Shape of a layer's output without the batch axis (for adapters), e.g. layerShape(teacher, 'block1') → [14, 14, 48]. */
export function layerShape(model: tf.LayersModel, layerName: string): number[] {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new Error(
      `layerShape: model '${model.name}' has no layer '${layerName}'; layers: ${model.layers.map((l) => l.name).join(', ')}`,
    );
  }
  const shape = layer.outputShape as (number | null)[];
  return shape.slice(1) as number[];
}

/**
 * Shape one sample must have for `model` (its input without the batch axis), e.g. [784] or [28, 28, 1] —
 * pass to kd.data.batches as inputShape. Throws if a dimension is unknown (null), since no batch can be shaped to it.
 */
export function inputShapeOf(model: tf.LayersModel): number[] {
  const shape = model.inputs[0].shape.slice(1);
  if (shape.some((d) => d == null))
    throw new Error(`model ${model.name}: input shape ${JSON.stringify(model.inputs[0].shape)} has unknown dimensions`);
  return shape as number[];
}
