/**
 * Fully connected classifiers, including the two MNIST nets of Hinton, Vinyals & Dean (2015) §3:
 * a teacher 784-1200-1200-10 "strongly regularized using dropout" and a student 784-800-800-10.
 *
 * Layer names (stable — the Distiller selects hint layers by name):
 *   'input'          [784] (or any inputShape; a rank > 1 input is flattened by 'flatten')
 *   'input_dropout'  only if inputDropout > 0
 *   'hidden1'..'hiddenN'  Dense + activation (ReLU by default)
 *   'dropout1'..'dropoutN' only if dropout > 0 (after hidden i)
 *   'logits'         Dense to `classes`, linear: the model outputs LOGITS (losses apply the softmax).
 */
import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from './layers';
import { checkPositiveInt, checkRate, checkShape, glorot, input, seeder } from './common';

export interface MlpOptions {
  /** Shape of one sample (default [784]). */
  inputShape?: number[];
  /** Width of each hidden layer, e.g. [1200, 1200]. */
  hidden?: number[];
  /** Number of outputs (default 10). */
  classes?: number;
  /** Dropout rate after each hidden layer (default 0). */
  dropout?: number;
  /** Dropout rate on the input (default 0). */
  inputDropout?: number;
  /** Hidden activation (default 'relu'). */
  activation?: 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'linear';
  /** Model name (default 'mlp'). */
  name?: string;
  /** Weight and dropout-mask seed (default 0). */
  seed?: number;
}

/** Generic MLP (see the file comment for layer names). */
export function mlp(opts: MlpOptions = {}): tf.LayersModel {
  const inputShape = checkShape(opts.inputShape ?? [784], 'mlp: inputShape');
  const hidden = opts.hidden ?? [];
  if (!Array.isArray(hidden)) throw new Error(`mlp: hidden must be an array of widths, got ${String(hidden)}`);
  hidden.forEach((h, i) => checkPositiveInt(h, `mlp: hidden[${i}]`));
  const classes = checkPositiveInt(opts.classes ?? 10, 'mlp: classes');
  const dropout = checkRate(opts.dropout ?? 0, 'mlp: dropout');
  const inputDropout = checkRate(opts.inputDropout ?? 0, 'mlp: inputDropout');
  const next = seeder(opts.seed ?? 0);

  const inp = input(inputShape);
  let h: tf.SymbolicTensor = inp;
  if (inputShape.length > 1) h = tf.layers.flatten({ name: 'flatten' }).apply(h) as tf.SymbolicTensor;
  if (inputDropout > 0)
    h = new SeededDropout({ rate: inputDropout, seed: next(), name: 'input_dropout' }).apply(h) as tf.SymbolicTensor;
  hidden.forEach((units, i) => {
    h = tf.layers
      .dense({
        units,
        activation: opts.activation ?? 'relu',
        kernelInitializer: glorot(next()),
        name: `hidden${i + 1}`,
      })
      .apply(h) as tf.SymbolicTensor;
    if (dropout > 0)
      h = new SeededDropout({ rate: dropout, seed: next(), name: `dropout${i + 1}` }).apply(h) as tf.SymbolicTensor;
  });
  const out = tf.layers
    .dense({ units: classes, kernelInitializer: glorot(next()), name: 'logits' })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: inp, outputs: out, name: opts.name ?? 'mlp' });
}

/**
 * Hinton et al. (2015) MNIST teacher: 784-1200-1200-10, ReLU, dropout 0.5 on hidden units and 0.2 on
 * the input (the rates of Srivastava et al. 2014, which the paper's "strongly regularized using dropout"
 * refers to). The paper's max-norm weight constraint is not applied. Params 784·1200+1200 + 1200·1200+1200
 * + 1200·10+10 = 2,395,210. Options override the defaults.
 * Used in chapter 4 (the 2×1200 teacher of §4.2).
 */
export function hintonTeacher(opts: MlpOptions = {}): tf.LayersModel {
  return mlp({ hidden: [1200, 1200], dropout: 0.5, inputDropout: 0.2, name: 'hinton_teacher', ...opts });
}

/**
 * Hinton et al. (2015) MNIST student: 784-800-800-10, ReLU, no dropout by default. Params 1,276,810.
 * Used in chapter 4 (the 2×800 students of §4.3–§4.6).
 */
export function hintonStudent(opts: MlpOptions = {}): tf.LayersModel {
  return mlp({ hidden: [800, 800], name: 'hinton_student', ...opts });
}

/** A deliberately tiny student 784-30-30-10 (24,790 params) for compression-ratio plots. */
export function tinyMlp(opts: MlpOptions = {}): tf.LayersModel {
  return mlp({ hidden: [30, 30], name: 'tiny_mlp', ...opts });
}
