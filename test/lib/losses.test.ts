/**
 * kd.losses against the independent float64 reference (test/support/reference.ts), on every test backend:
 * values, gradients w.r.t. the student by central finite differences of the reference, exactly-zero
 * gradients w.r.t. the teacher, and no leaked tensors. Hand-computed values and ±1e4 logits at the end.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as L from '../../lib/losses';
import * as R from '../support/reference';
import * as backend from '../../lib/backend';
import { testBackends } from '../support/backends';
import { assertAllClose, assertClose, nest, numericGradient, randomFlat, rng } from '../support/gradcheck';

type Role = 'student' | 'teacher';
interface Input {
  shape: number[];
  role: Role;
  scale?: number;
  /** [copy, of]: sample `copy` is made equal to sample `of` (a repeated image in the batch). */
  repeat?: [number, number][];
}
interface Case {
  name: string;
  inputs: Input[];
  /** The library loss, given tensors in `inputs` order. */
  lib: (x: tf.Tensor[]) => tf.Scalar;
  /** The float64 reference, given nested arrays in `inputs` order. */
  ref: (x: any[]) => number;
}

const LABELS = [2, 0, 4, 1];
const ONE_HOT = LABELS.map((c) => [0, 1, 2, 3, 4].map((k) => (k === c ? 1 : 0)));
const s = (...shape: number[]): Input => ({ shape, role: 'student', scale: 2 });
const t = (...shape: number[]): Input => ({ shape, role: 'teacher', scale: 2 });
const labels = (): tf.Tensor => tf.tensor1d(LABELS, 'int32');
/**
 * Samples 3 and 6 repeat samples 0 and 1 (two repeated rows in a batch of 8, as issue 19 measured). Used for
 * the distance term only: an angle AT a repeated pair has no direction, so it has no gradient to check.
 */
const REPEATS: [number, number][] = [
  [3, 0],
  [6, 1],
];
const repeated = (inp: Input): Input => ({ ...inp, repeat: REPEATS });

const cases: Case[] = [
  {
    name: 'kdLoss T=4',
    inputs: [s(4, 5), t(4, 5)],
    lib: ([a, b]) => L.kdLoss(a, b),
    ref: ([a, b]) => R.kdLoss(a, b, 4),
  },
  {
    name: 'kdLoss T=1.5',
    inputs: [s(3, 7), t(3, 7)],
    lib: ([a, b]) => L.kdLoss(a, b, { temperature: 1.5 }),
    ref: ([a, b]) => R.kdLoss(a, b, 1.5),
  },
  {
    name: 'crossEntropy int labels',
    inputs: [s(4, 5)],
    lib: ([a]) => tf.tidy(() => L.crossEntropy(a, labels())),
    ref: ([a]) => R.crossEntropy(a, LABELS),
  },
  {
    name: 'hintonLoss int labels',
    inputs: [s(4, 5), t(4, 5)],
    lib: ([a, b]) => tf.tidy(() => L.hintonLoss(a, b, labels(), { temperature: 3, alpha: 0.7 })),
    ref: ([a, b]) => R.hintonLoss(a, b, LABELS, 3, 0.7),
  },
  {
    name: 'hintonLoss one-hot labels, defaults',
    inputs: [s(4, 5), t(4, 5)],
    lib: ([a, b]) => tf.tidy(() => L.hintonLoss(a, b, tf.tensor2d(ONE_HOT))),
    ref: ([a, b]) => R.hintonLoss(a, b, ONE_HOT, 4, 0.9),
  },
  {
    name: 'fitnetLoss NHWC',
    inputs: [s(2, 2, 3, 3), t(2, 2, 3, 3)],
    lib: ([a, b]) => L.fitnetLoss(a, b),
    ref: ([a, b]) => R.fitnetLoss(a.flat(3), b.flat(3)),
  },
  {
    name: 'attentionTransferLoss same size, different channels',
    inputs: [s(2, 4, 4, 3), t(2, 4, 4, 5)],
    lib: ([a, b]) => L.attentionTransferLoss(a, b),
    ref: ([a, b]) => R.attentionTransferLoss(a, b, 2),
  },
  {
    name: 'attentionTransferLoss teacher smaller (pool student 4x4 -> 2x2)',
    inputs: [s(2, 4, 4, 2), t(2, 2, 2, 3)],
    lib: ([a, b]) => L.attentionTransferLoss(a, b),
    ref: ([a, b]) => R.attentionTransferLoss(a, b, 2),
  },
  {
    name: 'attentionTransferLoss teacher larger (pool teacher 6x4 -> 3x2), p=3',
    inputs: [s(2, 3, 2, 2), t(2, 6, 4, 2)],
    lib: ([a, b]) => L.attentionTransferLoss(a, b, { p: 3 }),
    ref: ([a, b]) => R.attentionTransferLoss(a, b, 3),
  },
  {
    name: 'attentionTransferLoss non-multiple sizes (5x5 vs 3x3, adaptive bins), p=1',
    inputs: [s(2, 5, 5, 2), t(2, 3, 3, 1)],
    lib: ([a, b]) => L.attentionTransferLoss(a, b, { p: 1 }),
    ref: ([a, b]) => R.attentionTransferLoss(a, b, 1),
  },
  {
    name: 'absoluteTeacherLoss',
    inputs: [s(5, 3), t(5, 3)],
    lib: ([a, b]) => L.absoluteTeacherLoss(a, b),
    ref: ([a, b]) => R.absoluteTeacherLoss(a, b),
  },
  {
    name: 'relativeTeacherLoss widths 3 vs 6',
    inputs: [s(5, 3), t(5, 6)],
    lib: ([a, b]) => L.relativeTeacherLoss(a, b),
    ref: ([a, b]) => R.relativeTeacherLoss(a, b),
  },
  {
    name: 'rkdDistanceLoss widths 3 vs 7',
    inputs: [s(5, 3), t(5, 7)],
    lib: ([a, b]) => L.rkdDistanceLoss(a, b),
    ref: ([a, b]) => R.rkdDistanceLoss(a, b),
  },
  {
    name: 'rkdDistanceLoss with repeated samples (μ over all pairs i ≠ j), widths 3 vs 5',
    inputs: [repeated(s(8, 3)), repeated(t(8, 5))],
    lib: ([a, b]) => L.rkdDistanceLoss(a, b),
    ref: ([a, b]) => R.rkdDistanceLoss(a, b),
  },
  {
    name: 'rkdAngleLoss widths 3 vs 7',
    inputs: [s(5, 3), t(5, 7)],
    lib: ([a, b]) => L.rkdAngleLoss(a, b),
    ref: ([a, b]) => R.rkdAngleLoss(a, b),
  },
  {
    name: 'rkdLoss defaults, widths 4 vs 2',
    inputs: [s(6, 4), t(6, 2)],
    lib: ([a, b]) => L.rkdLoss(a, b),
    ref: ([a, b]) => R.rkdLoss(a, b),
  },
  {
    name: 'rkdLoss custom weights',
    inputs: [s(4, 3), t(4, 5)],
    lib: ([a, b]) => L.rkdLoss(a, b, { distanceWeight: 2, angleWeight: 0.5 }),
    ref: ([a, b]) => R.rkdLoss(a, b, 2, 0.5),
  },
  ...(['mean', 'entropy', 'confidence', [1, 2, 5]] as const).map((weighting): Case => ({
    name: `multiTeacherKdLoss weighting=${JSON.stringify(weighting)}`,
    inputs: [s(4, 5), t(4, 5), t(4, 5), t(4, 5)],
    lib: ([a, ...ts]) =>
      tf.tidy(() =>
        L.multiTeacherKdLoss(a, ts, { temperature: 2, weighting: weighting as L.TeacherWeighting, labels: labels() }),
      ),
    ref: ([a, ...ts]) => R.multiTeacherKdLoss(a, ts, 2, weighting as unknown as number[], LABELS),
  })),
  {
    name: 'irgLoss single pair',
    inputs: [s(5, 4), t(5, 4)],
    lib: ([a, b]) => L.irgLoss(a, b),
    ref: ([a, b]) => R.irgLoss([a], [b]),
  },
  {
    name: 'irgLoss three pairs (NHWC features, different widths) + logits',
    inputs: [s(5, 2, 2, 3), s(5, 6), s(5, 4), t(5, 3, 3, 1), t(5, 3), t(5, 4)],
    lib: ([s1, s2, s3, t1, t2, t3]) => L.irgLoss([s1, s2, s3], [t1, t2, t3], { vertexWeight: 0.5, edgeWeight: 2 }),
    ref: ([s1, s2, s3, t1, t2, t3]) =>
      R.irgLoss([s1.map((x: any) => x.flat(2)), s2, s3], [t1.map((x: any) => x.flat(2)), t2, t3], 0.5, 2),
  },
  {
    name: 'irgLoss edge-only across widths (vertexWeight 0): logits 3 vs 7',
    inputs: [s(5, 3), t(5, 7)],
    lib: ([a, b]) => L.irgLoss(a, b, { vertexWeight: 0 }),
    ref: ([a, b]) => R.irgLoss([a], [b], 0, 5),
  },
  {
    name: 'irgLoss with a transformation pair (NHWC block → hidden, per network), widths differ',
    inputs: [s(5, 2, 2, 1), s(5, 4), s(5, 3), t(5, 6), t(5, 6), t(5, 3)],
    lib: ([s1, s2, s3, t1, t2, t3]) =>
      L.irgLoss([s1, s2, s3], [t1, t2, t3], {
        vertexWeight: 0.5,
        edgeWeight: 1.5,
        transformWeight: 2,
        transformPairs: [[0, 1]],
      }),
    ref: ([s1, s2, s3, t1, t2, t3]) =>
      R.irgLoss([s1.map((x: any) => x.flat(2)), s2, s3], [t1, t2, t3], 0.5, 1.5, {
        transformWeight: 2,
        transformPairs: [[0, 1]],
      }),
  },
  {
    name: 'irgLoss edge-only with two transformation pairs, student width 4, teacher width 2 (logits too)',
    inputs: [s(6, 4), s(6, 4), s(6, 4), t(6, 2), t(6, 2), t(6, 2)],
    lib: ([s1, s2, s3, t1, t2, t3]) =>
      L.irgLoss([s1, s2, s3], [t1, t2, t3], {
        vertexWeight: 0,
        transformPairs: [
          [0, 1],
          [2, 0],
        ],
      }),
    ref: ([s1, s2, s3, t1, t2, t3]) =>
      R.irgLoss([s1, s2, s3], [t1, t2, t3], 0, 5, {
        transformPairs: [
          [0, 1],
          [2, 0],
        ],
      }),
  },
];

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `flat` with the samples of `inp.repeat` copied (sample = one row of the batch axis). */
function withRepeats(flat: number[], inp: Input): number[] {
  const row = size(inp.shape) / inp.shape[0];
  for (const [copy, of] of inp.repeat ?? []) {
    for (let k = 0; k < row; k++) flat[copy * row + k] = flat[of * row + k];
  }
  return flat;
}

test('losses match the float64 reference, with finite-difference gradients, on every backend', async (top) => {
  for (const name of await testBackends()) {
    await top.test(name, async (tb) => {
      await backend.init(name);
      assert.equal(tf.getBackend(), name);
      let seed = 1;
      for (const c of cases) {
        await tb.test(c.name, () => {
          const r = rng(seed++);
          const flats = c.inputs.map((inp) => withRepeats(randomFlat(r, size(inp.shape), inp.scale ?? 1), inp));
          const nested = (fl: number[][]) => fl.map((f, i) => nest(f, c.inputs[i].shape));
          const tensors = flats.map((f, i) => tf.tensor(f, c.inputs[i].shape, 'float32'));
          const expected = c.ref(nested(flats));

          // value and leaks: only the returned scalar survives the call
          const before = tf.memory().numTensors;
          const value = c.lib(tensors);
          assert.equal(tf.memory().numTensors, before + 1, 'only the result tensor may survive the call');
          assert.deepEqual(value.shape, [], 'loss must be a scalar');
          assertClose(value.dataSync()[0], expected, { rtol: 2e-4, atol: 1e-5 }, `${c.name} value`);
          value.dispose();

          // gradients: students vs central differences of the reference; teachers exactly zero
          const grads = tf.grads((...xs: tf.Tensor[]) => c.lib(xs))(tensors);
          c.inputs.forEach((inp, i) => {
            const g = grads[i].dataSync();
            if (inp.role === 'teacher') {
              assert.ok(
                g.every((v) => v === 0),
                `${c.name}: gradient w.r.t. teacher input ${i} must be exactly 0`,
              );
            } else {
              const numeric = numericGradient((x) => c.ref(nested(flats.map((f, j) => (j === i ? x : f)))), flats[i]);
              assertAllClose(g, numeric, { rtol: 2e-3, atol: 1e-5 }, `${c.name} d/d input ${i}`);
            }
          });
          tf.dispose(grads);
          tf.dispose(tensors);
          assert.equal(tf.memory().numTensors, before - tensors.length, `${c.name}: tensors leaked`);
        });
      }
    });
  }
});

test('values worked out by hand', async (tb) => {
  await tf.setBackend('cpu');
  const v = (x: tf.Scalar): number => {
    const n = x.dataSync()[0];
    x.dispose();
    return n;
  };
  await tb.test('kdLoss of identical logits is 0', () => {
    const z = tf.tensor2d([
      [1, -2, 3],
      [0.5, 0.5, 9],
    ]);
    assertClose(v(L.kdLoss(z, z)), 0, { atol: 1e-6 });
    z.dispose();
  });
  await tb.test('2-class kdLoss: p = (3/4, 1/4), q = (1/2, 1/2), T = 2', () => {
    // teacher logits (2·ln3, 0)/2 → softmax (3/4, 1/4); student (0, 0) → (1/2, 1/2).
    // KL = 3/4·ln(3/2) + 1/4·ln(1/2); loss = T²·KL = 4·KL ≈ 0.523248
    const expected = 4 * (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5));
    const got = tf.tidy(() =>
      v(L.kdLoss(tf.tensor2d([[0, 0]]), tf.tensor2d([[2 * Math.log(3), 0]]), { temperature: 2 })),
    );
    assertClose(got, expected, { rtol: 1e-5 });
    assertClose(got, 0.523248, { rtol: 1e-5 });
  });
  await tb.test('softmaxWithTemperature', () => {
    const p = tf.tidy(() => L.softmaxWithTemperature(tf.tensor1d([2 * Math.log(3), 0]), 2));
    assertAllClose(p.dataSync(), [0.75, 0.25], { rtol: 1e-6 }, 'softmax');
    p.dispose();
  });
  await tb.test('crossEntropy of uniform logits is ln C', () => {
    assertClose(
      tf.tidy(() => v(L.crossEntropy(tf.zeros([3, 4]), tf.tensor1d([0, 3, 1], 'int32')))),
      Math.log(4),
    );
  });
  await tb.test('hintonLoss alpha = 0.5 mixes KD and CE equally', () => {
    const kd = 4 * (0.75 * Math.log(1.5) + 0.25 * Math.log(0.5));
    const got = tf.tidy(() =>
      v(
        L.hintonLoss(tf.tensor2d([[0, 0]]), tf.tensor2d([[2 * Math.log(3), 0]]), tf.tensor1d([1], 'int32'), {
          temperature: 2,
          alpha: 0.5,
        }),
      ),
    );
    assertClose(got, 0.5 * kd + 0.5 * Math.log(2));
  });
  await tb.test('fitnetLoss: ((1-0)² + (2-0)²)/2 = 2.5', () => {
    assertClose(
      tf.tidy(() => v(L.fitnetLoss(tf.tensor2d([[1, 2]]), tf.zeros([1, 2])))),
      2.5,
    );
  });
  await tb.test('attentionTransferLoss: orthogonal one-hot maps give 1; constant maps of any size give 0', () => {
    const a = tf.tidy(() =>
      v(L.attentionTransferLoss(tf.tensor4d([1, 0], [1, 1, 2, 1]), tf.tensor4d([0, 1], [1, 1, 2, 1]))),
    );
    assertClose(a, 1); // maps (1,0) and (0,1): ((1-0)² + (0-1)²)/2
    const b = tf.tidy(() => v(L.attentionTransferLoss(tf.fill([2, 2, 2, 3], 3), tf.fill([2, 6, 4, 1], -0.5))));
    assertClose(b, 0, { atol: 1e-6 });
  });
  await tb.test('absoluteTeacherLoss: mean of ‖(3,4)‖ and ‖0‖ = 2.5; relativeTeacherLoss = 5·√2', () => {
    const x = [
      [3, 4],
      [0, 0],
    ];
    assertClose(
      tf.tidy(() => v(L.absoluteTeacherLoss(tf.tensor2d(x), tf.zeros([2, 2])))),
      2.5,
    );
    // D_s has 5 at (0,1) and (1,0), D_t = 0 → ‖D_s − D_t‖_F = √50
    assertClose(
      tf.tidy(() => v(L.relativeTeacherLoss(tf.tensor2d(x), tf.zeros([2, 3])))),
      Math.sqrt(50),
    );
  });
  await tb.test('rkdDistanceLoss on the line: (0,1,3) vs (0,1,2) = 0.125/9; scaled copies give 0', () => {
    // ψ_s: distances 1,3,2 / μ=2 → .5,1.5,1 ; ψ_t: 1,2,1 / μ=4/3 → .75,1.5,.75
    // differences ±.25 at 4 off-diagonal entries: huber = .5·.0625 each → .125 over N² = 9
    const got = tf.tidy(() => v(L.rkdDistanceLoss(tf.tensor2d([[0], [1], [3]]), tf.tensor2d([[0], [1], [2]]))));
    assertClose(got, 0.125 / 9);
    const scaled = tf.tidy(() =>
      v(
        L.rkdDistanceLoss(
          tf.tensor2d([
            [0, 0],
            [1, 2],
            [3, 1],
          ]),
          tf.tensor2d([
            [0, 0],
            [3, 6],
            [9, 3],
          ]),
        ),
      ),
    );
    assertClose(scaled, 0, { atol: 1e-6 });
  });
  await tb.test('rkdAngleLoss on the line: (0,1,3) vs (0,3,1) = 2/9', () => {
    // cosines are sign products; they differ (−1 vs +1, huber(2) = 1.5) at anchors 1 and 2, two (b,c) orders
    // each → 4 · 1.5 = 6 over N³ = 27
    const got = tf.tidy(() => v(L.rkdAngleLoss(tf.tensor2d([[0], [1], [3]]), tf.tensor2d([[0], [3], [1]]))));
    assertClose(got, 6 / 27);
  });
  await tb.test('multiTeacherKdLoss: weights [1, 0] = kdLoss with teacher 0; entropy weights by hand', () => {
    const st = tf.tensor2d([[0, 0]]);
    const t0 = tf.tensor2d([[2 * Math.log(3), 0]]); // p = (3/4, 1/4) at T = 2
    const t1 = tf.tensor2d([[0, 0]]); // p = (1/2, 1/2), KL to the student = 0
    const kl0 = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
    assertClose(v(L.multiTeacherKdLoss(st, [t0, t1], { temperature: 2, weighting: [1, 0] })), 4 * kl0);
    assertClose(v(L.multiTeacherKdLoss(st, [t0, t1], { temperature: 2 })), (4 * kl0) / 2);
    // K = 2: w_0 = 1 − H_0/(H_0 + H_1) = H_1/(H_0 + H_1)
    const H0 = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    const H1 = Math.log(2);
    assertClose(
      v(L.multiTeacherKdLoss(st, [t0, t1], { temperature: 2, weighting: 'entropy' })),
      (4 * kl0 * H1) / (H0 + H1),
    );
    // confidence, label 0: CE on the RAW logits (T = 1): t0 → softmax(2·ln3, 0) = (9/10, 1/10), t1 → (1/2, 1/2)
    const ce0 = -Math.log(0.9);
    const ce1 = Math.log(2);
    const w0 = 1 - Math.exp(ce0) / (Math.exp(ce0) + Math.exp(ce1));
    const conf = tf.tidy(() =>
      v(
        L.multiTeacherKdLoss(st, [t0, t1], {
          temperature: 2,
          weighting: 'confidence',
          labels: tf.tensor1d([0], 'int32'),
        }),
      ),
    );
    assertClose(conf, 4 * kl0 * w0);
    tf.dispose([st, t0, t1]);
  });
  await tb.test('irgLoss: (0),(1) vs (0),(2): edges equal after max-normalisation, vertex MSE 0.5', () => {
    assertClose(
      tf.tidy(() => v(L.irgLoss(tf.tensor2d([[0], [1]]), tf.tensor2d([[0], [2]])))),
      0.1 * 0.5,
    );
  });
});

test('logits up to ±1e4 give finite values and gradients that match the reference', async (top) => {
  for (const name of await testBackends()) {
    await top.test(name, async () => {
      await backend.init(name);
      const r = rng(99);
      const sf = randomFlat(r, 12, 1e4 / 3).map((x) => Math.max(-1e4, Math.min(1e4, x)));
      const tfl = randomFlat(r, 12, 1e4 / 3).map((x) => Math.max(-1e4, Math.min(1e4, x)));
      const t2 = tfl.map((x) => -x);
      const lab = [0, 3, 1];
      const sN = nest(sf, [3, 4]);
      const tN = nest(tfl, [3, 4]);
      const t2N = nest(t2, [3, 4]);
      const checks: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, number][] = [
        ['kdLoss T=1', (a, b) => L.kdLoss(a, b, { temperature: 1 }), R.kdLoss(sN, tN, 1)],
        ['kdLoss T=4', (a, b) => L.kdLoss(a, b), R.kdLoss(sN, tN, 4)],
        ['crossEntropy', (a) => L.crossEntropy(a, tf.tensor1d(lab, 'int32')), R.crossEntropy(sN, lab)],
        ['hintonLoss', (a, b) => L.hintonLoss(a, b, tf.tensor1d(lab, 'int32')), R.hintonLoss(sN, tN, lab)],
        ...(['mean', 'entropy', 'confidence'] as const).map(
          (w): [string, (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, number] => [
            `multiTeacher ${w}`,
            (a, b) =>
              L.multiTeacherKdLoss(a, [b, tf.neg(b)], {
                temperature: 1,
                weighting: w,
                labels: tf.tensor1d(lab, 'int32'),
              }),
            R.multiTeacherKdLoss(sN, [tN, t2N], 1, w, lab),
          ],
        ),
      ];
      for (const [name, fn, expected] of checks) {
        const a = tf.tensor2d(sf, [3, 4]);
        const b = tf.tensor2d(tfl, [3, 4]);
        const value = tf.tidy(() => fn(a, b).dataSync()[0]);
        assert.ok(Number.isFinite(expected), `${name}: reference finite`);
        assertClose(value, expected, { rtol: 1e-4, atol: 1e-2 }, `${name} at ±1e4`);
        const g = tf.tidy(() =>
          Array.from(
            tf
              .grad((x: tf.Tensor) => fn(x, b))(a)
              .dataSync(),
          ),
        );
        assert.ok(g.every(Number.isFinite), `${name}: gradient not finite: ${g}`);
        tf.dispose([a, b]);
      }
    });
  }
});

test('RKD and metric losses: finite gradients at zero distances (duplicate samples, identical inputs)', async (top) => {
  for (const name of await testBackends()) await top.test(name, async () => zeroDistanceChecks(name));
});

async function zeroDistanceChecks(name: string): Promise<void> {
  await backend.init(name as backend.BackendName);
  const x = tf.tensor2d([
    [1, 2],
    [1, 2],
    [0, 1],
  ]); // rows 0 and 1 coincide
  const same = tf.tensor2d([
    [1, 2],
    [1, 2],
    [1, 2],
  ]); // all distances zero
  const zeros = tf.zeros([3, 2]); // all-zero features (dead ReLUs): zero attention maps, zero norms
  for (const [loss, fn] of Object.entries({
    rkdDistanceLoss: L.rkdDistanceLoss,
    rkdAngleLoss: L.rkdAngleLoss,
    rkdLoss: L.rkdLoss,
    absoluteTeacherLoss: L.absoluteTeacherLoss,
    relativeTeacherLoss: L.relativeTeacherLoss,
    irgLoss: L.irgLoss,
    attentionTransferLoss: (a: tf.Tensor, b: tf.Tensor) =>
      L.attentionTransferLoss(a.reshape([3, 1, 1, 2]), b.reshape([3, 1, 1, 2])),
  })) {
    for (const [sx, tx] of [
      [x, x],
      [same, x],
      [x, same],
      [same, same],
      [zeros, x],
      [x, zeros],
      [zeros, zeros],
    ]) {
      const [value, grad] = tf.tidy(() => [
        fn(sx, tx).dataSync()[0],
        Array.from(
          tf
            .grad((a: tf.Tensor) => fn(a, tx))(sx)
            .dataSync(),
        ),
      ]);
      assert.ok(Number.isFinite(value), `${loss}: value ${value}`);
      assert.ok(grad.every(Number.isFinite), `${loss}: gradient ${grad}`);
    }
    // identical student and teacher: zero loss
    assertClose(
      tf.tidy(() => fn(x, x).dataSync()[0]),
      0,
      { atol: 1e-6 },
      `${loss}(x, x) on ${name}`,
    );
  }
  tf.dispose([x, same, zeros]);
}

test('−Infinity teacher logits are probability 0 and contribute 0: values and gradients match the reference', async (top) => {
  for (const name of await testBackends()) {
    await top.test(name, async () => {
      await backend.init(name);
      const r = rng(17);
      const sf = randomFlat(r, 12, 2);
      const NEG = -Infinity;
      // every row keeps a finite logit; row 1 of t2 gives its true class (label 3) probability 0
      const tN = [
        [1, NEG, 0.5, 2],
        [NEG, NEG, 0.3, -1],
        [0.2, 1, 2, NEG],
      ];
      const t2N = [
        [0, 1, NEG, -1],
        [2, 1, 0, NEG],
        [NEG, 0.5, -0.5, 1],
      ];
      const lab = [0, 3, 1];
      const sN = nest(sf, [3, 4]);
      const checks: [string, (a: tf.Tensor, b: tf.Tensor, b2: tf.Tensor) => tf.Scalar, (s: number[][]) => number][] = [
        ['kdLoss T=1', (a, b) => L.kdLoss(a, b, { temperature: 1 }), (s) => R.kdLoss(s, tN, 1)],
        ['kdLoss T=4', (a, b) => L.kdLoss(a, b), (s) => R.kdLoss(s, tN, 4)],
        [
          'hintonLoss',
          (a, b) => L.hintonLoss(a, b, tf.tensor1d(lab, 'int32'), { alpha: 0.6 }),
          (s) => R.hintonLoss(s, tN, lab, 4, 0.6),
        ],
        ...(['mean', 'entropy', 'confidence'] as const).map(
          (w): [string, (a: tf.Tensor, b: tf.Tensor, b2: tf.Tensor) => tf.Scalar, (s: number[][]) => number] => [
            `multiTeacher ${w}`,
            (a, b, b2) =>
              L.multiTeacherKdLoss(a, [b, b2], { temperature: 2, weighting: w, labels: tf.tensor1d(lab, 'int32') }),
            (s) => R.multiTeacherKdLoss(s, [tN, t2N], 2, w, lab),
          ],
        ),
      ];
      for (const [what, fn, ref] of checks) {
        const a = tf.tensor2d(sf, [3, 4]);
        const b = tf.tensor2d(tN);
        const b2 = tf.tensor2d(t2N);
        const expected = ref(sN);
        assert.ok(Number.isFinite(expected), `${what}: reference finite`);
        assertClose(
          tf.tidy(() => fn(a, b, b2).dataSync()[0]),
          expected,
          { rtol: 1e-4, atol: 1e-5 },
          `${what} value`,
        );
        const g = tf.tidy(() =>
          Array.from(
            tf
              .grad((x: tf.Tensor) => fn(x, b, b2))(a)
              .dataSync(),
          ),
        );
        assertAllClose(
          g,
          numericGradient((x) => ref(nest(x, [3, 4])), sf),
          { rtol: 2e-3, atol: 1e-5 },
          `${what} gradient`,
        );
        tf.dispose([a, b, b2]);
      }
      const p = tf.tidy(() => Array.from(L.softmaxWithTemperature(tf.tensor2d(tN), 2).dataSync()));
      assertAllClose(
        p,
        tN.flatMap((row) => R.softmaxT(row, 2)),
        { atol: 1e-6 },
        'softmaxWithTemperature',
      );
      assert.equal(p[1], 0, 'a −Infinity logit has probability exactly 0');
    });
  }
});
