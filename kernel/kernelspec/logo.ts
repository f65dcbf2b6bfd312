/**
 * The kernel logos (kernel/assets/logo-32x32.png, logo-64x64.png), drawn in code so they can be regenerated
 * without an image editor: `node dist/kernel/kernelspec/logo.js`. A rounded blue square with "KD" in a 5x7
 * pixel font, encoded as an 8-bit RGBA PNG (signature, IHDR, one zlib IDAT, IEND; CRC-32 per chunk).
 */
import * as fs from 'fs';
import * as path from 'path';
import { deflateSync } from 'zlib';

const GLYPHS: Record<string, string[]> = {
  K: ['1...1', '1..1.', '1.1..', '11...', '1.1..', '1..1.', '1...1'],
  D: ['1111.', '1...1', '1...1', '1...1', '1...1', '1...1', '1111.'],
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** Encodes `rgba` (width*height*4 bytes, row major) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: rgba must have width*height*4 = ${width * height * 4} bytes, got ${rgba.length}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type RGBA, deflate, no filter method, no interlace
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The logo at `size` x `size` pixels as RGBA. */
export function drawLogo(size: number): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const r = Math.max(2, Math.round(size / 6));
  const cell = Math.max(1, Math.floor(size / 16)); // glyph pixel size: 2 glyphs of 5 + 1 gap = 11 cells wide
  const textW = 11 * cell;
  const textH = 7 * cell;
  const x0 = Math.floor((size - textW) / 2);
  const y0 = Math.floor((size - textH) / 2);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = Math.max(r - x, x - (size - 1 - r), 0);
      const dy = Math.max(r - y, y - (size - 1 - r), 0);
      if (dx * dx + dy * dy > r * r) continue; // outside the rounded corner: transparent
      const gx = Math.floor((x - x0) / cell);
      const gy = Math.floor((y - y0) / cell);
      const glyph = gx >= 0 && gx < 5 ? GLYPHS.K : gx >= 6 && gx < 11 ? GLYPHS.D : null;
      const on = glyph !== null && x >= x0 && y >= y0 && gy < 7 && glyph[gy][gx >= 6 ? gx - 6 : gx] === '1';
      px.set(on ? [255, 255, 255, 255] : [31, 111, 235, 255], (y * size + x) * 4);
    }
  }
  return px;
}

if (require.main === module) {
  const dir = path.resolve(__dirname, '..', '..', '..', 'kernel', 'assets');
  fs.mkdirSync(dir, { recursive: true });
  for (const size of [32, 64]) {
    fs.writeFileSync(path.join(dir, `logo-${size}x${size}.png`), encodePng(size, size, drawLogo(size)));
  }
  process.stdout.write(`wrote ${dir}/logo-32x32.png and logo-64x64.png\n`);
}
