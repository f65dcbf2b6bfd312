/**
 * kd.compress: IEEE half conversion (exhaustive + float64 reference), int8 affine sizes (hand formulas)
 * and error bound (float64 reference), magnitude pruning (exact sparsity, pruned weights stay zero through
 * fine-tuning, gradual schedule), the greedy structure search, and the common report.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { Distiller } from '../../lib/distill';
import {
  dequantizeBuffer,
  encodeSparse,
  fromHalfBits,
  measure,
  neighbours,
  prune,
  quantize,
  searchArchitecture,
  toHalfBits,
} from '../../lib/compress';
import { rng } from '../support/gradcheck';

type Dataset = kd.data.Dataset;
let train: Dataset, testSet: Dataset;
let trained: tf.LayersModel; // MLP 784-32-10 trained briefly on real digits

before(async () => {
  await kd.backend.init();
  ({ train, test: testSet } = kd.data.mnist({ train: 2000, test: 500, seed: 3 }));
  trained = kd.models.mlp({ hidden: [32], seed: 1 });
  const d = new Distiller({ student: trained, seed: 1 });
  await d.fit(train, { epochs: 2, batchSize: 64 });
  d.dispose();
});

const values = (m: tf.LayersModel) => m.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));

describe('float16', () => {
  test('hand-checked bit patterns (IEEE 754 binary16, round to nearest even)', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65520, 0x7c00] /* halfway above max → Inf */,
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400] /* smallest normal */,
      [2 ** -24, 0x0001] /* smallest subnormal */,
      [2 ** -25, 0x0000] /* tie → even (0) */,
      [3 * 2 ** -25, 0x0002] /* tie 1.5 → 2 */,
      [1 + 2 ** -11, 0x3c00] /* tie → even */,
      [1 + 3 * 2 ** -11, 0x3c02] /* tie → even (up) */,
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
    ];
    for (const [v, bits] of cases)
      assert.equal(
        toHalfBits(v),
        bits,
        `toHalfBits(${v}) = 0x${toHalfBits(v).toString(16)}, expected 0x${bits.toString(16)}`,
      );
    assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
    assert.equal(fromHalfBits(0x3555), 0.333251953125);
    assert.equal(fromHalfBits(0x0001), 2 ** -24);
  });
  test('every finite half value round-trips exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN payloads
      assert.equal(toHalfBits(fromHalfBits(h)), h);
    }
  });
  test('random values round to the nearest half (float64 reference by quantum)', () => {
    const r = rng(1);
    for (let i = 0; i < 20000; i++) {
      const v = Math.fround(r.normal() * 2 ** Math.floor(r.uniform() * 40 - 28));
      const e = Math.max(Math.floor(Math.log2(Math.abs(v))), -14);
      const q = 2 ** (e - 10);
      const m = v / q;
      let rm = Math.round(m);
      if (Math.abs(m - Math.trunc(m)) === 0.5) rm = 2 * Math.round(m / 2); // ties to even
      const want = rm * q;
      const got = fromHalfBits(toHalfBits(v));
      assert.equal(got, Math.abs(want) > 65504 ? Math.sign(want) * Infinity : want, `v=${v}`);
    }
  });
});

describe('quantize', () => {
  const tiny = () => kd.models.mlp({ inputShape: [3], hidden: [5], classes: 2, seed: 7 }); // kernels [3,5], [5,2]; biases [5], [2]
  test('stored sizes match the hand formulas', async () => {
    const m = tiny();
    const n = 15 + 5 + 10 + 2;
    const f16 = await quantize(m, { bits: 16, latency: { runs: 1, warmup: 0 } });
    assert.equal(f16.bytes, 2 * n);
    const i8 = await quantize(m, { bits: 8, latency: { runs: 1, warmup: 0 } });
    assert.equal(i8.bytes, n + 8 * 4); // one (scale, zero point) per tensor
    assert.equal(i8.buffer.length, i8.bytes);
    const pc = await quantize(m, { bits: 8, perChannel: true, latency: { runs: 1, warmup: 0 } });
    assert.equal(pc.bytes, n + 8 * (5 + 1 + 2 + 1)); // kernels per output channel, biases per tensor
    assert.equal(i8.params, n);
    assert.equal(measure(m, { latency: { runs: 1, warmup: 0 } }).bytes, 4 * n);
    await assert.rejects(quantize(m, { bits: 4 as never }), /bits: expected 16 or 8, got 4/);
  });
  for (const perChannel of [false, true]) {
    test(`int8 ${perChannel ? 'per-channel' : 'per-tensor'}: scales from float64 min/max, |x − dequantised| ≤ scale/2`, async () => {
      const q = await quantize(trained, { bits: 8, perChannel, test: testSet, latency: { runs: 1, warmup: 0 } });
      const orig = values(trained),
        deq = values(q.model);
      const view = new DataView(q.buffer.buffer, q.buffer.byteOffset, q.buffer.byteLength);
      let worst = 0;
      q.tensors.forEach((t, i) => {
        const C = perChannel && t.shape.length >= 2 ? t.shape[t.shape.length - 1] : 1;
        assert.equal(t.groups, C);
        for (let g = 0; g < C; g++) {
          let lo = 0,
            hi = 0; // float64 reference range, including 0
          for (let j = g; j < t.size; j += C) {
            lo = Math.min(lo, orig[i][j]);
            hi = Math.max(hi, orig[i][j]);
          }
          const scaleRef = (hi - lo) / 255;
          const scale = view.getFloat32(t.offset + 8 * g, true);
          assert.ok(scale >= scaleRef && scale <= scaleRef * (1 + 2 ** -22), `scale ${scale} vs ${scaleRef}`);
          for (let j = g; j < t.size; j += C) {
            const err = Math.abs(orig[i][j] - deq[i][j]);
            worst = Math.max(worst, err / scaleRef);
            assert.ok(
              err <= scaleRef / 2 + Math.abs(orig[i][j]) * 2 ** -23,
              `tensor ${t.name} [${j}]: error ${err} > scale/2 ${scaleRef / 2}`,
            );
          }
        }
      });
      assert.ok(worst > 0.1, 'quantisation should not be lossless');
      assert.deepEqual(
        dequantizeBuffer(q.buffer, q.tensors, 8).map((a) => Array.from(a)),
        deq.map((a) => Array.from(a)),
      );
      const base = kd.distill.evaluate(trained, testSet).accuracy;
      assert.ok(
        q.accuracy !== null && Math.abs(q.accuracy - base) < 0.03,
        `int8 accuracy ${q.accuracy} vs float32 ${base}`,
      );
      assert.ok(q.latencyMs > 0);
    });
  }
  test('float16 dequantised weights are the nearest halves', async () => {
    const q = await quantize(trained, { bits: 16, latency: { runs: 1, warmup: 0 } });
    const orig = values(trained),
      deq = values(q.model);
    orig.forEach((o, i) =>
      o.forEach((v, j) => {
        assert.ok(Math.abs(v - deq[i][j]) <= Math.abs(v) * 2 ** -11 + 2 ** -25, `${v} → ${deq[i][j]}`);
      }),
    );
  });
});

describe('prune', () => {
  const zeroMasks = (m: tf.LayersModel) => values(m).map((v) => v.map((x) => (x === 0 ? 1 : 0)));
  test('one-shot: exact per-tensor sparsity; pruned weights stay zero through fine-tuning; original untouched; sparse size', async () => {
    const before = values(trained);
    const noFt = await prune(trained, { sparsity: 0.9, test: testSet, latency: { runs: 1, warmup: 0 } });
    const ft = await prune(trained, {
      sparsity: 0.9,
      test: testSet,
      finetune: { data: train, epochs: 1, batchSize: 64 },
      latency: { runs: 1, warmup: 0 },
    });
    const after = values(trained);
    before.forEach((b, i) => assert.deepEqual(after[i], b, 'the original model must not change'));
    const shapes = trained.weights.map((w) => w.shape as number[]);
    const m0 = zeroMasks(noFt.model),
      m1 = zeroMasks(ft.model);
    const w0 = values(noFt.model),
      w1 = values(ft.model);
    let moved = 0;
    shapes.forEach((s, i) => {
      const n = s.reduce((a, b) => a * b, 1);
      if (s.length < 2) return;
      assert.equal(
        m0[i].reduce((a, b) => a + b, 0),
        Math.floor(0.9 * n),
        `zeros of tensor ${i}`,
      );
      assert.deepEqual(m1[i], m0[i], `the pruned set changed during fine-tuning (tensor ${i})`);
      for (let j = 0; j < n; j++) if (w0[i][j] !== w1[i][j]) moved++;
    });
    assert.ok(moved > 0, 'fine-tuning changed nothing');
    const prunable = shapes.filter((s) => s.length >= 2).map((s) => s.reduce((a, b) => a * b, 1));
    const wantSparsity = prunable.reduce((a, n) => a + Math.floor(0.9 * n), 0) / prunable.reduce((a, n) => a + n, 0);
    assert.equal(ft.sparsity, wantSparsity);
    // sparse size: per kernel ⌈n/8⌉ mask bytes + 4·nnz; biases dense
    let bytes = 0;
    shapes.forEach((s, i) => {
      const n = s.reduce((a, b) => a * b, 1);
      bytes += s.length >= 2 ? Math.ceil(n / 8) + 4 * (n - m1[i].reduce((a, b) => a + b, 0)) : 4 * n;
    });
    assert.equal(ft.bytes, bytes);
    assert.equal(encodeSparse(ft.model).length, bytes);
    assert.equal(ft.denseBytes, 4 * ft.params);
    assert.equal(
      ft.nonzeroParams,
      w1.reduce((a, v) => a + v.filter((x) => x !== 0).length, 0),
    );
    assert.ok(ft.accuracy! > noFt.accuracy!, `fine-tuning should recover accuracy: ${noFt.accuracy} → ${ft.accuracy}`);
  });
  test('gradual (Zhu & Gupta): event sparsities follow s_f(1 − (1 − k/n)³) and the final target is met', async () => {
    const ds = kd.data.subset(
      train,
      Array.from({ length: 256 }, (_, i) => i),
    ); // 4 batches/epoch × 2 epochs = 8
    const r = await prune(trained, {
      sparsity: 0.8,
      schedule: 'gradual',
      steps: 4,
      finetune: { data: ds, epochs: 2, batchSize: 64 },
      latency: { runs: 1, warmup: 0 },
    });
    assert.deepEqual(
      r.events.map((e) => e.batch),
      [0, 2, 4, 6],
    );
    const prunable = trained.weights
      .filter((w) => w.shape.length >= 2)
      .map((w) => w.shape.reduce((a: number, b) => a * (b as number), 1));
    const total = prunable.reduce((a, b) => a + b, 0);
    r.events.forEach((e, k) => {
      const s = 0.8 * (1 - (1 - (k + 1) / 4) ** 3);
      assert.equal(e.sparsity, prunable.reduce((a, n) => a + Math.floor(s * n), 0) / total, `event ${k + 1}`);
    });
    assert.ok(Math.abs(r.sparsity - 0.8) < 1e-3);
  });
  test('bad input', async () => {
    await assert.rejects(prune(trained, { sparsity: 1 }), /sparsity: expected a number in \[0, 1\), got 1/);
    await assert.rejects(prune(trained, { sparsity: 0.5, schedule: 'cubic' as never }), /schedule/);
  });
});

describe('no leaked tensors', () => {
  test('prune (with fine-tuning), quantize and measure leave only the returned model', async () => {
    const ds = kd.data.subset(
      train,
      Array.from({ length: 128 }, (_, i) => i),
    );
    const before = tf.memory().numTensors;
    const p = await prune(trained, {
      sparsity: 0.5,
      schedule: 'gradual',
      steps: 2,
      finetune: { data: ds, epochs: 1 },
      test: testSet,
      latency: { runs: 1, warmup: 0 },
    });
    p.model.dispose();
    const q = await quantize(trained, { bits: 8, perChannel: true, test: testSet, latency: { runs: 1, warmup: 0 } });
    q.model.dispose();
    measure(trained, { test: testSet, latency: { runs: 1, warmup: 0 } });
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('searchArchitecture', () => {
  test('neighbours: every single removal and halving', () => {
    assert.deepEqual(neighbours([8, 4], 0.5), [[4], [4, 4], [8], [8, 2]]);
    assert.deepEqual(neighbours([1], 0.5), [[]]);
  });
  test('greedy search reaches the budget and keeps the most accurate trial of each step', async () => {
    const split = kd.data.split(
      kd.data.subset(
        train,
        Array.from({ length: 600 }, (_, i) => i),
      ),
      0.25,
      1,
    );
    const build = (hidden: number[]) => kd.models.mlp({ hidden, seed: 5 });
    const params = (h: number[]) => {
      let p = 0,
        prev = 784;
      for (const u of [...h, 10]) {
        p += prev * u + u;
        prev = u;
      }
      return p;
    };
    const budget = params([16, 8]) - 1; // [16, 8] is just over budget: one greedy step needed
    const r = await searchArchitecture({
      build,
      start: [16, 8],
      budgetParams: budget,
      data: { ...split, test: testSet },
      epochs: 1,
      batchSize: 64,
      seed: 1,
      latency: { runs: 1, warmup: 0 },
    });
    assert.ok(r.params <= budget && r.params === params(r.structure), `params ${r.params} budget ${budget}`);
    const step1 = r.trials.filter((t) => t.step === 1);
    assert.deepEqual(
      step1.map((t) => t.structure),
      neighbours([16, 8], 0.5),
    );
    const bestAcc = Math.max(...step1.map((t) => t.validationAccuracy));
    assert.equal(r.validationAccuracy, bestAcc);
    assert.deepEqual(r.path, [[16, 8], r.structure]);
    assert.equal(r.bytes, 4 * r.params);
    assert.ok(r.accuracy !== null && r.accuracy > 0.1);
    const c = await searchArchitecture({
      build,
      candidates: [[64], [8], [4, 4]],
      budgetParams: params([8]),
      data: split,
      epochs: 1,
      seed: 1,
      latency: { runs: 1, warmup: 0 },
    });
    assert.deepEqual(
      c.trials.map((t) => t.structure),
      [[8], [4, 4]],
      'only candidates within budget are trained',
    );
  });
});
