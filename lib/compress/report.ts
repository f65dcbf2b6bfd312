/**
 * The common report of every compression method (and of a KD student, via `measure`), so a chapter can
 * plot accuracy against stored size for pruning, quantisation, architecture search and distillation.
 * `bytes` is the size of the stored WEIGHTS in the method's format (float32 for plain models); the JSON
 * topology, identical for all methods, is not counted.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import { evaluate } from '../distill/evaluate';
import { inputShapeOf } from '../models/common';

export interface CompressionReport {
  /** 'float32' | 'prune' | 'quantize' | 'search' | 'kd' | whatever `measure` was given. */
  method: string;
  /** All weights (trainable and not), as tfjs counts them. */
  params: number;
  /** Weights that are not exactly zero (after dequantisation for quantised models). */
  nonzeroParams: number;
  /** Stored weight bytes in the method's format. */
  bytes: number;
  /** Accuracy on the `test` Dataset if one was given, else null. */
  accuracy: number | null;
  /** Median wall-clock ms of one forward pass of a batch of `latencyBatch` samples (includes read-back). */
  latencyMs: number;
  latencyBatch: number;
  /** The (compressed, or dequantised) model the accuracy/latency were measured on. */
  model: tf.LayersModel;
}

export interface MeasureOptions {
  method?: string;
  test?: Dataset;
  /** View of `test` the model reads (cross-modal students). */
  view?: string;
  /** Override the stored size (default 4 bytes per parameter). */
  bytes?: number;
  latency?: { batchSize?: number; runs?: number; warmup?: number };
}

export function countParams(model: tf.LayersModel): number {
  return model.weights.reduce((a, w) => a + w.shape.reduce((p: number, d) => p * (d as number), 1), 0);
}

/** Number of weights that are not exactly 0 (one read-back per weight tensor). */
export function countNonzero(model: tf.LayersModel): number {
  let nz = 0;
  for (const w of model.getWeights()) {
    const v = w.dataSync();
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) nz++;
  }
  return nz;
}

/**
 * Median milliseconds per forward pass of a batch of zeros of `batchSize` (default 32) over `runs`
 * (default 10) timed runs after `warmup` (default 2) untimed ones. Each run ends with a read-back, so
 * asynchronous backends are measured to completion.
 */
export function measureLatency(
  model: tf.LayersModel,
  opts: { batchSize?: number; runs?: number; warmup?: number } = {},
): number {
  const batchSize = opts.batchSize ?? 32;
  const runs = opts.runs ?? 10;
  const warmup = opts.warmup ?? 2;
  if (!(Number.isInteger(batchSize) && batchSize > 0))
    throw new Error(`latency.batchSize: expected a positive integer, got ${batchSize}`);
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`latency.runs: expected a positive integer, got ${runs}`);
  const x = tf.zeros([batchSize, ...inputShapeOf(model)]);
  const times: number[] = [];
  try {
    for (let r = 0; r < warmup + runs; r++) {
      const t0 = performance.now();
      tf.tidy(() => {
        (model.predict(x) as tf.Tensor).dataSync();
      });
      if (r >= warmup) times.push(performance.now() - t0);
    }
  } finally {
    x.dispose();
  }
  times.sort((a, b) => a - b);
  const m = times.length >> 1;
  return times.length % 2 ? times[m] : (times[m - 1] + times[m]) / 2;
}

/** The report of an uncompressed model (e.g. a KD student or the float32 baseline): 4 bytes per parameter. */
export function measure(model: tf.LayersModel, opts: MeasureOptions = {}): CompressionReport {
  const params = countParams(model);
  const latencyBatch = opts.latency?.batchSize ?? 32;
  return {
    method: opts.method ?? 'float32',
    params,
    nonzeroParams: countNonzero(model),
    bytes: opts.bytes ?? 4 * params,
    accuracy: opts.test ? evaluate(model, opts.test, { view: opts.view }).accuracy : null,
    latencyMs: measureLatency(model, opts.latency),
    latencyBatch,
    model,
  };
}
