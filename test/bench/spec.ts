/**
 * Describes a tfjs LayersModel as a plain layer chain that torch_bench.py rebuilds in PyTorch,
 * so that the two sides of the benchmark train the same architecture by construction (one
 * definition: the kd.models builder). Parameter counts of both sides are compared in the report.
 *
 * Only simple chains are supported (Sequential, or functional models whose layers each take the
 * previous layer's output); anything else throws an Error naming the layer.
 */
import * as tf from '@tensorflow/tfjs';

export type LayerSpec =
  | { type: 'dense'; units: number; activation: string; bias: boolean }
  | {
      type: 'conv2d';
      filters: number;
      kernel: number[];
      strides: number[];
      padding: string;
      activation: string;
      bias: boolean;
    }
  | { type: 'maxpool' | 'avgpool'; pool: number[]; strides: number[]; padding: string }
  | { type: 'flatten' | 'globalavgpool' | 'batchnorm' | 'l2normalize' }
  | { type: 'dropout'; rate: number }
  | { type: 'activation'; activation: string };

export interface ModelSpec {
  input: number[];
  layers: LayerSpec[];
}

const pair = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number) : [Number(v), Number(v)]);

/** Custom layers that L2-normalise the last axis (embedding nets) are recognised by class name. */
const isL2Normalize = (cls: string): boolean => /l2|normali[sz]e/i.test(cls) && !/batch/i.test(cls);

export function modelSpec(model: tf.LayersModel): ModelSpec {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `modelSpec(${model.name}): expected 1 input and 1 output, got ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const input = model.inputs[0].shape.slice(1).map(Number);
  const layers: LayerSpec[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const c = layer.getConfig() as Record<string, any>;
    if (cls === 'InputLayer') continue;
    if (layer.inboundNodes.length > 0 && layer.inboundNodes[0].inboundLayers.length > 1) {
      throw new Error(
        `modelSpec(${model.name}): layer '${layer.name}' has several inputs; only simple chains are supported`,
      );
    }
    switch (cls) {
      case 'Dense':
        layers.push({ type: 'dense', units: c.units, activation: c.activation ?? 'linear', bias: c.useBias !== false });
        break;
      case 'Conv2D':
        if (c.dataFormat && c.dataFormat !== 'channelsLast')
          throw new Error(`modelSpec: layer '${layer.name}' dataFormat ${c.dataFormat}, expected channelsLast`);
        layers.push({
          type: 'conv2d',
          filters: c.filters,
          kernel: pair(c.kernelSize),
          strides: pair(c.strides ?? 1),
          padding: c.padding ?? 'valid',
          activation: c.activation ?? 'linear',
          bias: c.useBias !== false,
        });
        break;
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        layers.push({
          type: cls === 'MaxPooling2D' ? 'maxpool' : 'avgpool',
          pool: pair(c.poolSize),
          strides: pair(c.strides ?? c.poolSize),
          padding: c.padding ?? 'valid',
        });
        break;
      case 'GlobalAveragePooling2D':
        layers.push({ type: 'globalavgpool' });
        break;
      case 'Flatten':
        layers.push({ type: 'flatten' });
        break;
      case 'Reshape':
        if ((c.targetShape as number[]).length !== 1)
          throw new Error(
            `modelSpec: layer '${layer.name}' reshapes to ${JSON.stringify(c.targetShape)}; only flattening reshapes are supported`,
          );
        layers.push({ type: 'flatten' });
        break;
      case 'Dropout':
      case 'SeededDropout':
        layers.push({ type: 'dropout', rate: c.rate });
        break;
      case 'Activation':
        layers.push({ type: 'activation', activation: c.activation });
        break;
      case 'ReLU':
        layers.push({ type: 'activation', activation: 'relu' });
        break;
      case 'BatchNormalization':
        layers.push({ type: 'batchnorm' });
        break;
      default:
        if (isL2Normalize(cls)) {
          layers.push({ type: 'l2normalize' });
          break;
        }
        throw new Error(
          `modelSpec(${model.name}): layer '${layer.name}' of class ${cls} has no PyTorch equivalent in the bench`,
        );
    }
  }
  return { input, layers };
}
