/**
 * A small Transformer encoder classifier (Vaswani et al. 2017; pre-layer-norm residual blocks as in
 * Xiong et al. 2020, which train stably without warm-up) — the "attention" structure family of §3.1.
 * Images are read as a sequence of rows (28 tokens of 28 pixels, projected to dModel), like ViT with
 * 1×28 patches; token sequences go through an Embedding.
 *
 * Layer names:
 *   'input'                    [28, 28, 1] image | [seqLength] int32 tokens
 *   'rows' → 'embed'           Reshape [H, W·C] then Dense(dModel)       (image)   |  'embed' Embedding (tokens)
 *   'position'                 PositionEmbedding (learned, [T, dModel])
 *   per block i = 1..numLayers:
 *     'block{i}_norm1'         LayerNorm (kdlab's; see layer-norm.ts for why not tfjs's)
 *     'block{i}_attention'     MultiHeadSelfAttention(numHeads, keyDim = dModel / numHeads)
 *     'block{i}_residual'      Add  (x + attention)
 *     'block{i}_norm2'         LayerNorm
 *     'block{i}_ffn1'          Dense(ffDim, ReLU)
 *     'block{i}_ffn2'          Dense(dModel)
 *     'block{i}'               Add — THE BLOCK OUTPUT [T, dModel] (hint layer)
 *   'final_norm'               LayerNorm
 *   'pool'                     GlobalAveragePooling1D over the T positions
 *   'logits'                   Dense to `classes`, linear
 */
import * as tf from '@tensorflow/tfjs';
import { checkPositiveInt, glorot, seeder } from './common';
import { MultiHeadSelfAttention, PositionEmbedding } from './layers';
import { LayerNorm } from './layer-norm';
import { SequenceInputOptions, sequenceInput } from './sequence';

export interface TransformerOptions extends SequenceInputOptions {
  /** Model width d (default 64). */
  dModel?: number;
  /** Attention heads (default 4); dModel must be divisible by it. */
  numHeads?: number;
  /** Feed-forward width (default 2·dModel). */
  ffDim?: number;
  /** Encoder blocks (default 2). */
  numLayers?: number;
  classes?: number;
  name?: string;
  seed?: number;
}

export function transformer(opts: TransformerOptions = {}): tf.LayersModel {
  const dModel = checkPositiveInt(opts.dModel ?? 64, 'transformer: dModel');
  const numHeads = checkPositiveInt(opts.numHeads ?? 4, 'transformer: numHeads');
  if (dModel % numHeads) throw new Error(`transformer: dModel (${dModel}) must be divisible by numHeads (${numHeads})`);
  const ffDim = checkPositiveInt(opts.ffDim ?? 2 * dModel, 'transformer: ffDim');
  const numLayers = checkPositiveInt(opts.numLayers ?? 2, 'transformer: numLayers');
  const classes = checkPositiveInt(opts.classes ?? 10, 'transformer: classes');
  const next = seeder(opts.seed ?? 0);
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
    layer.apply(x) as tf.SymbolicTensor;

  const { inp, seq, isTokens } = sequenceInput(opts, dModel, 'transformer', next());
  let h = isTokens
    ? seq
    : apply(tf.layers.dense({ units: dModel, kernelInitializer: glorot(next()), name: 'embed' }), seq);
  h = apply(new PositionEmbedding({ seed: next(), name: 'position' }), h);
  for (let i = 1; i <= numLayers; i++) {
    const a = apply(new LayerNorm({ name: `block${i}_norm1` }), h);
    const att = apply(new MultiHeadSelfAttention({ numHeads, seed: next(), name: `block${i}_attention` }), a);
    h = apply(tf.layers.add({ name: `block${i}_residual` }), [h, att]);
    const b = apply(new LayerNorm({ name: `block${i}_norm2` }), h);
    const f1 = apply(
      tf.layers.dense({ units: ffDim, activation: 'relu', kernelInitializer: glorot(next()), name: `block${i}_ffn1` }),
      b,
    );
    const f2 = apply(tf.layers.dense({ units: dModel, kernelInitializer: glorot(next()), name: `block${i}_ffn2` }), f1);
    h = apply(tf.layers.add({ name: `block${i}` }), [h, f2]);
  }
  h = apply(new LayerNorm({ name: 'final_norm' }), h);
  h = apply(tf.layers.globalAveragePooling1d({ name: 'pool' }), h);
  const out = apply(tf.layers.dense({ units: classes, kernelInitializer: glorot(next()), name: 'logits' }), h);
  return tf.model({ inputs: inp, outputs: out, name: opts.name ?? 'transformer' });
}
