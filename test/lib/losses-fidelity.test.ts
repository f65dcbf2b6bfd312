/**
 * Issue 19, loss fidelity to the papers, on every test backend: RKD's μ with repeated samples, IRG's
 * transformation term and edge-only IRG across widths, and the multi-teacher weights made visible.
 * Expected values are worked out by hand (in the comments) or come from the float64 reference
 * (test/support/reference.ts); gradients of the new terms are checked in losses.test.ts's reference table.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as L from '../../lib/losses';
import * as R from '../support/reference';
import * as backend from '../../lib/backend';
import { testBackends } from '../support/backends';
import { assertAllClose, assertClose, nest, randomFlat, rng } from '../support/gradcheck';

/** The number of a scalar loss, disposing it. */
const v = (x: tf.Scalar): number => {
  const n = x.dataSync()[0];
  x.dispose();
  return n;
};

/** Runs `f` and asserts that it leaves no tensor behind. */
function noLeak(what: string, f: () => void): void {
  const before = tf.memory().numTensors;
  f();
  assert.equal(tf.memory().numTensors, before, `${what}: ${tf.memory().numTensors - before} tensors leaked`);
}

test('issue 19 on every backend', async (top) => {
  for (const name of await testBackends()) {
    await top.test(name, async (tb) => {
      await backend.init(name);
      assert.equal(tf.getBackend(), name);

      await tb.test('rkdDistanceLoss with a repeated sample: μ counts the zero-distance pair', () =>
        noLeak('rkd', () => {
          // student (0),(0),(1): distances d01 = 0, d02 = d12 = 1; μ = 2·(0 + 1 + 1)/(3·2) = 2/3 → ψ02 = ψ12 = 1.5.
          // teacher (0),(1),(2): distances 1, 2, 1; μ = 2·4/6 = 4/3 → ψ01 = .75, ψ02 = 1.5, ψ12 = .75.
          // differences: ψ01 −.75, ψ02 0, ψ12 +.75 → huber(.75) = .28125 at 4 ordered entries = 1.125, over N² = 9.
          // (Leaving the zero pair out of μ, as before, gives μ_s = 1 and 0.875/9 instead.)
          const s = tf.tensor2d([[0], [0], [1]]);
          const t = tf.tensor2d([[0], [1], [2]]);
          assertClose(v(L.rkdDistanceLoss(s, t)), 0.125, { rtol: 1e-5 }, 'hand value');
          assertClose(v(L.rkdDistanceLoss(s, t)), R.rkdDistanceLoss([[0], [0], [1]], [[0], [1], [2]]), { rtol: 1e-5 });
          // the potentials chapter 3 draws use the same μ
          const { distances, angles } = L.rkdPotentials(s);
          assertAllClose(distances.dataSync(), [0, 0, 1.5, 0, 0, 1.5, 1.5, 1.5, 0], { atol: 1e-6 }, 'rkdPotentials ψ');
          tf.dispose([s, t, distances, angles]);
        }),
      );

      await tb.test('rkdDistanceLoss: 2 repeated samples in a batch of 10 match the float64 reference', () =>
        noLeak('rkd repeats', () => {
          // The size of batch issue 19 measured (the old μ was 3.9–4.7 % off there).
          const r = rng(5);
          const sf = randomFlat(r, 30);
          const tf2 = randomFlat(r, 40);
          for (const [copy, of] of [
            [8, 2],
            [9, 5],
          ]) {
            for (let k = 0; k < 3; k++) sf[copy * 3 + k] = sf[of * 3 + k];
            for (let k = 0; k < 4; k++) tf2[copy * 4 + k] = tf2[of * 4 + k];
          }
          const expected = R.rkdDistanceLoss(nest(sf, [10, 3]), nest(tf2, [10, 4]));
          const a = tf.tensor2d(sf, [10, 3]);
          const b = tf.tensor2d(tf2, [10, 4]);
          assertClose(v(L.rkdDistanceLoss(a, b)), expected, { rtol: 2e-5 }, 'repeated rows vs reference');
          tf.dispose([a, b]);
        }),
      );

      await tb.test('IRG transformation by hand', () =>
        noLeak('irg transformation', () => {
          // student layers a = (0),(1), b = (0),(3): Θ_s = (0, 4) / 4 = (0, 1)
          // teacher layers a = (0),(2), b = (1),(2): Θ_t = (1, 0) / 1 = (1, 0);  MSE = (1 + 1)/2 = 1
          const sa = tf.tensor2d([[0], [1]]);
          const sb = tf.tensor2d([[0], [3]]);
          const ta = tf.tensor2d([[0], [2]]);
          const tb2 = tf.tensor2d([[1], [2]]);
          const only = {
            vertexWeight: 0,
            edgeWeight: 0,
            transformWeight: 1,
            transformPairs: [[0, 1]] as [number, number][],
          };
          assertClose(v(L.irgLoss([sa, sb], [ta, tb2], only)), 1, { rtol: 1e-6 }, 'Θ term');
          assertClose(v(L.irgLoss([sa, sb], [ta, tb2], { ...only, transformWeight: 2.5 })), 2.5, { rtol: 1e-6 });
          // the pair's direction does not matter (‖a − b‖ = ‖b − a‖); without pairs the term is absent
          assertClose(v(L.irgLoss([sa, sb], [ta, tb2], { ...only, transformPairs: [[1, 0]] })), 1, { rtol: 1e-6 });
          assertClose(v(L.irgLoss([sa, sb], [ta, tb2], { ...only, transformPairs: [] })), 0, { atol: 1e-7 });
          // no gradient reaches the teacher through Θ; the student's gradient is finite
          const [gs, gt] = tf.grads((x: tf.Tensor, y: tf.Tensor) => L.irgLoss([x, sb], [y, tb2], only))([sa, ta]);
          assert.ok(
            gt.dataSync().every((g) => g === 0),
            'teacher gradient exactly 0',
          );
          assert.ok(gs.dataSync().every(Number.isFinite), 'student gradient finite');
          tf.dispose([sa, sb, ta, tb2, gs, gt]);
        }),
      );

      await tb.test('edge-only IRG across widths is allowed; the vertex term across widths is a specific error', () =>
        noLeak('irg widths', () => {
          const r = rng(8);
          const h = [randomFlat(r, 20), randomFlat(r, 15), randomFlat(r, 30), randomFlat(r, 35)];
          const sH = tf.tensor2d(h[0], [5, 4]);
          const sZ = tf.tensor2d(h[1], [5, 3]);
          const tH = tf.tensor2d(h[2], [5, 6]);
          const tZ = tf.tensor2d(h[3], [5, 7]);
          const ref = R.irgLoss(
            [nest(h[0], [5, 4]), nest(h[1], [5, 3])],
            [nest(h[2], [5, 6]), nest(h[3], [5, 7])],
            0,
            5,
          );
          assertClose(v(L.irgLoss([sH, sZ], [tH, tZ], { vertexWeight: 0 })), ref, { rtol: 1e-5 }, 'edge-only');
          assert.throws(
            () => L.irgLoss([sH, sZ], [tH, tZ]),
            (e: Error) =>
              [
                'irgLoss: teacher[1] must have shape [5,3] like student[1] for the vertex term (vertexWeight 0.1 > 0), got [5,7]',
                'set vertexWeight: 0',
              ].every((p) => e.message.includes(p)),
          );
          // a transformation pair needs equal per-sample sizes within each network, not between them
          assert.throws(
            () => L.irgLoss([sH, sZ], [tH, tZ], { vertexWeight: 0, transformPairs: [[0, 1]] }),
            /irgLoss: transformPairs\[0\] = \[0, 1\] compares student\[0\] with student\[1\], which must have the same per-sample size: got 4 \(\[5,4\]\) and 3 \(\[5,3\]\)/,
          );
          // ... but only while the term is on
          assertClose(
            v(L.irgLoss([sH, sZ], [tH, tZ], { vertexWeight: 0, transformWeight: 0, transformPairs: [[0, 1]] })),
            ref,
            { rtol: 1e-5 },
          );
          assert.throws(
            () => L.irgLoss([sH, sZ], [tH, tZ], { vertexWeight: 0, transformPairs: [[0, 2]] }),
            /irgLoss: transformPairs\[0\] must index the 2 given layer pair\(s\) \(0 to 1\), got \[0, 2\]/,
          );
          assert.throws(
            () => L.irgLoss([sH, sZ], [tH, tZ], { transformPairs: [[1, 1]] }),
            /irgLoss: transformPairs must be an array of \[a, b\] pairs of two different layer indices/,
          );
          tf.dispose([sH, sZ, tH, tZ]);
        }),
      );

      await tb.test('multiTeacherWeights: the hand-worked CA-MKD and entropy examples', () =>
        noLeak('weights', () => {
          const t0 = tf.tensor2d([[2 * Math.log(3), 0]]); // p = (3/4, 1/4) at T = 2; (9/10, 1/10) at T = 1
          const t1 = tf.tensor2d([[0, 0]]); // p = (1/2, 1/2) at any T
          const w = (o: L.MultiTeacherWeightOptions): number[] => {
            const x = L.multiTeacherWeights([t0, t1], o);
            assert.deepEqual(x.shape, [2, 1], 'weights are [K, N]');
            const out = Array.from(x.dataSync());
            x.dispose();
            return out;
          };
          assertAllClose(w({}), [0.5, 0.5], { atol: 1e-7 }, 'mean');
          assertAllClose(w({ weighting: [1, 0] }), [1, 0], { atol: 1e-7 }, 'fixed [1, 0]');
          assertAllClose(w({ weighting: [1, 3] }), [0.25, 0.75], { atol: 1e-7 }, 'fixed, normalised');
          // entropy at T = 2, K = 2: w_0 = 1 − H_0/(H_0 + H_1) = H_1/(H_0 + H_1)
          const H0 = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
          const H1 = Math.log(2);
          assertAllClose(
            w({ temperature: 2, weighting: 'entropy' }),
            [H1 / (H0 + H1), H0 / (H0 + H1)],
            { atol: 1e-6 },
            'entropy at T = 2',
          );
          // at T = 1 the first teacher is (9/10, 1/10): a different, lower entropy (the convention matters)
          const H0at1 = -(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1));
          assertAllClose(
            w({ temperature: 1, weighting: 'entropy' }),
            [H1 / (H0at1 + H1), H0at1 / (H0at1 + H1)],
            { atol: 1e-6 },
            'entropy at T = 1',
          );
          // CA-MKD, label 0: CE of the RAW logits (T = 1, whatever the KD temperature): −ln .9 and ln 2
          const ce0 = -Math.log(0.9);
          const ce1 = Math.log(2);
          const w0 = 1 - Math.exp(ce0) / (Math.exp(ce0) + Math.exp(ce1));
          const y = tf.tensor1d([0], 'int32');
          assertAllClose(
            w({ temperature: 2, weighting: 'confidence', labels: y }),
            [w0, 1 - w0],
            { atol: 1e-6 },
            'CA-MKD',
          );
          assertAllClose(
            w({ temperature: 7, weighting: 'confidence', labels: y }),
            [w0, 1 - w0],
            { atol: 1e-6 },
            'CA-MKD, T = 7',
          );
          assert.throws(
            () => L.multiTeacherWeights([t0, t1], { weighting: 'confidence' }),
            /multiTeacherWeights: labels are required for weighting 'confidence'/,
          );
          const wide = tf.zeros([1, 3]);
          assert.throws(
            () => L.multiTeacherWeights([t0, wide]),
            /multiTeacherWeights: teacherLogitsList\[1\] must have shape \[1,2\] like teacherLogitsList\[0\], got \[1,3\]/,
          );
          wide.dispose();
          assert.throws(
            () => L.multiTeacherWeights([]),
            /multiTeacherWeights: teacherLogitsList must be a non-empty array/,
          );
          tf.dispose([t0, t1, y]);
        }),
      );

      await tb.test(
        'multiTeacherWeights match the reference, and the loss is the weighted KD of exactly those weights',
        () =>
          noLeak('weights vs loss', () => {
            const r = rng(23);
            const N = 6;
            const C = 5;
            const flats = [
              randomFlat(r, N * C, 2),
              randomFlat(r, N * C, 3),
              randomFlat(r, N * C, 1),
              randomFlat(r, N * C, 2),
            ];
            const [sN, ...tN] = flats.map((f) => nest(f, [N, C]) as number[][]);
            const lab = [0, 4, 2, 2, 1, 3];
            const [S, ...Ts] = flats.map((f) => tf.tensor2d(f, [N, C]));
            const Y = tf.tensor1d(lab, 'int32');
            for (const weighting of ['mean', 'entropy', 'confidence', [2, 1, 1]] as L.TeacherWeighting[]) {
              const o = { temperature: 3, weighting, labels: Y };
              const w = L.multiTeacherWeights(Ts, o);
              const expected = R.multiTeacherWeights(tN, 3, weighting, lab);
              assertAllClose(w.dataSync(), expected.flat(), { atol: 1e-6 }, `${JSON.stringify(weighting)} weights`);
              // the loss: T² · mean_b Σ_k w_kb · KL_kb, with KL_kb = kdLoss of one row / T²
              const klRows = tN.map((tk) => Array.from({ length: N }, (_, b) => R.kdLoss([sN[b]], [tk[b]], 3) / 9));
              const wv = w.arraySync();
              let byHand = 0;
              for (let b = 0; b < N; b++) for (let k = 0; k < Ts.length; k++) byHand += wv[k][b] * klRows[k][b];
              assertClose(
                v(L.multiTeacherKdLoss(S, Ts, o)),
                (9 * byHand) / N,
                { rtol: 2e-5 },
                `${JSON.stringify(weighting)} loss`,
              );
              // weights depend on teachers only: no gradient flows through them
              const g = tf.grad((t: tf.Tensor) => tf.sum(L.multiTeacherWeights([t, Ts[1], Ts[2]], o)))(Ts[0]);
              assert.ok(
                g.dataSync().every((x) => x === 0),
                'weights carry no gradient',
              );
              tf.dispose([w, g]);
            }
            tf.dispose([S, ...Ts, Y]);
          }),
      );
    });
  }
});
