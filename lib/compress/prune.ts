/**
 * Magnitude pruning with fine-tuning (article §2.1; Han et al. 2015; schedule of Zhu & Gupta 2017,
 * "To prune, or not to prune").
 *
 * Every weight tensor of rank ≥ 2 (dense/conv/recurrent kernels) is pruned per tensor: its ⌊s·n⌋ smallest
 * magnitudes are set to zero and a 0/1 mask remembers them. Biases and normalisation parameters are kept.
 * - 'oneshot': prune to the target sparsity once, then fine-tune.
 * - 'gradual': n = `steps` pruning events spread over fine-tuning; event k (1..n) happens before global
 *   batch ⌊(k−1)·T/n⌋ (T = all fine-tuning batches) with sparsity s_k = s_f·(1 − (1 − k/n)³)  (Zhu & Gupta eq. 1
 *   with s_i = 0, t₀ = 0), leaving the last T/n batches to recover.
 * Masks are re-applied after EVERY optimiser step, so pruned weights stay exactly zero (Adam's momentum
 * would otherwise revive them).
 *
 * Stored size ('bytes'): the sparse format "bitmask + nonzero values": per pruned tensor ⌈n/8⌉ mask bytes +
 * 4 bytes per nonzero weight; other tensors dense float32. `encodeSparse` writes exactly that buffer.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import { Distiller } from '../distill/distiller';
import { cloneModel } from '../distill/io';
import type { DistillerConfig, Term } from '../distill/types';
import { CompressionReport, countNonzero, countParams, measureLatency } from './report';
import { evaluate } from '../distill/evaluate';

export interface PruneOptions {
  /** Target fraction of zeros in each prunable tensor, in [0, 1). */
  sparsity: number;
  /** Default 'oneshot'. */
  schedule?: 'oneshot' | 'gradual';
  /** Pruning events of the gradual schedule. Default 8. */
  steps?: number;
  /** Fine-tune the pruned model (plain cross-entropy, or KD if `teacher`/`terms` are given). */
  finetune?: {
    data: Dataset;
    epochs: number;
    batchSize?: number;
    seed?: number;
    optimizer?: DistillerConfig['optimizer'];
    teacher?: DistillerConfig['teacher'];
    terms?: Term[];
    augment?: boolean;
  };
  /** Dataset for the report's accuracy. */
  test?: Dataset;
  latency?: { batchSize?: number; runs?: number; warmup?: number };
}

export interface PruneReport extends CompressionReport {
  method: 'prune';
  targetSparsity: number;
  /** Actual fraction of zeros over the prunable tensors. */
  sparsity: number;
  /** 4 bytes per parameter (the unpruned float32 size), for comparison with `bytes`. */
  denseBytes: number;
  schedule: 'oneshot' | 'gradual';
  /** Sparsity reached after each pruning event. */
  events: { batch: number; sparsity: number }[];
}

/** Indices into model.weights of the tensors that are pruned (rank ≥ 2). */
export function prunableWeights(model: tf.LayersModel): number[] {
  return model.weights.map((w, i) => (w.shape.length >= 2 ? i : -1)).filter((i) => i >= 0);
}

/** 0/1 mask zeroing exactly ⌊s·n⌋ of the smallest |w| (ties broken by position). */
export function magnitudeMask(values: Float32Array, sparsity: number): Float32Array {
  const n = values.length;
  const k = Math.floor(sparsity * n);
  const mask = new Float32Array(n).fill(1);
  if (k === 0) return mask;
  const abs = Float32Array.from(values, Math.abs);
  const sorted = abs.slice().sort();
  const thr = sorted[k - 1];
  let zeroed = 0;
  for (let i = 0; i < n; i++)
    if (abs[i] < thr) {
      mask[i] = 0;
      zeroed++;
    }
  for (let i = 0; i < n && zeroed < k; i++)
    if (abs[i] === thr) {
      mask[i] = 0;
      zeroed++;
    }
  return mask;
}

/** Polynomial sparsity of event k of n (1-based): s_f·(1 − (1 − k/n)³). */
export function gradualSparsity(final: number, k: number, n: number): number {
  return final * (1 - Math.pow(1 - k / n, 3));
}

/** The sparse "bitmask + nonzero float32" encoding of a model's weights (layout in the file comment). */
export function encodeSparse(model: tf.LayersModel): Uint8Array {
  const prunable = new Set(prunableWeights(model));
  const chunks: Uint8Array[] = [];
  model.getWeights().forEach((w, i) => {
    const v = w.dataSync() as Float32Array;
    if (!prunable.has(i)) {
      chunks.push(new Uint8Array(Float32Array.from(v).buffer));
      return;
    }
    const bits = new Uint8Array(Math.ceil(v.length / 8));
    const nz: number[] = [];
    for (let j = 0; j < v.length; j++)
      if (v[j] !== 0) {
        bits[j >> 3] |= 1 << (j & 7);
        nz.push(v[j]);
      }
    chunks.push(bits, new Uint8Array(Float32Array.from(nz).buffer));
  });
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

class Masks {
  private masks = new Map<number, tf.Tensor>();
  constructor(
    private model: tf.LayersModel,
    private idx: number[],
  ) {}
  /** Recompute masks at `sparsity` from current magnitudes and apply them. Returns actual sparsity. */
  update(sparsity: number): number {
    let zeros = 0,
      total = 0;
    for (const i of this.idx) {
      const w = this.model.weights[i];
      const v = w.read().dataSync() as Float32Array;
      const m = magnitudeMask(v, sparsity);
      this.masks.get(i)?.dispose();
      this.masks.set(i, tf.tensor(m, w.shape as number[]));
      for (let j = 0; j < m.length; j++) if (m[j] === 0) zeros++;
      total += m.length;
    }
    this.apply();
    return total ? zeros / total : 0;
  }
  apply(): void {
    tf.tidy(() => {
      for (const [i, m] of this.masks) this.model.weights[i].write(tf.mul(this.model.weights[i].read(), m));
    });
  }
  dispose(): void {
    for (const m of this.masks.values()) m.dispose();
    this.masks.clear();
  }
}

/** Fraction of exact zeros over the prunable tensors. */
export function measuredSparsity(model: tf.LayersModel): number {
  let zeros = 0,
    total = 0;
  for (const i of prunableWeights(model)) {
    const v = model.weights[i].read().dataSync();
    for (let j = 0; j < v.length; j++) if (v[j] === 0) zeros++;
    total += v.length;
  }
  return total ? zeros / total : 0;
}

/** Prune a COPY of `model` (the original is untouched) and report it; see the file comment. */
export async function prune(model: tf.LayersModel, opts: PruneOptions): Promise<PruneReport> {
  if (!(model instanceof tf.LayersModel)) throw new Error(`model: expected a tf.LayersModel, got ${typeof model}`);
  if (opts == null || !(typeof opts.sparsity === 'number' && opts.sparsity >= 0 && opts.sparsity < 1)) {
    throw new Error(`sparsity: expected a number in [0, 1), got ${opts?.sparsity}`);
  }
  const schedule = opts.schedule ?? 'oneshot';
  if (schedule !== 'oneshot' && schedule !== 'gradual')
    throw new Error(`schedule: expected 'oneshot' or 'gradual', got ${JSON.stringify(schedule)}`);
  let steps = opts.steps ?? 8;
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`steps: expected an integer >= 1, got ${steps}`);
  const ft = opts.finetune;
  if (ft != null && !(Number.isInteger(ft.epochs) && ft.epochs >= 0))
    throw new Error(`finetune.epochs: expected an integer >= 0, got ${ft.epochs}`);

  const pruned = await cloneModel(model);
  const idx = prunableWeights(pruned);
  if (idx.length === 0) throw new Error(`model ${model.name}: has no weight tensor of rank >= 2 to prune`);
  const masks = new Masks(pruned, idx);
  const events: { batch: number; sparsity: number }[] = [];
  let onBatch: ((globalBatch: number) => void) | undefined;
  try {
    const batchSize = ft?.batchSize ?? 64;
    const T = ft && ft.epochs > 0 ? ft.epochs * Math.ceil(ft.data.n / batchSize) : 0;
    if (schedule === 'oneshot' || T === 0) {
      events.push({ batch: 0, sparsity: masks.update(opts.sparsity) });
    } else {
      steps = Math.min(steps, T);
      const at = new Map<number, number>(); // global batch index → event k
      for (let k = 1; k <= steps; k++) at.set(Math.floor(((k - 1) * T) / steps), k);
      events.push({ batch: 0, sparsity: masks.update(gradualSparsity(opts.sparsity, 1, steps)) });
      onBatch = (global: number) => {
        const k = at.get(global);
        if (k != null && k > 1)
          events.push({ batch: global, sparsity: masks.update(gradualSparsity(opts.sparsity, k, steps)) });
      };
    }
    if (ft && ft.epochs > 0) {
      const d = new Distiller({
        student: pruned,
        teacher: ft.teacher,
        terms: ft.terms,
        optimizer: ft.optimizer,
        seed: ft.seed ?? 0,
      });
      try {
        await d.fit(ft.data, {
          epochs: ft.epochs,
          batchSize,
          augment: ft.augment,
          callbacks: {
            onBatchEnd: (e) => {
              masks.apply(); // after every optimiser step: pruned weights back to exactly zero
              onBatch?.(e.epoch * e.batchesPerEpoch + e.batch + 1);
            },
          },
        });
      } finally {
        d.dispose();
      }
    }
  } finally {
    masks.dispose();
  }
  const params = countParams(pruned);
  return {
    method: 'prune',
    params,
    nonzeroParams: countNonzero(pruned),
    bytes: encodeSparse(pruned).length,
    accuracy: opts.test ? evaluate(pruned, opts.test).accuracy : null,
    latencyMs: measureLatency(pruned, opts.latency),
    latencyBatch: opts.latency?.batchSize ?? 32,
    model: pruned,
    targetSparsity: opts.sparsity,
    sparsity: measuredSparsity(pruned),
    denseBytes: 4 * params,
    schedule,
    events,
  };
}
