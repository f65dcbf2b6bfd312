/**
 * A minimal PNG encoder (PNG spec, ISO/IEC 15948): signature, IHDR, one zlib-compressed IDAT with filter
 * type 0 on every scanline, IEND; each chunk carries a CRC-32 (polynomial 0xEDB88320) over type + data.
 * 8-bit grayscale (colour type 0) or RGB (colour type 2), optional integer nearest-neighbour upscaling.
 */
import * as zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Encode row-major 8-bit samples (`channels` per pixel, 1 = gray, 3 = RGB) as a PNG file.
 * `scale` repeats each pixel scale×scale times.
 */
export function encodePng(
  img: { width: number; height: number; channels: 1 | 3; pixels: Uint8Array },
  scale = 1,
): Buffer {
  const { width, height, channels, pixels } = img;
  if (!(channels === 1 || channels === 3)) throw new Error(`encodePng: channels must be 1 or 3, got ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  if (pixels.length !== width * height * channels) {
    throw new Error(
      `encodePng: expected ${width}×${height}×${channels}=${width * height * channels} samples, got ${pixels.length}`,
    );
  }
  if (!Number.isInteger(scale) || scale < 1)
    throw new Error(`encodePng: scale must be a positive integer, got ${scale}`);
  const W = width * scale,
    H = height * scale,
    stride = W * channels + 1;
  const raw = Buffer.alloc(stride * H); // each scanline: filter byte 0 (None) + samples
  for (let y = 0; y < H; y++) {
    const src = Math.floor(y / scale) * width;
    for (let x = 0; x < W; x++) {
      const s = (src + Math.floor(x / scale)) * channels;
      for (let c = 0; c < channels; c++) raw[y * stride + 1 + x * channels + c] = pixels[s + c];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0; // deflate, adaptive filtering, no interlace
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
