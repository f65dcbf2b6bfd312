/**
 * PNG encoder, checked by an independent decoder written here: chunk walk, CRC-32 via node:zlib's crc32,
 * IHDR fields, inflateSync of IDAT, filter bytes, pixel values.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { encodePng, crc32 } from '../../kernel/display';

function decode(png: Buffer) {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  const chunks: { type: string; data: Buffer }[] = [];
  let o = 8;
  while (o < png.length) {
    const len = png.readUInt32BE(o);
    const type = png.subarray(o + 4, o + 8).toString('latin1');
    const data = png.subarray(o + 8, o + 8 + len);
    const crc = png.readUInt32BE(o + 8 + len);
    assert.equal(
      crc,
      (zlib as unknown as { crc32(b: Uint8Array): number }).crc32(png.subarray(o + 4, o + 8 + len)),
      `CRC of ${type}`,
    );
    chunks.push({ type, data });
    o += 12 + len;
  }
  assert.deepEqual(
    chunks.map((c) => c.type),
    ['IHDR', 'IDAT', 'IEND'],
  );
  const h = chunks[0].data;
  const width = h.readUInt32BE(0),
    height = h.readUInt32BE(4);
  assert.deepEqual([h[8], h[10], h[11], h[12]], [8, 0, 0, 0], 'bit depth 8, deflate, filter method 0, no interlace');
  const channels = h[9] === 0 ? 1 : h[9] === 2 ? 3 : NaN;
  const raw = zlib.inflateSync(chunks[1].data);
  const stride = width * channels + 1;
  assert.equal(raw.length, stride * height);
  const pixels: number[][] = [];
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * stride], 0, 'filter type None');
    pixels.push([...raw.subarray(y * stride + 1, (y + 1) * stride)]);
  }
  assert.equal(chunks[2].data.length, 0);
  return { width, height, channels, pixels };
}

test('crc32 matches known check values', () => {
  // The standard CRC-32 check value of "123456789" is 0xCBF43926.
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.from('IEND')), 0xae426082); // the constant every PNG ends with
});

test('grayscale PNG round-trips through an independent decoder', () => {
  const px = Uint8Array.from([0, 64, 128, 255, 1, 2]); // 3 wide, 2 tall
  const d = decode(encodePng({ width: 3, height: 2, channels: 1, pixels: px }));
  assert.deepEqual([d.width, d.height, d.channels], [3, 2, 1]);
  assert.deepEqual(d.pixels, [
    [0, 64, 128],
    [255, 1, 2],
  ]);
});

test('RGB PNG with 2× nearest-neighbour upscaling', () => {
  const px = Uint8Array.from([255, 0, 0, 0, 0, 255]); // red, blue (2×1)
  const d = decode(encodePng({ width: 2, height: 1, channels: 3, pixels: px }, 2));
  assert.deepEqual([d.width, d.height, d.channels], [4, 2, 3]);
  const row = [255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255];
  assert.deepEqual(d.pixels, [row, row]);
});

test('encodePng validates its input', () => {
  assert.throws(
    () => encodePng({ width: 2, height: 2, channels: 1, pixels: new Uint8Array(3) }),
    /expected 2×2×1=4 samples, got 3/,
  );
  assert.throws(
    () => encodePng({ width: 2, height: 2, channels: 2 as never, pixels: new Uint8Array(8) }),
    /channels must be 1 or 3, got 2/,
  );
  assert.throws(
    () => encodePng({ width: 0, height: 2, channels: 1, pixels: new Uint8Array(0) }),
    /positive integers, got 0×2/,
  );
  assert.throws(
    () => encodePng({ width: 1, height: 1, channels: 1, pixels: new Uint8Array(1) }, 1.5),
    /scale must be a positive integer/,
  );
});
