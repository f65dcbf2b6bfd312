/**
 * Post-training precision conversion (article §2.1): float16, or int8 affine quantisation
 * (Jacob et al., CVPR 2018: x ≈ scale · (q − zeroPoint)), per tensor or per output channel.
 * The quantised weights are serialised to a buffer (the REAL stored size), decoded back
 * (dequantised) into a copy of the model, and that copy's accuracy and latency are measured.
 *
 * Buffer format (little-endian; tensors in `model.weights` order; shapes/names come from model.json,
 * as in the tfjs weights manifest, so they are not in the buffer):
 * - bits 16: each tensor as n IEEE half values (uint16)             → bytes = 2 · Σ n
 * - bits 8 : each tensor as G groups × (scale float32, zeroPoint int32), then n int8 values
 *            → bytes = Σ (n + 8·G).  G = 1 per tensor; with `perChannel`, G = size of the last axis
 *            (the output channel of dense [in,out] and conv [h,w,in,out] kernels) for tensors of rank ≥ 2,
 *            and 1 for rank-0/1 tensors (biases, norm parameters).
 * int8 affine per group: lo = min(min x, 0), hi = max(max x, 0) (0 exactly representable),
 * scale = (hi − lo)/255 rounded UP to float32 (1 if hi = lo), zeroPoint = round(−128 − lo/scale) clamped to [−128, 127],
 * q = clamp(round(x/scale) + zeroPoint, −128, 127). Dequantisation error ≤ scale/2 per element.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';
import { cloneModel } from '../distill/io';
import { evaluate } from '../distill/evaluate';
import { fromHalfBits, toHalfBits } from './float16';
import { CompressionReport, countNonzero, countParams, measureLatency } from './report';

export interface QuantizeOptions {
  bits: 16 | 8;
  /** int8 only: one scale/zero point per output channel (last axis) of rank ≥ 2 tensors. Default false. */
  perChannel?: boolean;
  test?: Dataset;
  latency?: { batchSize?: number; runs?: number; warmup?: number };
}

/** Layout of one tensor in the buffer. */
export interface QuantizedTensorSpec {
  name: string;
  shape: number[];
  size: number;
  groups: number;
  offset: number;
  bytes: number;
}

export interface QuantizeReport extends CompressionReport {
  method: 'quantize';
  bits: 16 | 8;
  perChannel: boolean;
  /** The serialised quantised weights; `bytes === buffer.length`. */
  buffer: Uint8Array;
  tensors: QuantizedTensorSpec[];
  /** Largest |x − dequantised x| over all weights. */
  maxAbsError: number;
}

/** Groups of a tensor: 1, or the last axis for per-channel int8 on rank ≥ 2. */
function groupsOf(shape: number[], bits: number, perChannel: boolean): number {
  return bits === 8 && perChannel && shape.length >= 2 ? shape[shape.length - 1] : 1;
}

/** The smallest float32 ≥ v (v > 0): rounding the scale up keeps (hi − lo)/scale ≤ 255, so the error bound scale/2 holds exactly. */
function float32AtLeast(v: number): number {
  const f = new Float32Array([v]);
  if (f[0] < v) {
    const u = new Uint32Array(f.buffer);
    u[0] += 1;
  }
  return f[0];
}

/** Affine int8 parameters of a group with values in [min, max] (see the file comment). */
export function affineParams(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(min, 0),
    hi = Math.max(max, 0);
  const scale = hi > lo ? float32AtLeast((hi - lo) / 255) : 1;
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return { scale, zeroPoint };
}

/** Serialise `values` (one tensor) at the given precision into `view` at `offset`; returns the new offset. */
function encodeTensor(
  view: DataView,
  offset: number,
  values: Float32Array,
  shape: number[],
  bits: number,
  groups: number,
): number {
  const n = values.length;
  if (bits === 16) {
    for (let i = 0; i < n; i++, offset += 2) view.setUint16(offset, toHalfBits(values[i]), true);
    return offset;
  }
  // element i belongs to channel i % C when the channel is the last (fastest) axis
  const C = groups;
  const mins = new Array<number>(C).fill(Infinity),
    maxs = new Array<number>(C).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const c = C === 1 ? 0 : i % C;
    if (values[i] < mins[c]) mins[c] = values[i];
    if (values[i] > maxs[c]) maxs[c] = values[i];
  }
  const params = mins.map((mn, c) => affineParams(n === 0 ? 0 : mn, n === 0 ? 0 : maxs[c]));
  for (const p of params) {
    view.setFloat32(offset, p.scale, true);
    view.setInt32(offset + 4, p.zeroPoint, true);
    offset += 8;
  }
  for (let i = 0; i < n; i++, offset++) {
    const p = params[C === 1 ? 0 : i % C];
    view.setInt8(offset, Math.max(-128, Math.min(127, Math.round(values[i] / p.scale) + p.zeroPoint)));
  }
  void shape;
  return offset;
}

/** Decode the buffer back to float32 values, one array per tensor spec. */
export function dequantizeBuffer(buffer: Uint8Array, tensors: QuantizedTensorSpec[], bits: 16 | 8): Float32Array[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return tensors.map((t) => {
    const out = new Float32Array(t.size);
    let o = t.offset;
    if (bits === 16) {
      for (let i = 0; i < t.size; i++, o += 2) out[i] = fromHalfBits(view.getUint16(o, true));
      return out;
    }
    const scales: number[] = [],
      zps: number[] = [];
    for (let g = 0; g < t.groups; g++, o += 8) {
      scales.push(view.getFloat32(o, true));
      zps.push(view.getInt32(o + 4, true));
    }
    for (let i = 0; i < t.size; i++, o++) {
      const g = t.groups === 1 ? 0 : i % t.groups;
      out[i] = (view.getInt8(o) - zps[g]) * scales[g];
    }
    return out;
  });
}

/** Encode all weights of `model`; returns the buffer and the per-tensor layout. */
export function quantizeWeights(
  model: tf.LayersModel,
  bits: 16 | 8,
  perChannel = false,
): { buffer: Uint8Array; tensors: QuantizedTensorSpec[]; values: Float32Array[] } {
  const values = model.getWeights().map((w) => {
    if (w.dtype !== 'float32') throw new Error(`weight ${w.id}: expected float32 weights to quantise, got ${w.dtype}`);
    return w.dataSync() as Float32Array;
  });
  const tensors: QuantizedTensorSpec[] = [];
  let offset = 0;
  model.weights.forEach((w, i) => {
    const shape = w.shape as number[];
    const size = values[i].length;
    const groups = groupsOf(shape, bits, perChannel);
    const bytes = bits === 16 ? 2 * size : size + 8 * groups;
    tensors.push({ name: w.originalName ?? w.name, shape, size, groups, offset, bytes });
    offset += bytes;
  });
  const buffer = new Uint8Array(offset);
  const view = new DataView(buffer.buffer);
  tensors.forEach((t, i) => {
    const end = encodeTensor(view, t.offset, values[i], t.shape, bits, t.groups);
    if (end !== t.offset + t.bytes)
      throw new Error(`internal: tensor ${t.name} encoded ${end - t.offset} bytes, layout says ${t.bytes}`);
  });
  return { buffer, tensors, values };
}

/** Quantise a COPY of `model` (the original is untouched) and report it; see the file comment. */
export async function quantize(model: tf.LayersModel, opts: QuantizeOptions): Promise<QuantizeReport> {
  if (!(model instanceof tf.LayersModel)) throw new Error(`model: expected a tf.LayersModel, got ${typeof model}`);
  const bits = opts?.bits;
  if (bits !== 16 && bits !== 8) throw new Error(`bits: expected 16 or 8, got ${bits}`);
  const perChannel = opts.perChannel ?? false;
  if (perChannel && bits !== 8) throw new Error(`perChannel: only meaningful for bits 8, got bits ${bits}`);
  const { buffer, tensors, values } = quantizeWeights(model, bits, perChannel);
  const decoded = dequantizeBuffer(buffer, tensors, bits);
  let maxAbsError = 0;
  decoded.forEach((d, i) => {
    for (let j = 0; j < d.length; j++) maxAbsError = Math.max(maxAbsError, Math.abs(d[j] - values[i][j]));
  });
  const q = await cloneModel(model);
  const ts = decoded.map((d, i) => tf.tensor(d, tensors[i].shape, 'float32'));
  q.setWeights(ts);
  tf.dispose(ts);
  return {
    method: 'quantize',
    params: countParams(q),
    nonzeroParams: countNonzero(q),
    bytes: buffer.length,
    accuracy: opts.test ? evaluate(q, opts.test).accuracy : null,
    latencyMs: measureLatency(q, opts.latency),
    latencyBatch: opts.latency?.batchSize ?? 32,
    model: q,
    bits,
    perChannel,
    buffer,
    tensors,
    maxAbsError,
  };
}
