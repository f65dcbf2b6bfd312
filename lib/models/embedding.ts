/**
 * Embedding networks for the metric-learning chapters (Yu et al. 2019 "Learning Metrics from Teachers";
 * Park et al. 2019 RKD): the output is a `dim`-d vector on the unit sphere, so distances and angles between
 * embeddings are comparable across teacher and student.
 *
 * Layer names:
 *   'input'                   [28, 28, 1] (cnn backbone, the default for rank-3 inputs) | e.g. [784] (mlp backbone)
 *   'conv{i}', 'block{i}'     cnn backbone: conv 3×3 'same' ReLU + 2×2 max-pool, as kd.models.cnn
 *   'flatten'                 when the input / blocks have rank > 1
 *   'hidden{j}'               Dense + ReLU
 *   'projection'              Dense to dim, linear (the un-normalised embedding)
 *   'embedding'               L2Normalize — the OUTPUT, ||e||₂ = 1 (if normalize = false, 'embedding' is the Dense itself)
 */
import * as tf from '@tensorflow/tfjs';
import { checkPositiveInt, checkShape, glorot, input, seeder } from './common';
import { L2Normalize } from './layers';

export interface EmbeddingNetOptions {
  /** Sample shape (default [28, 28, 1]). */
  inputShape?: number[];
  /** 'cnn' (default for [H, W, C] inputs) or 'mlp' (default otherwise). */
  backbone?: 'cnn' | 'mlp';
  /** cnn backbone: filters per block (default [32, 64]). */
  filters?: number[];
  /** Dense hidden widths before the projection (default [] for cnn, [256] for mlp). */
  hidden?: number[];
  /** Embedding size (default 128). */
  dim?: number;
  /** L2-normalise the output (default true). */
  normalize?: boolean;
  name?: string;
  seed?: number;
}

export function embeddingNet(opts: EmbeddingNetOptions = {}): tf.LayersModel {
  const inputShape = checkShape(opts.inputShape ?? [28, 28, 1], 'embeddingNet: inputShape');
  const backbone = opts.backbone ?? (inputShape.length === 3 ? 'cnn' : 'mlp');
  if (backbone !== 'cnn' && backbone !== 'mlp')
    throw new Error(`embeddingNet: backbone must be 'cnn' or 'mlp', got '${String(backbone)}'`);
  if (backbone === 'cnn' && inputShape.length !== 3) {
    throw new Error(`embeddingNet: the cnn backbone needs inputShape [H, W, C], got [${inputShape.join(', ')}]`);
  }
  const filters = opts.filters ?? [32, 64];
  const hidden = opts.hidden ?? (backbone === 'cnn' ? [] : [256]);
  filters.forEach((f, i) => checkPositiveInt(f, `embeddingNet: filters[${i}]`));
  hidden.forEach((u, i) => checkPositiveInt(u, `embeddingNet: hidden[${i}]`));
  const dim = checkPositiveInt(opts.dim ?? 128, 'embeddingNet: dim');
  const normalize = opts.normalize ?? true;
  const next = seeder(opts.seed ?? 0);
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;

  const inp = input(inputShape);
  let h = inp;
  if (backbone === 'cnn') {
    filters.forEach((f, i) => {
      h = apply(
        tf.layers.conv2d({
          filters: f,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          kernelInitializer: glorot(next()),
          name: `conv${i + 1}`,
        }),
        h,
      );
      h = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${i + 1}` }), h);
    });
  }
  if (h.shape.length > 2) h = apply(tf.layers.flatten({ name: 'flatten' }), h);
  hidden.forEach((units, j) => {
    h = apply(
      tf.layers.dense({ units, activation: 'relu', kernelInitializer: glorot(next()), name: `hidden${j + 1}` }),
      h,
    );
  });
  h = apply(
    tf.layers.dense({ units: dim, kernelInitializer: glorot(next()), name: normalize ? 'projection' : 'embedding' }),
    h,
  );
  if (normalize) h = apply(new L2Normalize({ name: 'embedding' }), h);
  return tf.model({ inputs: inp, outputs: h, name: opts.name ?? 'embedding_net' });
}
