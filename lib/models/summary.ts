/**
 * Size and cost of a model, for the accuracy-vs-size plots that compare KD with pruning and quantisation.
 *
 * Conventions:
 *  - params: all weights (trainable and not); bytes = 4 · params (fp32 storage, no header).
 *  - flops: forward pass of ONE sample, counting a multiply-add as 2 FLOPs, matrix products only
 *    (biases, activations, pooling, normalisation are ignored — they are a few % of a dense/conv net):
 *      Dense       2 · in · out · positions       (positions = product of the non-batch, non-feature axes; 1 for [B, F])
 *      Conv2D      2 · kh · kw · cin · cout · Hout · Wout
 *      MultiHeadSelfAttention  4 projections 4 · 2·T·d·hk  +  QKᵀ and AV 2 · 2·T²·hk   (hk = heads · keyDim)
 *      LSTM / GRU  T · 2 · (F + u) · G·u   with G = 4 (LSTM) or 3 (GRU) gates
 *      nested models: the sum of their layers; every other layer: 0.
 */
import * as tf from '@tensorflow/tfjs';

export interface LayerSummary {
  name: string;
  /** Class name, e.g. 'Dense', 'Conv2D', 'MultiHeadSelfAttention'. */
  type: string;
  /** Output shape with the batch axis as null. */
  outputShape: (number | null)[];
  params: number;
  /** Forward FLOPs per sample (see the file comment). */
  flops: number;
}

export interface ModelSummary {
  params: number;
  /** fp32 size: 4 · params. */
  bytes: number;
  /** Forward FLOPs per sample. */
  flops: number;
  layers: LayerSummary[];
}

export function summary(model: tf.LayersModel): ModelSummary {
  if (!(model instanceof tf.LayersModel))
    throw new Error(`summary: model must be a tf.LayersModel, got ${String(model)}`);
  const layers = model.layers.map((layer): LayerSummary => {
    const out = layer.outputShape;
    const outputShape = (Array.isArray(out[0]) ? out[0] : out) as (number | null)[];
    return {
      name: layer.name,
      type: layer.getClassName(),
      outputShape,
      params: layer.countParams(),
      flops: layerFlops(layer),
    };
  });
  const params = layers.reduce((a, l) => a + l.params, 0);
  return { params, bytes: 4 * params, flops: layers.reduce((a, l) => a + l.flops, 0), layers };
}

function weightShape(layer: tf.layers.Layer, suffix: string): number[] | undefined {
  const w = layer.weights.find((v) => v.originalName.endsWith(suffix) || v.name.endsWith(suffix));
  return w?.shape as number[] | undefined;
}

function layerFlops(layer: tf.layers.Layer): number {
  if (layer instanceof tf.LayersModel) return summary(layer).flops;
  const cls = layer.getClassName();
  const out = (layer.outputShape as (number | null)[]).map((d) => d ?? 1);
  switch (cls) {
    case 'Dense': {
      const [fin, fout] = weightShape(layer, 'kernel')!;
      const positions = out.slice(1, -1).reduce((a, b) => a * b, 1);
      return 2 * fin * fout * positions;
    }
    case 'Conv2D': {
      const [kh, kw, cin, cout] = weightShape(layer, 'kernel')!;
      return 2 * kh * kw * cin * cout * out[1] * out[2];
    }
    case 'MultiHeadSelfAttention': {
      const [d, hk] = weightShape(layer, 'query_kernel')!;
      const T = out[1];
      return 4 * 2 * T * d * hk + 2 * 2 * T * T * hk;
    }
    case 'LSTM':
    case 'GRU': {
      const [F, gu] = weightShape(layer, '/kernel')!;
      const u = weightShape(layer, 'recurrent_kernel')![0];
      const T = layer.inboundNodes[0]?.inputTensors[0]?.shape[1] ?? 1;
      return T * 2 * (F + u) * gu;
    }
    default:
      return 0;
  }
}
