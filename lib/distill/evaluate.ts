/**
 * Evaluation of trained models: classification metrics (accuracy, error count, per-class errors,
 * confusion matrix, mean cross-entropy). Recall@K for embeddings is in retrieval.ts.
 * Models are assumed to output logits (kd.models builders end in a linear 'logits' layer).
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import { sampleSize } from '../data/dataset';
import { inputShapeOf } from '../models/common';

export interface EvaluateOptions {
  /** Samples per forward pass. Default 256. */
  batchSize?: number;
  /** Read `ds.views[view]` instead of `ds.x` (cross-modal students). */
  view?: string;
}

export interface EvaluateResult {
  accuracy: number;
  errors: number;
  n: number;
  perClassErrors: number[];
  /** confusion[trueClass][predictedClass] = count. */
  confusion: number[][];
  /** Mean softmax cross-entropy of the logits against the labels (nats). */
  loss: number;
}

/** The samples (`x` or a named view) of a dataset with their per-sample shape. */
export function viewOf(ds: Dataset, view?: string, arg = 'view'): { x: Float32Array; sampleShape: number[] } {
  if (view == null) return { x: ds.x, sampleShape: ds.sampleShape };
  const v = ds.views?.[view];
  if (v == null)
    throw new Error(
      `${arg}: expected one of ${JSON.stringify(Object.keys(ds.views ?? {}))}, got ${JSON.stringify(view)}`,
    );
  return v;
}

/** Rows [start, end) of a view, reshaped to the model's input shape (sizes must agree). */
export function sliceInput(ds: Dataset, start: number, end: number, inputShape: number[], view?: string): tf.Tensor {
  const v = viewOf(ds, view);
  const per = sampleSize(v.sampleShape);
  const want = sampleSize(inputShape);
  if (per !== want) {
    throw new Error(
      `model input ${JSON.stringify(inputShape)} (${want} values) does not fit samples of shape ${JSON.stringify(v.sampleShape)} (${per} values)${view ? ` in view '${view}'` : ''}`,
    );
  }
  return tf.tensor(v.x.subarray(start * per, end * per), [end - start, ...inputShape], 'float32');
}

function checkDataset(ds: Dataset, name = 'ds'): void {
  if (ds == null || !(ds.x instanceof Float32Array) || !(ds.y instanceof Int32Array) || !(ds.n > 0)) {
    throw new Error(
      `${name}: expected a non-empty kd.data Dataset {x: Float32Array, y: Int32Array, n > 0}, got ${ds == null ? ds : `n=${ds.n}`}`,
    );
  }
}

/** Every label of `ds` must be a class index in [0, ds.classes), as the Dataset contract says. */
export function checkLabels(ds: Dataset, name = 'ds'): void {
  if (!(Number.isInteger(ds.classes) && ds.classes > 0))
    throw new Error(`${name}.classes: expected a positive integer, got ${ds.classes}`);
  for (let i = 0; i < ds.y.length; i++) {
    const v = ds.y[i];
    if (v < 0 || v >= ds.classes) {
      throw new Error(
        `${name}.y[${i}] is ${v}: expected a class index in [0, ${ds.classes - 1}] (${name}.classes = ${ds.classes})`,
      );
    }
  }
}

/**
 * Model outputs (logits or embeddings) for every sample of `ds`, as one [n, outputs] tensor (caller disposes).
 * Used in chapter 4 (teacher logits in §4.1, §4.4 and §4.6).
 */
export function predict(model: tf.LayersModel, ds: Dataset, opts: EvaluateOptions = {}): tf.Tensor2D {
  checkDataset(ds);
  const bs = opts.batchSize ?? 256;
  if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`batchSize: expected a positive integer, got ${bs}`);
  const shape = inputShapeOf(model);
  const parts: tf.Tensor[] = [];
  for (let s = 0; s < ds.n; s += bs) {
    const e = Math.min(ds.n, s + bs);
    parts.push(tf.tidy(() => model.predict(sliceInput(ds, s, e, shape, opts.view)) as tf.Tensor));
  }
  const out = tf.concat(parts, 0) as tf.Tensor2D;
  tf.dispose(parts);
  return out;
}

/**
 * Accuracy, errors, per-class errors, confusion matrix and mean cross-entropy of `model` on `ds`.
 * Used in chapter 4 (every test-error count).
 */
export function evaluate(model: tf.LayersModel, ds: Dataset, opts: EvaluateOptions = {}): EvaluateResult {
  checkDataset(ds);
  checkLabels(ds);
  const bs = opts.batchSize ?? 256;
  const shape = inputShapeOf(model);
  const classes = ds.classes;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let lossSum = 0;
  for (let s = 0; s < ds.n; s += bs) {
    const e = Math.min(ds.n, s + bs);
    const labels = ds.y.subarray(s, e);
    // One read-back per batch: predicted class and per-sample cross-entropy packed in one tensor.
    const packed = tf.tidy(() => {
      const logits = model.predict(sliceInput(ds, s, e, shape, opts.view)) as tf.Tensor2D;
      if (logits.rank !== 2 || logits.shape[1] !== classes) {
        throw new Error(
          `model output: expected logits of shape [batch, ${classes}], got ${JSON.stringify(logits.shape)}`,
        );
      }
      const y = tf.tensor1d(labels, 'int32');
      const ce = tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, tf.oneHot(y, classes)), 1));
      return tf.stack([tf.cast(tf.argMax(logits, 1), 'float32'), ce], 0);
    });
    const v = packed.dataSync();
    packed.dispose();
    const m = e - s;
    for (let i = 0; i < m; i++) {
      confusion[labels[i]][v[i]]++;
      lossSum += v[m + i];
    }
  }
  const perClassErrors = confusion.map((row, c) => row.reduce((a, b) => a + b, 0) - row[c]);
  const errors = perClassErrors.reduce((a, b) => a + b, 0);
  return { accuracy: (ds.n - errors) / ds.n, errors, n: ds.n, perClassErrors, confusion, loss: lossSum / ds.n };
}
