/**
 * kd.data: bundled MNIST, splits, batching, jitter, class removal, cross-modal views.
 * Reference values are computed independently here (plain loops over the arrays), never copied
 * from the implementation's output.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as kd from '../../lib';
import { mulberry32 } from '../../lib/common/random';

const tf = kd.tf;

function key(x: Float32Array, i: number, size: number): string {
  return Buffer.from(x.buffer, x.byteOffset + i * size * 4, size * 4).toString('base64');
}

/** A small synthetic dataset: sample i has every value = i + fraction of its position. */
function synthetic(n: number, shape: number[], classes = 3): kd.data.Dataset {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) for (let k = 0; k < size; k++) x[i * size + k] = i + k / 1000;
  return { x, y: Int32Array.from({ length: n }, (_, i) => i % classes), n, sampleShape: shape, classes };
}

test('tf backend: cpu for these tests', async () => {
  await tf.setBackend('cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('mnist(): shapes, range, labels, per-class counts of the bundled files', () => {
  const { train, test: te } = kd.data.mnist();
  assert.equal(train.n, 8000);
  assert.equal(te.n, 2000);
  for (const ds of [train, te]) {
    assert.deepEqual(ds.sampleShape, [28, 28, 1]);
    assert.equal(ds.classes, 10);
    assert.equal(ds.x.length, ds.n * 784);
    let lo = Infinity,
      hi = -Infinity,
      sum = 0;
    for (const v of ds.x) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
    }
    assert.equal(lo, 0);
    assert.equal(hi, 1);
    const mean = sum / ds.x.length;
    assert.ok(mean > 0.1 && mean < 0.17, `MNIST mean intensity ≈ 0.13, got ${mean}`);
    for (const c of kd.data.classCounts(ds)) assert.ok(c > 0.06 * ds.n && c < 0.14 * ds.n, `class share ${c}/${ds.n}`);
  }
  // Per-class totals over a full split equal the number of images in each digit file (read here independently).
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const expected = Array.from(
    { length: 10 },
    (_, d) => JSON.parse(fs.readFileSync(path.join(dir, `${d}.json`), 'utf8')).data.length / 784,
  );
  const all = kd.data.mnist({ train: 10000, test: 0, seed: 3 });
  assert.deepEqual(kd.data.classCounts(all.train), expected);
  // and the first digit file's first image appears somewhere with label 0
  const first = Float32Array.from(
    JSON.parse(fs.readFileSync(path.join(dir, '0.json'), 'utf8')).data.slice(0, 784) as number[],
  );
  const k0 = key(first, 0, 784);
  let found = -1;
  for (let i = 0; i < all.train.n; i++) if (key(all.train.x, i, 784) === k0) found = i;
  assert.ok(found >= 0);
  assert.equal(all.train.y[found], 0);
});

test('mnist(): deterministic by seed, disjoint train/test, different seeds differ', () => {
  const a = kd.data.mnist({ train: 500, test: 300, seed: 7 });
  const b = kd.data.mnist({ train: 500, test: 300, seed: 7 });
  const c = kd.data.mnist({ train: 500, test: 300, seed: 8 });
  assert.deepEqual(a.train.x, b.train.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.notDeepEqual(a.train.y, c.train.y);
  const seen = new Set<string>();
  for (let i = 0; i < a.train.n; i++) seen.add(key(a.train.x, i, 784));
  for (let i = 0; i < a.test.n; i++) assert.ok(!seen.has(key(a.test.x, i, 784)), `test sample ${i} also in train`);
  assert.throws(() => kd.data.mnist({ train: 9000, test: 2000 }), /train \+ test.*10000.*11000/);
  assert.throws(() => kd.data.mnist({ train: -1 }), /train/);
});

test('mnist(): labels belong to their images — a nearest-class-mean classifier (plain JS) gets > 75 %', () => {
  const { train, test: te } = kd.data.mnist({ train: 3000, test: 1000, seed: 11 });
  const means = Array.from({ length: 10 }, () => new Float64Array(784));
  const counts = new Array(10).fill(0);
  for (let i = 0; i < train.n; i++) {
    counts[train.y[i]]++;
    for (let k = 0; k < 784; k++) means[train.y[i]][k] += train.x[i * 784 + k];
  }
  means.forEach((m, c) =>
    m.forEach((v, k) => {
      m[k] = v / counts[c];
    }),
  );
  let correct = 0;
  for (let i = 0; i < te.n; i++) {
    let best = -1,
      bestD = Infinity;
    for (let c = 0; c < 10; c++) {
      let d = 0;
      for (let k = 0; k < 784; k++) d += (te.x[i * 784 + k] - means[c][k]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    if (best === te.y[i]) correct++;
  }
  // nearest centroid reaches ≈ 82 % on MNIST; shuffled labels would give ≈ 10 %
  assert.ok(correct / te.n > 0.75, `nearest-mean accuracy ${correct / te.n}`);
});

test('shiftImage: explicit 4×4 example, content moves right dx / down dy, zero fill', () => {
  const img = Float32Array.from({ length: 16 }, (_, k) => k + 1); // rows [1..4], [5..8], ...
  const out = kd.data.shiftImage(img, 4, 4, 1, 1, -2);
  // shifted right by 1 and up by 2: row 0 ← old row 2 shifted right, row 1 ← old row 3, rows 2–3 zero
  assert.deepEqual(Array.from(out), [0, 9, 10, 11, 0, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0]);
});

/** Independent reference shift: out[r][c] = img[r-dy][c-dx] or 0. */
function refShift(img: Float32Array, H: number, W: number, dx: number, dy: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < H; r++)
    for (let c = 0; c < W; c++) {
      const sr = r - dy,
        sc = c - dx;
      out.push(sr >= 0 && sr < H && sc >= 0 && sc < W ? img[sr * W + sc] : 0);
    }
  return out;
}

test('jitter: every sample is exactly one ±2 shift with zero fill; all 25 shifts occur; seeded', () => {
  const H = 6,
    W = 5,
    n = 400;
  const x = new Float32Array(n * H * W);
  for (let i = 0; i < x.length; i++) x[i] = 1 + (i % 97) / 97; // all non-zero → shift is identifiable
  const out = kd.data.jitter(x, n, H, W, 1, mulberry32(123), 2);
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    const img = x.subarray(i * H * W, (i + 1) * H * W);
    const got = Array.from(out.subarray(i * H * W, (i + 1) * H * W));
    const matches: string[] = [];
    for (let dx = -2; dx <= 2; dx++)
      for (let dy = -2; dy <= 2; dy++) {
        const ref = refShift(img, H, W, dx, dy).map(Math.fround);
        if (ref.every((v, k) => v === got[k])) matches.push(`${dx},${dy}`);
      }
    assert.equal(matches.length, 1, `sample ${i} should equal exactly one shift, matched ${matches}`);
    used.add(matches[0]);
  }
  assert.equal(used.size, 25, 'all 25 shifts in [-2, 2]² are drawn');
  assert.deepEqual(out, kd.data.jitter(x, n, H, W, 1, mulberry32(123), 2));
  // With the generator's first two draws known, sample 0's shift is predictable by hand:
  const r = mulberry32(123);
  const dx0 = -2 + Math.floor(r() * 5),
    dy0 = -2 + Math.floor(r() * 5);
  assert.deepEqual(Array.from(out.subarray(0, H * W)), refShift(x.subarray(0, H * W), H, W, dx0, dy0).map(Math.fround));
});

test('batches: every sample exactly once per epoch, shapes, labels aligned, seeded order, no leaks', () => {
  const ds = synthetic(23, [2, 2, 1]);
  const before = tf.memory().numTensors;
  const collect = (opts: kd.data.BatchOptions) => {
    const ids: number[] = [];
    const sizes: number[] = [];
    for (const b of kd.data.batches(ds, opts)) {
      const xs = b.x.dataSync(),
        ys = b.y.dataSync();
      assert.equal(b.y.dtype, 'int32');
      assert.deepEqual(b.x.shape.slice(1), opts.inputShape ?? [2, 2, 1]);
      sizes.push(b.x.shape[0]);
      for (let j = 0; j < b.x.shape[0]; j++) {
        const id = Math.round(xs[j * 4]); // value of sample i is i + k/1000
        ids.push(id);
        assert.equal(ys[j], id % 3, 'label travels with its sample');
        assert.ok(Math.abs(xs[j * 4 + 3] - (id + 0.003)) < 1e-5);
      }
      b.x.dispose();
      b.y.dispose();
    }
    return { ids, sizes };
  };
  const plain = collect({ batchSize: 5 });
  assert.deepEqual(
    plain.ids,
    Array.from({ length: 23 }, (_, i) => i),
  );
  assert.deepEqual(plain.sizes, [5, 5, 5, 5, 3]);
  const s1 = collect({ batchSize: 5, shuffle: true, seed: 9, inputShape: [4] });
  assert.deepEqual(
    [...s1.ids].sort((a, b) => a - b),
    plain.ids,
  );
  assert.notDeepEqual(s1.ids, plain.ids);
  assert.deepEqual(collect({ batchSize: 5, shuffle: true, seed: 9, inputShape: [4] }).ids, s1.ids);
  const e1 = collect({ batchSize: 5, shuffle: true, seed: 9, epoch: 1 });
  assert.notDeepEqual(e1.ids, s1.ids, 'another epoch, another order');
  assert.deepEqual(
    [...e1.ids].sort((a, b) => a - b),
    plain.ids,
  );
  assert.deepEqual(collect({ batchSize: 5, dropRemainder: true }).sizes, [5, 5, 5, 5]);
  // breaking out early leaks nothing (tensors are created lazily)
  for (const b of kd.data.batches(ds, { batchSize: 4 })) {
    b.x.dispose();
    b.y.dispose();
    break;
  }
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => kd.data.batches(ds, { batchSize: 0 }).next(), /batchSize/);
  assert.throws(() => kd.data.batches(ds, { batchSize: 2, inputShape: [5] }).next(), /inputShape/);
  assert.throws(() => kd.data.batches(ds, { batchSize: 2, view: 'nope' }).next(), /view 'nope'/);
});

test('batches: augment jitters x (each sample a ±2 shift) but never the views', () => {
  const { train } = kd.data.mnist({ train: 16, test: 0, seed: 1 });
  const cm = kd.data.crossModal(train, { noise: 0 });
  const before = tf.memory().numTensors;
  for (const b of kd.data.batches(cm, { batchSize: 8, augment: true, seed: 4 })) {
    const xs = b.x.dataSync(),
      img = b.views!.image.dataSync(),
      prof = b.views!.profiles.dataSync();
    assert.deepEqual(b.views!.profiles.shape, [8, 56]);
    for (let j = 0; j < 8; j++) {
      const orig = Float32Array.from(img.subarray(j * 784, (j + 1) * 784));
      const got = Array.from(xs.subarray(j * 784, (j + 1) * 784));
      let ok = false;
      for (let dx = -2; dx <= 2 && !ok; dx++)
        for (let dy = -2; dy <= 2 && !ok; dy++) {
          ok = refShift(orig, 28, 28, dx, dy).every((v, k) => Math.fround(v) === got[k]);
        }
      assert.ok(ok, `sample ${j} is a ±2 shift of its (unjittered) image view`);
      // profiles view still matches the unjittered image
      let row0 = 0;
      for (let c = 0; c < 28; c++) row0 += orig[6 * 28 + c];
      assert.ok(Math.abs(prof[j * 56 + 6] - row0 / 28) < 1e-5);
    }
    b.x.dispose();
    b.y.dispose();
    for (const v of Object.values(b.views!)) v.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => kd.data.batches(synthetic(4, [4]), { batchSize: 2, augment: true }).next(), /augment/);
});

test('split / subset / withoutClasses', () => {
  const ds = synthetic(50, [3], 5);
  const { train, validation } = kd.data.split(ds, 0.2, 1);
  assert.equal(validation.n, 10);
  assert.equal(train.n, 40);
  const ids = [
    ...Array.from(train.x.filter((_, k) => k % 3 === 0)),
    ...Array.from(validation.x.filter((_, k) => k % 3 === 0)),
  ]
    .map(Math.round)
    .sort((a, b) => a - b);
  assert.deepEqual(
    ids,
    Array.from({ length: 50 }, (_, i) => i),
    'disjoint and complete',
  );
  assert.deepEqual(kd.data.split(ds, 0.2, 1).validation.y, validation.y);
  assert.throws(() => kd.data.split(ds, 1.5, 0), /fraction.*1\.5/);

  const sub = kd.data.subset(ds, [4, 0, 4]);
  assert.deepEqual(
    Array.from(sub.x).map((v) => +v.toFixed(3)),
    [4, 4.001, 4.002, 0, 0.001, 0.002, 4, 4.001, 4.002],
  );
  assert.deepEqual(Array.from(sub.y), [4, 0, 4]);
  assert.throws(() => kd.data.subset(ds, [50]), /\[0, 50\).*50/);

  const wo = kd.data.withoutClasses(ds, [3]);
  assert.equal(wo.n, 40);
  assert.ok(!wo.y.includes(3));
  assert.equal(wo.classes, 5, 'the model keeps all outputs');
  assert.deepEqual(kd.data.classCounts(wo), [10, 10, 10, 0, 10]);
  // order kept: ids of the survivors are increasing and exactly those with i % 5 != 3
  const kept = Array.from(wo.x.filter((_, k) => k % 3 === 0)).map(Math.round);
  assert.deepEqual(
    kept,
    Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 5 !== 3),
  );
  assert.throws(() => kd.data.withoutClasses(ds, [7]), /classes.*\[0, 5\).*7/);
});

test('withNoisyLabels: exactly round(fraction·n) labels changed, each to another class; the rest and x untouched', () => {
  const ds = synthetic(200, [3], 4);
  const { data, changed } = kd.data.withNoisyLabels(ds, { fraction: 0.3, seed: 5 });
  const differ = Array.from(ds.y.keys()).filter((i) => data.y[i] !== ds.y[i]);
  assert.equal(differ.length, 60, 'round(0.3 · 200) labels differ from the originals');
  assert.deepEqual(changed, differ, 'the reported indices are exactly the changed ones');
  for (const i of differ) assert.ok(data.y[i] >= 0 && data.y[i] < 4, `label ${data.y[i]} is a class`);
  assert.equal(data.x, ds.x, 'inputs shared, not copied');
  assert.deepEqual(
    Array.from(ds.y),
    Array.from({ length: 200 }, (_, i) => i % 4),
    'the original is not modified',
  );
  // The wrong labels are spread over the other 3 classes (60 draws: each class gets some).
  const offsets = new Set(differ.map((i) => (data.y[i] - ds.y[i] + 4) % 4));
  assert.deepEqual([...offsets].sort(), [1, 2, 3]);
  assert.deepEqual(kd.data.withNoisyLabels(ds, { fraction: 0.3, seed: 5 }).data.y, data.y, 'seeded');
  assert.notDeepEqual(kd.data.withNoisyLabels(ds, { fraction: 0.3, seed: 6 }).changed, changed);
  assert.equal(kd.data.withNoisyLabels(ds, { fraction: 0 }).changed.length, 0);
  assert.equal(kd.data.withNoisyLabels(ds, { fraction: 1 }).changed.length, 200);
  assert.throws(() => kd.data.withNoisyLabels(ds, { fraction: 1.2 }), /fraction.*\[0, 1\].*1\.2/);
  assert.throws(
    () => kd.data.withNoisyLabels({ ...ds, classes: 1, y: new Int32Array(200) }, { fraction: 0.5 }),
    /at least 2 classes/,
  );
});

test('crossModal: profiles are row/column means of the same sample; lowres 4×4 block means; seeded noise', () => {
  const { test: ds } = kd.data.mnist({ train: 0, test: 40, seed: 2 });
  const cm = kd.data.crossModal(ds, { view: ['profiles', 'lowres'], noise: 0 });
  assert.equal(cm.views!.image.x, ds.x);
  assert.deepEqual(cm.views!.profiles.sampleShape, [56]);
  assert.deepEqual(cm.views!.lowres.sampleShape, [7, 7, 1]);
  assert.equal(cm.y, ds.y);
  for (let i = 0; i < ds.n; i++) {
    for (let r = 0; r < 28; r++) {
      let s = 0;
      for (let c = 0; c < 28; c++) s += ds.x[i * 784 + r * 28 + c];
      assert.ok(Math.abs(cm.views!.profiles.x[i * 56 + r] - s / 28) < 1e-5, `row ${r} of sample ${i}`);
    }
    for (let c = 0; c < 28; c++) {
      let s = 0;
      for (let r = 0; r < 28; r++) s += ds.x[i * 784 + r * 28 + c];
      assert.ok(Math.abs(cm.views!.profiles.x[i * 56 + 28 + c] - s / 28) < 1e-5, `col ${c} of sample ${i}`);
    }
    for (let br = 0; br < 7; br++)
      for (let bc = 0; bc < 7; bc++) {
        let s = 0;
        for (let r = 4 * br; r < 4 * br + 4; r++)
          for (let c = 4 * bc; c < 4 * bc + 4; c++) s += ds.x[i * 784 + r * 28 + c];
        assert.ok(Math.abs(cm.views!.lowres.x[i * 49 + br * 7 + bc] - s / 16) < 1e-5);
      }
  }
  const n1 = kd.data.crossModal(ds, { noise: 0.1, seed: 5 }).views!.profiles.x;
  assert.deepEqual(n1, kd.data.crossModal(ds, { noise: 0.1, seed: 5 }).views!.profiles.x);
  assert.notDeepEqual(n1, kd.data.crossModal(ds, { noise: 0.1, seed: 6 }).views!.profiles.x);
  let sq = 0;
  for (let k = 0; k < n1.length; k++) sq += (n1[k] - cm.views!.profiles.x[k]) ** 2;
  const sd = Math.sqrt(sq / n1.length);
  assert.ok(sd > 0.09 && sd < 0.11, `noise std ≈ 0.1, got ${sd}`);
  // subset keeps the pairing
  const sub = kd.data.subset(cm, [3]);
  assert.deepEqual(sub.views!.profiles.x, cm.views!.profiles.x.slice(3 * 56, 4 * 56));
  assert.throws(() => kd.data.crossModal(kd.data.subset(ds, [0]), { view: 'radar' as 'lowres' }), /view.*radar/);
  assert.throws(() => kd.data.crossModal(synthetic(2, [4])), /\[H, W, 1\]/);
});

test('oneHot', () => {
  const t = kd.data.oneHot([2, 0], 3);
  assert.deepEqual(t.arraySync(), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  t.dispose();
  assert.throws(() => kd.data.oneHot([3], 3), /\[0, 3\).*3/);
});
