import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';

/** A 28 × 28 image from a per-pixel function, as nested arrays. */
const image = (f: (r: number, c: number) => number): number[][] =>
  Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (__, c) => f(r, c)));

/** Run a feature extractor on one image and return its feature row, checking it leaves no tensors. */
function features(extract: (t: tf.Tensor) => tf.Tensor2D, img: number[][], withChannel = false): number[] {
  const before = tf.memory().numTensors;
  const t = withChannel ? tf.tensor4d([img.map((row) => row.map((v) => [v]))]) : tf.tensor3d([img]);
  const f = extract(t);
  t.dispose();
  assert.equal(f.shape[0], 1);
  const row = Array.from(f.dataSync());
  f.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensors left');
  return row;
}

function assertFeatures(actual: number[], expected: Map<number, number>, length: number, what: string) {
  assert.equal(actual.length, length, `${what}: feature count`);
  actual.forEach((v, i) => {
    const e = expected.get(i) ?? 0;
    assert.ok(Math.abs(v - e) <= 1e-5, `${what}: feature ${i} is ${v}, expected ${e}`);
  });
}

const pixel = image((r, c) => (r === 5 && c === 9 ? 1 : 0));
const horizontalBar = image((r) => (r === 10 ? 1 : 0));
const verticalBar = image((_, c) => (c === 17 ? 1 : 0));

test('zoning: a single bright pixel lights one 4 × 4 cell with 1/16', async () => {
  await tf.setBackend('cpu');
  // pixel (5, 9) is in cell row 1, column 2 of the 7 × 7 grid: feature 1·7 + 2 = 9
  assertFeatures(
    features((t) => kd.analysis.zoning(t), pixel),
    new Map([[9, 1 / 16]]),
    49,
    'zoning',
  );
  assertFeatures(
    features((t) => kd.analysis.zoning(t), pixel, true),
    new Map([[9, 1 / 16]]),
    49,
    'zoning [N,28,28,1]',
  );
  // 7 × 7 cells: pixel in cell row 0, column 1
  assertFeatures(
    features((t) => kd.analysis.zoning(t, { cell: 7 }), pixel),
    new Map([[1, 1 / 49]]),
    16,
    'zoning cell 7',
  );
  // a full-width bar on row 10 fills row 10 of cell row 2: each of its 7 cells holds 4 of 16 pixels
  const bar = new Map(Array.from({ length: 7 }, (_, c) => [14 + c, 4 / 16] as [number, number]));
  assertFeatures(
    features((t) => kd.analysis.zoning(t), horizontalBar),
    bar,
    49,
    'zoning bar',
  );
});

test('projection profiles: row means then column means', async () => {
  await tf.setBackend('cpu');
  assertFeatures(
    features((t) => kd.analysis.projectionProfiles(t), pixel),
    new Map([
      [5, 1 / 28],
      [28 + 9, 1 / 28],
    ]),
    56,
    'pixel',
  );
  const bar = new Map<number, number>([
    [10, 1],
    ...Array.from({ length: 28 }, (_, c) => [28 + c, 1 / 28] as [number, number]),
  ]);
  assertFeatures(
    features((t) => kd.analysis.projectionProfiles(t), horizontalBar, true),
    bar,
    56,
    'bar',
  );
});

test('orientation histograms: a horizontal bar puts all its gradient in the vertical bin', async () => {
  await tf.setBackend('cpu');
  // rows 9 and 11 have |gy| = 1 (row 10 itself has I[11] − I[9] = 0), gx = 0 everywhere since the bar reaches the
  // repeated border: 2 rows × 7 pixels = 14 per cell of cell row 1, all at 90° → bin 4 of 9 (80°–100°)
  const raw = new Map(Array.from({ length: 4 }, (_, cx) => [(1 * 4 + cx) * 9 + 4, 14] as [number, number]));
  assertFeatures(
    features((t) => kd.analysis.orientationHistograms(t, { normalise: false }), horizontalBar),
    raw,
    144,
    'raw',
  );
  // blocks of 2 × 2 cells: a block touching cell row 1 holds two cells with 14 in bin 4 → each 14/√(2·14² + ε²)
  const v = 14 / Math.sqrt(2 * 196 + 1e-6);
  const normalised = new Map<number, number>();
  for (let bx = 0; bx < 3; bx++) {
    for (const [by, cellRow] of [
      [0, 1],
      [1, 0],
    ]) {
      for (const cellCol of [0, 1]) normalised.set((by * 3 + bx) * 36 + (cellRow * 2 + cellCol) * 9 + 4, v);
    }
  }
  assertFeatures(
    features((t) => kd.analysis.orientationHistograms(t), horizontalBar),
    normalised,
    324,
    'normalised',
  );
  // a vertical bar: gradient along x, orientation 0 (and 180° folded to 0) → bin 0; columns 16–18 are in cell column 2
  const vertical = new Map(Array.from({ length: 4 }, (_, cy) => [(cy * 4 + 2) * 9, 14] as [number, number]));
  assertFeatures(
    features((t) => kd.analysis.orientationHistograms(t, { normalise: false }), verticalBar),
    vertical,
    144,
    'vertical bar',
  );
});

test('orientation histograms: unsigned orientations fold opposite gradients together', async () => {
  await tf.setBackend('cpu');
  // one bright pixel at (10, 10): its four neighbours have gradients of magnitude 1 pointing at 90°, −90° (→ 90°),
  // 0° and 180° (→ 0°), all inside cell (1, 1): 2 in bin 0 and 2 in bin 4
  const dot = image((r, c) => (r === 10 && c === 10 ? 1 : 0));
  const expected = new Map([
    [(1 * 4 + 1) * 9 + 0, 2],
    [(1 * 4 + 1) * 9 + 4, 2],
  ]);
  assertFeatures(
    features((t) => kd.analysis.orientationHistograms(t, { normalise: false }), dot),
    expected,
    144,
    'dot',
  );
  // ramps along the diagonals: inside cell (1, 1) every pixel has (gx, gy) = (2, ±2)/56, magnitude 2√2/56;
  // 45° → bin 2 (40°–60°), −45° ≡ 135° → bin 6 (120°–140°). Only cell (1, 1) is checked: border cells see the
  // repeated edge.
  const m = (49 * 2 * Math.SQRT2) / 56;
  const cell11 = (f: number[]) => f.slice(5 * 9, 6 * 9);
  const rising = cell11(
    features(
      (t) => kd.analysis.orientationHistograms(t, { normalise: false }),
      image((r, c) => (r + c) / 56),
    ),
  );
  const falling = cell11(
    features(
      (t) => kd.analysis.orientationHistograms(t, { normalise: false }),
      image((r, c) => (c - r + 28) / 56),
    ),
  );
  rising.forEach((v, b) => assert.ok(Math.abs(v - (b === 2 ? m : 0)) < 1e-4, `45° bin ${b}: ${v}`));
  falling.forEach((v, b) => assert.ok(Math.abs(v - (b === 6 ? m : 0)) < 1e-4, `135° bin ${b}: ${v}`));
});

test('feature extractors batch images independently and reject bad shapes', async () => {
  await tf.setBackend('cpu');
  const batch = tf.tensor3d([pixel, horizontalBar]);
  for (const [name, extract] of [
    ['zoning', (t: tf.Tensor) => kd.analysis.zoning(t)],
    ['projectionProfiles', (t: tf.Tensor) => kd.analysis.projectionProfiles(t)],
    ['orientationHistograms', (t: tf.Tensor) => kd.analysis.orientationHistograms(t)],
  ] as const) {
    const both = extract(batch);
    const second = features(extract, horizontalBar);
    const row1 = tf.tidy(() => Array.from(both.slice([1, 0], [1, -1]).dataSync()));
    assert.deepEqual(row1, second, `${name}: row 1 is image 1's features`);
    both.dispose();
  }
  batch.dispose();
  // more images than orientationHistograms extracts at once (1024): the chunks join in order, none left behind
  const before = tf.memory().numTensors;
  const many = tf.tidy(() => tf.tile(tf.tensor3d([pixel, horizontalBar]), [513, 1, 1]));
  const all = kd.analysis.orientationHistograms(many);
  assert.deepEqual(all.shape, [1026, 324]);
  for (const [row, img] of [
    [1024, pixel],
    [1025, horizontalBar],
  ] as const) {
    const got = tf.tidy(() => Array.from(all.slice([row, 0], [1, -1]).dataSync()));
    assert.deepEqual(
      got,
      features((t) => kd.analysis.orientationHistograms(t), img),
      `row ${row}`,
    );
  }
  tf.dispose([many, all]);
  assert.equal(tf.memory().numTensors, before, 'no tensors left by the chunked extraction');
  const flat = tf.zeros([2, 784]);
  const rgb = tf.zeros([2, 28, 28, 3]);
  assert.throws(
    () => kd.analysis.zoning(flat),
    /zoning: images must have shape \[N, H, W\] or \[N, H, W, 1\].*got \[2,784\]/,
  );
  assert.throws(() => kd.analysis.projectionProfiles(rgb), /got \[2,28,28,3\]/);
  assert.throws(
    () => kd.analysis.zoning([[1]] as unknown as tf.Tensor),
    /must be a tensor of greyscale images.*got an array/,
  );
  const img = tf.zeros([1, 28, 28]);
  assert.throws(
    () => kd.analysis.zoning(img, { cell: 5 }),
    /cell must be a positive integer dividing the image size 28 × 28, got 5/,
  );
  assert.throws(() => kd.analysis.orientationHistograms(img, { bins: 0 }), /bins must be a positive integer, got 0/);
  assert.throws(
    () => kd.analysis.orientationHistograms(img, { block: 5 }),
    /block must be an integer in \[1, 4\].*got 5/,
  );
  assert.throws(() => kd.analysis.orientationHistograms(img, { epsilon: 0 }), /epsilon must be > 0, got 0/);
  tf.dispose([flat, rgb, img]);
  assert.equal(tf.memory().numTensors, before, 'no tensors left by the failed calls');
});

test('zoning masks, orientation kernels and filters as images', async () => {
  await tf.setBackend('cpu');
  const masks = kd.analysis.zoningMasks();
  assert.equal(masks.length, 49);
  // mask 9 is cell row 1, column 2: rows 4–7, columns 8–11
  masks[9].forEach((row, r) =>
    row.forEach((v, c) => assert.equal(v, r >= 4 && r < 8 && c >= 8 && c < 12 ? 1 / 16 : 0)),
  );
  assert.throws(() => kd.analysis.zoningMasks({ cell: 5 }), /cell must be a positive integer dividing size 28, got 5/);

  const kernels = kd.analysis.orientationKernels({ bins: 9, size: 3 });
  assert.equal(kernels.length, 9);
  // bin 4's centre is 90°: the kernel is the vertical difference, −1 on the top row, +1 on the bottom
  const vertical = [
    [-1, -1, -1],
    [0, 0, 0],
    [1, 1, 1],
  ];
  kernels[4].forEach((row, r) =>
    row.forEach((v, c) => assert.ok(Math.abs(v - vertical[r][c]) < 1e-12, `kernel 4 [${r}][${c}] = ${v}`)),
  );
  // a horizontal edge (dark above, bright below) answers most strongly to bin 4's kernel
  const edge = [
    [0, 0, 0],
    [0.5, 0.5, 0.5],
    [1, 1, 1],
  ];
  const response = kernels.map((k) => Math.abs(k.flat().reduce((s, v, i) => s + v * edge.flat()[i], 0)));
  assert.equal(response.indexOf(Math.max(...response)), 4);
  assert.throws(() => kd.analysis.orientationKernels({ size: 4 }), /size must be an odd integer ≥ 3, got 4/);

  assert.deepEqual(kd.analysis.filtersAsImages([[[-2, 0, 1]], [[0, 0, 0]]]), [[[0, 0.5, 0.75]], [[0.5, 0.5, 0.5]]]);
  const conv = tf.tensor4d([4, -1, 0, 2], [2, 1, 1, 2]); // 2 × 1 kernels, 2 filters: [4, 0] and [−1, 2]
  assert.deepEqual(kd.analysis.filtersAsImages(conv), [
    [[1], [0.5]],
    [[0.25], [1]],
  ]);
  conv.dispose();
  const wrong = tf.zeros([3, 3, 3, 8]);
  assert.throws(() => kd.analysis.filtersAsImages(wrong), /conv2d kernel \[h, w, 1, count\], got shape \[3,3,3,8\]/);
  wrong.dispose();
  assert.throws(() => kd.analysis.filtersAsImages([]), /non-empty number\[\]\[\]\[\]/);
});
