/**
 * How much of a reference model's behaviour another model keeps — not its accuracy on the labels, but whether
 * it answers like the reference: the same top-1 class, and the same output distribution (KL divergence from the
 * reference's softmax). The measure of "knowledge kept" when a teacher is compressed or distilled.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import { inputShapeOf } from '../models/common';
import { checkLabels, sliceInput } from './evaluate';

export interface AgreementResult {
  /** Fraction of samples on which the two models' top-1 classes are the same. */
  top1: number;
  /** Mean over samples of KL(p_reference ‖ p_model) in nats, both softmaxes at `temperature`. */
  kl: number;
  n: number;
}

/**
 * Top-1 agreement and mean KL(reference ‖ model) of two classifiers (logit outputs) on the samples of `ds`.
 * Used in chapter 2 (§2.2 layer re-initialisation, §2.3 compressed teachers against distilled students).
 */
export function agreement(
  reference: tf.LayersModel,
  model: tf.LayersModel,
  ds: Dataset,
  opts: { temperature?: number; batchSize?: number } = {},
): AgreementResult {
  if (!(reference instanceof tf.LayersModel) || !(model instanceof tf.LayersModel))
    throw new Error('agreement: reference and model must be tf.LayersModels');
  checkLabels(ds);
  const T = opts.temperature ?? 1;
  if (!(typeof T === 'number' && T > 0 && Number.isFinite(T)))
    throw new Error(`agreement: temperature must be a positive number, got ${T}`);
  const bs = opts.batchSize ?? 256;
  if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`agreement: batchSize must be a positive integer, got ${bs}`);
  let same = 0;
  let klSum = 0;
  for (let s = 0; s < ds.n; s += bs) {
    const e = Math.min(ds.n, s + bs);
    const packed = tf.tidy(() => {
      const zr = reference.predict(sliceInput(ds, s, e, inputShapeOf(reference))) as tf.Tensor2D;
      const zm = model.predict(sliceInput(ds, s, e, inputShapeOf(model))) as tf.Tensor2D;
      if (zr.shape[1] !== zm.shape[1])
        throw new Error(`agreement: the models have ${zr.shape[1]} and ${zm.shape[1]} outputs; they must match`);
      const lr = tf.logSoftmax(tf.div(zr, T));
      const lm = tf.logSoftmax(tf.div(zm, T));
      const kl = tf.sum(tf.mul(tf.exp(lr), tf.sub(lr, lm)), 1);
      const agree = tf.cast(tf.equal(tf.argMax(zr, 1), tf.argMax(zm, 1)), 'float32');
      return tf.stack([tf.sum(agree), tf.sum(kl)]);
    });
    const v = packed.dataSync();
    packed.dispose();
    same += v[0];
    klSum += v[1];
  }
  return { top1: same / ds.n, kl: klSum / ds.n, n: ds.n };
}
