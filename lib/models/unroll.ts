/**
 * A recurrent network unrolled: the article's §3.1 claim that an RNN is also a feed-forward network. Over a
 * fixed number of steps T, h_t = cell(x_t, h_{t−1}; W) composed T times is a feed-forward net of depth T whose
 * layers all share the weights W. `unrollRecurrent` writes that composition out step by step, with plain tensor
 * ops on the weights of a kd.models.recurrent model — no tfjs RNN layer involved — so its logits can be
 * compared with the model's own (tfjs's recurrent loop).
 *
 * Step equations, tfjs's conventions (Keras 2): σ = hard sigmoid clip(0.2·a + 0.5, 0, 1), gates split in the
 * kernel's column blocks in this order:
 *   GRU  [z, r, h]:   z = σ(x W_z + h U_z + b_z), r = σ(x W_r + h U_r + b_r),
 *                     h̃ = tanh(x W_h + (r ⊙ h) U_h + b_h),  h ← z ⊙ h + (1 − z) ⊙ h̃
 *   LSTM [i, f, c, o]: i, f, o = σ(…), c ← f ⊙ c + i ⊙ tanh(x W_c + h U_c + b_c),  h ← o ⊙ tanh(c)
 */
import * as tf from '@tensorflow/tfjs';

export interface UnrolledRecurrent {
  /** Per recurrent layer, its state after each step: states[l][t] is [N, units]. */
  states: tf.Tensor2D[][];
  /** The 'logits' layer applied to the last layer's final state: [N, classes]. */
  logits: tf.Tensor2D;
}

const hardSigmoid = (a: tf.Tensor) => tf.clipByValue(tf.add(tf.mul(a, 0.2), 0.5), 0, 1);

function gruStep(x: tf.Tensor2D, h: tf.Tensor2D, W: tf.Tensor, U: tf.Tensor, b: tf.Tensor, u: number): tf.Tensor2D {
  const [xz, xr, xh] = tf.split(tf.add(tf.matMul(x, W as tf.Tensor2D), b), 3, 1);
  const [uzr, uh] = tf.split(U, [2 * u, u], 1);
  const [hz, hr] = tf.split(tf.matMul(h, uzr as tf.Tensor2D), 2, 1);
  const z = hardSigmoid(tf.add(xz, hz));
  const r = hardSigmoid(tf.add(xr, hr));
  const candidate = tf.tanh(tf.add(xh, tf.matMul(tf.mul<tf.Tensor2D>(r, h), uh as tf.Tensor2D)));
  return tf.add<tf.Tensor2D>(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate));
}

function lstmStep(x: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, W: tf.Tensor, U: tf.Tensor, b: tf.Tensor) {
  const a = tf.add(tf.add(tf.matMul(x, W as tf.Tensor2D), tf.matMul(h, U as tf.Tensor2D)), b);
  const [ai, af, ac, ao] = tf.split(a, 4, 1);
  const cNext = tf.add<tf.Tensor2D>(tf.mul(hardSigmoid(af), c), tf.mul(hardSigmoid(ai), tf.tanh(ac)));
  return { h: tf.mul<tf.Tensor2D>(hardSigmoid(ao), tf.tanh(cNext)), c: cNext };
}

/**
 * The forward pass of a kd.models.recurrent model (GRU or LSTM, any number of layers, image or [T, F] input)
 * as T explicit steps of its cell (see the file comment). The caller disposes the returned tensors.
 * Used in chapter 3 (§3.1: the unrolled RNN gives the same logits as the recurrent layer).
 * @param model a model built by kd.models.recurrent (layers 'rnn1'..'rnnN', 'logits')
 * @param x a batch of its inputs, [N, H, W, C] or [N, T, F]
 * @example
 * const { states, logits } = kd.models.unrollRecurrent(gru, batch); // logits ≈ gru.predict(batch)
 */
export function unrollRecurrent(model: tf.LayersModel, x: tf.Tensor): UnrolledRecurrent {
  const rnns = model.layers.filter((l) => /^rnn\d+$/.test(l.name));
  const kind = (l: tf.layers.Layer) => l.getClassName();
  if (rnns.length === 0 || !rnns.every((l) => kind(l) === 'GRU' || kind(l) === 'LSTM'))
    throw new Error(
      `unrollRecurrent: expected a kd.models.recurrent model (GRU/LSTM layers 'rnn1'..), got layers ${model.layers.map((l) => l.name).join(', ')}`,
    );
  if (x.rank !== 3 && x.rank !== 4)
    throw new Error(`unrollRecurrent: x must be [N, H, W, C] or [N, T, F], got shape [${x.shape.join(', ')}]`);
  const rows = model.layers.find((l) => l.name === 'rows');
  const seqShape = (rows ? rows.outputShape : model.inputs[0].shape) as (number | null)[];
  const [T, F] = [seqShape[1] as number, seqShape[2] as number];
  if (x.size / x.shape[0] !== T * F)
    throw new Error(
      `unrollRecurrent: the model reads ${T} steps of ${F} values, x has ${x.size / x.shape[0]} values per sample`,
    );
  return tf.tidy(() => {
    const N = x.shape[0];
    let seq = tf.unstack(tf.reshape(x, [N, T, F]), 1) as tf.Tensor2D[];
    const states: tf.Tensor2D[][] = [];
    for (const layer of rnns) {
      const [W, U, b] = layer.getWeights();
      const u = U.shape[0];
      let h = tf.zeros<tf.Rank.R2>([N, u]);
      let c = tf.zeros<tf.Rank.R2>([N, u]);
      const out: tf.Tensor2D[] = [];
      for (const xt of seq) {
        if (kind(layer) === 'GRU') h = gruStep(xt, h, W, U, b, u);
        else ({ h, c } = lstmStep(xt, h, c, W, U, b));
        out.push(h);
      }
      states.push(out);
      seq = out;
    }
    const [K, bias] = model.getLayer('logits').getWeights();
    const logits = tf.add<tf.Tensor2D>(tf.matMul(seq[seq.length - 1], K), bias);
    return { states, logits };
  });
}
