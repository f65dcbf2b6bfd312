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
  /** The model's accuracy on the labels of `ds` (from the same forward pass). */
  accuracy: number;
  n: number;
}

/**
 * Top-1 agreement and mean KL(reference ‖ model) of two classifiers (logit outputs) on the samples of `ds`, and the
 * model's accuracy. `reference` is a model, or its logits for every sample of `ds` in order ([n, classes], e.g. from
 * kd.distill.predict), so that comparing many models with one teacher runs the teacher once.
 * Used in chapter 2 (§2.2 layer re-initialisation, §2.3 compressed teachers against distilled students).
 */
export function agreement(
  reference: tf.LayersModel | tf.Tensor2D,
  model: tf.LayersModel,
  ds: Dataset,
  opts: { temperature?: number; batchSize?: number } = {},
): AgreementResult {
  if (!(model instanceof tf.LayersModel)) throw new Error('agreement: model must be a tf.LayersModel');
  const given = reference instanceof tf.Tensor ? reference : null;
  if (given == null && !(reference instanceof tf.LayersModel))
    throw new Error('agreement: reference must be a tf.LayersModel or its logits as a [n, classes] tensor');
  if (given != null && (given.rank !== 2 || given.shape[0] !== ds?.n))
    throw new Error(
      `agreement: reference logits must have shape [${ds?.n}, classes] (one row per sample), got ${JSON.stringify(given.shape)}`,
    );
  checkLabels(ds);
  const T = opts.temperature ?? 1;
  if (!(typeof T === 'number' && T > 0 && Number.isFinite(T)))
    throw new Error(`agreement: temperature must be a positive number, got ${T}`);
  const bs = opts.batchSize ?? 256;
  if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`agreement: batchSize must be a positive integer, got ${bs}`);
  let same = 0;
  let klSum = 0;
  let correct = 0;
  for (let s = 0; s < ds.n; s += bs) {
    const e = Math.min(ds.n, s + bs);
    const packed = tf.tidy(() => {
      const zr = given
        ? tf.slice(given, [s, 0], [e - s, -1])
        : ((reference as tf.LayersModel).predict(
            sliceInput(ds, s, e, inputShapeOf(reference as tf.LayersModel)),
          ) as tf.Tensor2D);
      const zm = model.predict(sliceInput(ds, s, e, inputShapeOf(model))) as tf.Tensor2D;
      if (zr.shape[1] !== zm.shape[1])
        throw new Error(`agreement: the models have ${zr.shape[1]} and ${zm.shape[1]} outputs; they must match`);
      const lr = tf.logSoftmax(tf.div(zr, T));
      const lm = tf.logSoftmax(tf.div(zm, T));
      const kl = tf.sum(tf.mul(tf.exp(lr), tf.sub(lr, lm)), 1);
      const agree = tf.cast(tf.equal(tf.argMax(zr, 1), tf.argMax(zm, 1)), 'float32');
      const right = tf.cast(tf.equal(tf.argMax(zm, 1), tf.tensor1d(ds.y.subarray(s, e), 'int32')), 'float32');
      return tf.stack([tf.sum(agree), tf.sum(kl), tf.sum(right)]);
    });
    const v = packed.dataSync();
    packed.dispose();
    same += v[0];
    klSum += v[1];
    correct += v[2];
  }
  return { top1: same / ds.n, kl: klSum / ds.n, accuracy: correct / ds.n, n: ds.n };
}
