/**
 * 8-bit affine quantization of a tfjs weights blob for the live page: each float32 tensor is stored as bytes q with
 * a per-tensor `min` and `scale` in its weight spec, which tf.io.decodeWeights turns back into q·scale + min. The
 * error per weight is at most scale / 2 = (max − min) / 510; the page's weights shrink 4×.
 */
import type * as tf from '@tensorflow/tfjs';

export interface Quantized {
  min: number;
  scale: number;
  bytes: Uint8Array;
}

export function quantizeUint8(values: Float32Array): Quantized {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error(`quantizeUint8: a weight is ${v}; cannot quantize a non-finite value`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (values.length === 0) return { min: 0, scale: 1, bytes: new Uint8Array(0) };
  // A constant tensor (e.g. zero biases) has no range: every q is 0 and decodes to min exactly.
  const scale = max > min ? (max - min) / 255 : 1;
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round((values[i] - min) / scale);
  return { min, scale, bytes };
}

/**
 * A weights blob (float32 tensors back to back, as `specs` describe) → the same tensors quantized to uint8, with
 * specs that say so. Tensors of other dtypes are rejected: the page's models are float32 Dense layers.
 */
export function quantizeWeights(
  specs: tf.io.WeightsManifestEntry[],
  data: ArrayBuffer,
): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const s of specs) {
    if (s.dtype !== 'float32' || s.quantization)
      throw new Error(
        `quantizeWeights: ${s.name} is ${s.quantization ? 'already quantized' : s.dtype}, expected float32`,
      );
    const n = s.shape.reduce((a, d) => a * d, 1);
    if (offset + 4 * n > data.byteLength)
      throw new Error(`quantizeWeights: the weights data ends inside ${s.name} (${data.byteLength} bytes)`);
    const q = quantizeUint8(new Float32Array(data.slice(offset, offset + 4 * n)));
    offset += 4 * n;
    parts.push(q.bytes);
    out.push({ ...s, quantization: { dtype: 'uint8', min: q.min, scale: q.scale } });
  }
  if (offset !== data.byteLength)
    throw new Error(`quantizeWeights: ${data.byteLength - offset} bytes of weights data left over after the specs`);
  const joined = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.length;
  }
  return { specs: out, data: joined };
}
