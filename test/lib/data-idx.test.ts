/**
 * kd.data IDX reader and download helper, on files this test writes itself.
 * Expected values are the bytes the test wrote (/255), and error messages must name the file.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as kd from '../../lib';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-idx-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Hand-built IDX: magic, big-endian dims, raw bytes. */
function idxBytes(magic: number, dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

// 3 images of 2 rows × 3 cols; pixel (i, r, c) = 40·i + 10·r + c
const N = 3,
  R = 2,
  C = 3;
const pixels: number[] = [];
for (let i = 0; i < N; i++) for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) pixels.push(40 * i + 10 * r + c);
const labels = [7, 0, 9];
const imagesBuf = idxBytes(2051, [N, R, C], pixels);
const labelsBuf = idxBytes(2049, [N], labels);

function write(name: string, data: Buffer): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
}

function checkDataset(ds: kd.data.Dataset): void {
  assert.equal(ds.n, 3);
  assert.deepEqual(ds.sampleShape, [2, 3, 1]);
  assert.equal(ds.classes, 10);
  assert.deepEqual(Array.from(ds.y), [7, 0, 9]);
  assert.equal(ds.x.length, 18);
  // image 2, row 1, col 2 = 40·2 + 10 + 2 = 92 → 92/255
  assert.ok(Math.abs(ds.x[2 * 6 + 1 * 3 + 2] - 92 / 255) < 1e-7);
  for (let k = 0; k < 18; k++) assert.ok(Math.abs(ds.x[k] - pixels[k] / 255) < 1e-7, `pixel ${k}`);
}

test('loadIdx reads plain IDX files', () => {
  checkDataset(kd.data.loadIdx(write('a-images', imagesBuf), write('a-labels', labelsBuf)));
});

test('loadIdx reads gzipped IDX files (detected by magic bytes, not by name)', () => {
  const img = write('b-images', zlib.gzipSync(imagesBuf)); // no .gz suffix on purpose
  const lab = write('b-labels.gz', zlib.gzipSync(labelsBuf));
  checkDataset(kd.data.loadIdx(img, lab));
});

test('loadIdx: truncated data names the file', () => {
  const img = write('trunc-images', imagesBuf.subarray(0, imagesBuf.length - 5));
  const lab = write('ok-labels', labelsBuf);
  assert.throws(
    () => kd.data.loadIdx(img, lab),
    (e: Error) =>
      e.message.includes(img) && /truncated/.test(e.message) && /18/.test(e.message) && /13/.test(e.message),
  );
});

test('loadIdx: truncated header and empty file name the file', () => {
  const img = write('hdr-images', imagesBuf.subarray(0, 9));
  const lab = write('ok2-labels', labelsBuf);
  assert.throws(
    () => kd.data.loadIdx(img, lab),
    (e: Error) => e.message.includes(img) && /truncated/.test(e.message),
  );
  const empty = write('empty-labels', Buffer.alloc(0));
  assert.throws(
    () => kd.data.loadIdx(write('ok-images', imagesBuf), empty),
    (e: Error) => e.message.includes(empty) && /truncated/.test(e.message),
  );
});

test('loadIdx: corrupt gzip names the file', () => {
  const gz = zlib.gzipSync(imagesBuf);
  const img = write('corrupt-images.gz', gz.subarray(0, gz.length - 8));
  assert.throws(
    () => kd.data.loadIdx(img, write('ok3-labels', labelsBuf)),
    (e: Error) => e.message.includes(img) && /gzip/.test(e.message),
  );
});

test('loadIdx: extra trailing bytes are reported as corrupt', () => {
  const img = write('long-images', Buffer.concat([imagesBuf, Buffer.from([1, 2])]));
  assert.throws(
    () => kd.data.loadIdx(img, write('ok4-labels', labelsBuf)),
    (e: Error) => e.message.includes(img) && /2 extra/.test(e.message),
  );
});

test('loadIdx: wrong magic names the file and both numbers', () => {
  const img = write('swapped-images', labelsBuf); // a labels file where images are expected
  assert.throws(
    () => kd.data.loadIdx(img, write('ok5-labels', labelsBuf)),
    (e: Error) =>
      e.message.includes(img) && /magic/.test(e.message) && /2049/.test(e.message) && /2051/.test(e.message),
  );
});

test('loadIdx: image/label count mismatch names both files', () => {
  const img = write('c-images', imagesBuf);
  const lab = write('c-labels', idxBytes(2049, [2], [1, 2]));
  assert.throws(
    () => kd.data.loadIdx(img, lab),
    (e: Error) => e.message.includes(img) && e.message.includes(lab) && /3/.test(e.message) && /2/.test(e.message),
  );
});

test('loadIdx: label out of range and missing file are clear errors', () => {
  const lab = write('d-labels', idxBytes(2049, [3], [1, 12, 3]));
  assert.throws(
    () => kd.data.loadIdx(write('d-images', imagesBuf), lab),
    (e: Error) => e.message.includes(lab) && /12/.test(e.message),
  );
  const missing = path.join(tmp, 'nope-images');
  assert.throws(
    () => kd.data.loadIdx(missing, lab),
    (e: Error) => e.message.includes(missing),
  );
});

test('idxDataset finds the four standard files (plain or .gz) in a folder', () => {
  const dir = path.join(tmp, 'folder');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(imagesBuf));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(labelsBuf));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idxBytes(2051, [1, 2, 3], [255, 0, 0, 0, 0, 51]));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idxBytes(2049, [1], [4]));
  const { train, test: t } = kd.data.idxDataset(dir);
  checkDataset(train);
  assert.equal(t.n, 1);
  assert.deepEqual(Array.from(t.y), [4]);
  assert.deepEqual(Array.from(t.x), [1, 0, 0, 0, 0, 0.2].map(Math.fround));
  const empty = path.join(tmp, 'emptyfolder');
  fs.mkdirSync(empty);
  assert.throws(
    () => kd.data.idxDataset(empty),
    (e: Error) => e.message.includes(empty) && /train-images-idx3-ubyte/.test(e.message),
  );
});

test('loadIdx { limit }: the first images and labels only; a bad limit is an error', () => {
  const img = write('l-images', imagesBuf);
  const lab = write('l-labels', labelsBuf);
  const two = kd.data.loadIdx(img, lab, { limit: 2 });
  assert.equal(two.n, 2);
  assert.deepEqual(Array.from(two.y), [7, 0]);
  assert.deepEqual(
    Array.from(two.x),
    pixels.slice(0, 12).map((p) => Math.fround(p / 255)),
  );
  assert.equal(kd.data.loadIdx(img, lab, { limit: 10 }).n, 3);
  for (const limit of [0, 1.5, -1])
    assert.throws(
      () => kd.data.loadIdx(img, lab, { limit }),
      new RegExp(`limit must be a positive integer, got ${limit}`),
    );
});

test('idxFiles names the four files; fashionMnistTrain reads a folder that has only the train files', () => {
  const dir = path.join(tmp, 'train-only');
  fs.mkdirSync(dir);
  const trainImages = path.join(dir, 'train-images-idx3-ubyte.gz');
  fs.writeFileSync(trainImages, zlib.gzipSync(imagesBuf));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), labelsBuf);
  assert.throws(() => kd.data.idxFiles(dir), /t10k-images-idx3-ubyte\[\.gz\]/);
  checkDataset(kd.data.fashionMnistTrain({ dir }));
  assert.deepEqual(Array.from(kd.data.fashionMnistTrain({ dir, limit: 1 }).y), [7]);
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), imagesBuf);
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labelsBuf));
  assert.deepEqual(kd.data.idxFiles(dir), {
    trainImages,
    trainLabels: path.join(dir, 'train-labels-idx1-ubyte'),
    testImages: path.join(dir, 't10k-images-idx3-ubyte'),
    testLabels: path.join(dir, 't10k-labels-idx1-ubyte.gz'),
  });
});

test('fashionMnistTrain under the permission model: found and read with only the two train files readable', () => {
  const dir = path.join(tmp, 'sandboxed');
  fs.mkdirSync(dir);
  const files = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'].map((f) => path.join(dir, f));
  fs.writeFileSync(files[0], zlib.gzipSync(imagesBuf));
  fs.writeFileSync(files[1], zlib.gzipSync(labelsBuf));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(imagesBuf));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), zlib.gzipSync(labelsBuf));
  const idx = path.resolve(__dirname, '..', '..', 'lib', 'data', 'idx.js');
  const script = `const d = require(${JSON.stringify(idx)});
    const out = { dir: d.fashionMnistDir(), y: Array.from(d.fashionMnistTrain().y) };
    try { d.fashionMnist(); } catch (e) { out.whole = e.code; }
    console.log(JSON.stringify(out));`;
  const r = spawnSync(
    process.execPath,
    [
      '--experimental-permission',
      `--allow-fs-read=${path.resolve(__dirname, '..', '..')}`,
      ...files.map((f) => `--allow-fs-read=${f}`),
      '-e',
      script,
    ],
    { env: { ...process.env, KDLAB_FASHION_MNIST: dir }, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { dir, y: [7, 0, 9], whole: 'ERR_ACCESS_DENIED' });
});

test('fashionMnist({ dir }) on a missing folder says so', () => {
  const dir = path.join(tmp, 'no-such-folder');
  assert.throws(
    () => kd.data.fashionMnist({ dir }),
    (e: Error) => e.message.includes(dir) && /does not exist/.test(e.message),
  );
});

test('fashionMnist from Debian dataset-fashion-mnist (optional)', (t) => {
  if (!fs.existsSync(kd.data.FASHION_MNIST_DEBIAN_DIR)) {
    t.skip(`${kd.data.FASHION_MNIST_DEBIAN_DIR} absent (apt-get install dataset-fashion-mnist)`);
    return;
  }
  const { train, test: te } = kd.data.fashionMnist();
  assert.equal(train.n, 60000);
  assert.equal(te.n, 10000);
  assert.deepEqual(train.sampleShape, [28, 28, 1]);
  // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class (Xiao et al. 2017).
  assert.deepEqual(kd.data.classCounts(train), new Array(10).fill(6000));
  assert.deepEqual(kd.data.classCounts(te), new Array(10).fill(1000));
  let lo = Infinity,
    hi = -Infinity;
  for (const v of te.x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  assert.equal(lo, 0);
  assert.equal(hi, 1);
});

async function withServer(body: Buffer, fn: (url: string, hits: () => number) => Promise<void>): Promise<void> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    if (req.url === '/data/file.bin') {
      res.writeHead(200);
      res.end(body);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    await fn(`http://127.0.0.1:${port}`, () => hits);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

test('download: fetches, verifies sha256, caches; mismatch and 404 are errors', async () => {
  const body = Buffer.from('kdlab download test payload\n'.repeat(100));
  const sha = crypto.createHash('sha256').update(body).digest('hex');
  const cacheDir = path.join(tmp, 'cache');
  await withServer(body, async (base, hits) => {
    const p = await kd.data.download({ url: `${base}/data/file.bin`, sha256: sha, cacheDir });
    assert.equal(p, path.join(cacheDir, 'file.bin'));
    assert.ok(fs.readFileSync(p).equals(body));
    assert.equal(hits(), 1);
    const again = await kd.data.download({ url: `${base}/data/file.bin`, sha256: sha, cacheDir });
    assert.equal(again, p);
    assert.equal(hits(), 1, 'second call served from the cache');
    fs.writeFileSync(p, 'damaged');
    assert.equal(await kd.data.download({ url: `${base}/data/file.bin`, sha256: sha, cacheDir }), p);
    assert.equal(hits(), 2, 'a cached file with the wrong checksum is fetched again');
    assert.ok(fs.readFileSync(p).equals(body));

    const wrong = 'ab'.repeat(32);
    const cache2 = path.join(tmp, 'cache2');
    await assert.rejects(
      kd.data.download({ url: `${base}/data/file.bin`, sha256: wrong, cacheDir: cache2 }),
      (e: Error) =>
        /checksum mismatch/.test(e.message) &&
        e.message.includes(wrong) &&
        e.message.includes(sha) &&
        e.message.includes('/data/file.bin'),
    );
    assert.ok(!fs.existsSync(path.join(cache2, 'file.bin')), 'a file with a wrong checksum is not cached');
    await assert.rejects(kd.data.download({ url: `${base}/missing`, sha256: sha, cacheDir: cache2 }), /HTTP 404/);
  });
  await assert.rejects(kd.data.download({ url: 'http://127.0.0.1:1/x', sha256: 'nothex', cacheDir }), /sha256/);
});
