/**
 * IEEE 754 binary16 ("half") conversion in plain JS: float32 → half bits with round-to-nearest-even
 * (subnormals, overflow to ±Inf, NaN kept), and half bits → number. tfjs has no float16 dtype on
 * cpu/wasm, so quantize({bits: 16}) stores these bits and dequantises them for inference.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Half-precision bits (0..65535) of the float32 nearest to `v`, rounded to nearest even. */
export function toHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large → Inf
  if (e <= 0) {
    // subnormal half: value = m · 2^-24, m = full >> (14 − e)
    if (e < -10) return sign; // below half of the smallest subnormal → ±0
    const full = mant | 0x800000;
    const shift = 14 - e;
    let h = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry into the exponent is the correct rounding (up to Inf)
  return sign | h;
}

/** The value of half-precision bits. */
export function fromHalfBits(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
