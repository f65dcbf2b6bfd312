/**
 * Convolutional classifiers for 28×28×1 images, built from conv blocks whose outputs are the natural
 * hint (FitNets, Romero et al. 2015) and attention-map (Zagoruyko & Komodakis 2017) layers.
 *
 * Layer names (stable — the Distiller selects hint/attention layers by name):
 *   'input'                 [28, 28, 1]
 *   'conv1'..'convN'        Conv2D kernelSize×kernelSize, 'same' padding, stride 1, ReLU
 *   'block1'..'blockN'      MaxPooling2D 2×2 stride 2 after conv i — THE BLOCK OUTPUTS (hints / attention)
 *                           with the defaults: block1 [14, 14, C1], block2 [7, 7, C2]
 *   'flatten'
 *   'hidden1'..'hiddenM'    Dense + ReLU
 *   'dropout1'..'dropoutM'  only if dropout > 0
 *   'logits'                Dense to `classes`, linear (LOGITS, no softmax)
 */
import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from './layers';
import { checkPositiveInt, checkRate, checkShape, glorot, input, seeder } from './common';

export interface CnnOptions {
  /** Image shape [H, W, C] (default [28, 28, 1]). */
  inputShape?: number[];
  /** Filters of each conv block (default [32, 64]). */
  filters?: number[];
  /** Square kernel size (default 3). */
  kernelSize?: number;
  /** Widths of the dense layers after the blocks (default [128]). */
  dense?: number[];
  /** Number of outputs (default 10). */
  classes?: number;
  /** Dropout after each dense hidden layer (default 0). */
  dropout?: number;
  name?: string;
  seed?: number;
}

/** Generic conv-pool blocks + dense head (see the file comment for layer names). */
export function cnn(opts: CnnOptions = {}): tf.LayersModel {
  const inputShape = checkShape(opts.inputShape ?? [28, 28, 1], 'cnn: inputShape');
  if (inputShape.length !== 3) throw new Error(`cnn: inputShape must be [H, W, C], got [${inputShape.join(', ')}]`);
  const filters = opts.filters ?? [32, 64];
  const dense = opts.dense ?? [128];
  filters.forEach((f, i) => checkPositiveInt(f, `cnn: filters[${i}]`));
  dense.forEach((u, i) => checkPositiveInt(u, `cnn: dense[${i}]`));
  const kernelSize = checkPositiveInt(opts.kernelSize ?? 3, 'cnn: kernelSize');
  const classes = checkPositiveInt(opts.classes ?? 10, 'cnn: classes');
  const dropout = checkRate(opts.dropout ?? 0, 'cnn: dropout');
  if (Math.min(inputShape[0], inputShape[1]) < 2 ** filters.length) {
    throw new Error(
      `cnn: ${filters.length} 2×2 poolings need H, W ≥ ${2 ** filters.length}, got inputShape [${inputShape.join(', ')}]`,
    );
  }
  const next = seeder(opts.seed ?? 0);
  const inp = input(inputShape);
  let h: tf.SymbolicTensor = inp;
  filters.forEach((f, i) => {
    h = tf.layers
      .conv2d({
        filters: f,
        kernelSize,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: glorot(next()),
        name: `conv${i + 1}`,
      })
      .apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  dense.forEach((units, i) => {
    h = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: glorot(next()), name: `hidden${i + 1}` })
      .apply(h) as tf.SymbolicTensor;
    if (dropout > 0)
      h = new SeededDropout({ rate: dropout, seed: next(), name: `dropout${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  const out = tf.layers
    .dense({ units: classes, kernelInitializer: glorot(next()), name: 'logits' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: out, name: opts.name ?? 'cnn' });
}

/**
 * CNN student of the benchmark (issue 6 (b)): conv32-pool-conv64-pool-dense128-dense10, 3×3 'same'
 * convs, ReLU. block1 [14,14,32], block2 [7,7,64]. Params 320 + 18,496 + 401,536 + 1,290 = 421,642.
 */
export function cnnStudent(opts: CnnOptions = {}): tf.LayersModel {
  return cnn({ filters: [32, 64], dense: [128], name: 'cnn_student', ...opts });
}

/**
 * CNN teacher: conv48-pool-conv96-pool-dense256(dropout 0.5)-dense10 — 1.5× the student's channels,
 * same layout and block names, so hints/attention maps align spatially (block1 [14,14,48],
 * block2 [7,7,96]). Params 480 + 41,568 + 1,204,480 + 2,570 = 1,249,098; ≈ 19.6 MFLOPs per sample
 * (kept moderate: the teacher runs on every distillation step on 2 CPU cores).
 */
export function cnnTeacher(opts: CnnOptions = {}): tf.LayersModel {
  return cnn({ filters: [48, 96], dense: [256], dropout: 0.5, name: 'cnn_teacher', ...opts });
}
