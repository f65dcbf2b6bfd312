/**
 * The metric-learning pieces of chapters 5–6: Recall@K on a query/gallery split (hand-computed 2-D cases, ties
 * included), linear CKA (a float64 HSIC reference written here, invariances, a hand-computed 1-D case) and the
 * disjoint-class split, and distance-weighted sampling (hand-computed weights, draw frequencies, a triplet case
 * with one possible negative).
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { mulberry32 } from '../../lib/common/random';
import { distanceWeightedTriplets, distanceWeights } from '../../lib/losses/sampling';
import { rng } from '../support/gradcheck';

before(async () => {
  await kd.backend.init();
});

/** Runs fn and asserts it leaves no tensor behind. */
function noLeak<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  return out;
}

describe('retrievalRecall', () => {
  test('leave-one-out on hand-placed points: Recall@1/2/3', () => {
    // squared distances: p0–p1 9, p0–p2 1, p0–p3 1, p1–p2 4, p1–p3 10, p2–p3 2
    const E = [
      [0, 0],
      [3, 0],
      [1, 0],
      [0, 1],
    ];
    const y = [0, 0, 1, 1];
    // nearest same-label rank: p0 → p1 after p2, p3 (rank 2); p1 → p0 after p2 (1); p2 → p3 after p0 (1); p3 → p2 after p0 (1)
    assert.deepEqual(
      noLeak(() => kd.distill.retrievalRecall(E, y, { ks: [1, 2, 3] })),
      [0, 3 / 4, 1],
    );
    const t = tf.tensor2d(E);
    assert.deepEqual(
      noLeak(() => kd.distill.retrievalRecall(t, Int32Array.from(y), { ks: [3, 1], gallery: t, galleryLabels: y })),
      [1, 0],
      'the same tensor as gallery is leave-one-out; results follow the order of ks',
    );
    const labels = tf.tensor1d(y, 'int32');
    assert.equal(
      noLeak(() => kd.distill.recallAtK(t, labels, 2)),
      3 / 4,
    );
    tf.dispose([t, labels]);
    // a copy of the queries is a separate gallery: every query finds itself at distance 0
    assert.deepEqual(
      kd.distill.retrievalRecall(E, y, { ks: [1], gallery: E.map((r) => r.slice()), galleryLabels: y }),
      [1],
    );
  });

  test('separate gallery: ties broken by gallery index, identical points not excluded, absent labels miss', () => {
    const query = [
      [0, 0],
      [2, 2],
      [5, 5],
    ];
    const qy = [0, 1, 2]; // label 2 is not in the gallery
    const gallery = [
      [1, 0],
      [0, 1],
      [-1, 0],
      [2, 3],
      [2, 2],
    ];
    const gy = [1, 0, 0, 1, 0];
    // q0: g0, g1, g2 all at 1 → order g0 (label 1), g1 (label 0): hit at rank 1.
    // q1: g4 at 0 (label 0, same point, still counted), g3 at 1 (label 1): hit at rank 1.
    const r = noLeak(() => kd.distill.retrievalRecall(query, qy, { ks: [1, 2, 4, 5], gallery, galleryLabels: gy }));
    assert.deepEqual(r, [0, 2 / 3, 2 / 3, 2 / 3]);
    // the same tie with the label-0 item first in the gallery: q0 hits at rank 0
    const swapped = [gallery[1], gallery[0], gallery[2], gallery[3], gallery[4]];
    assert.deepEqual(
      kd.distill.retrievalRecall(query, qy, { ks: [1, 2], gallery: swapped, galleryLabels: [0, 1, 0, 1, 0] }),
      [1 / 3, 2 / 3],
    );
    // block size is memory only
    assert.deepEqual(
      kd.distill.retrievalRecall(query, qy, { ks: [1, 2, 4, 5], gallery, galleryLabels: gy, blockSize: 1 }),
      r,
    );
  });

  test('default ks are 1, 2, 4, 8 and match a float64 brute force', () => {
    const g = rng(11);
    const n = 30;
    const E = Array.from({ length: n }, () => [g.normal(), g.normal(), g.normal()]);
    const y = Array.from({ length: n }, (_, i) => i % 5);
    const ref = (k: number) => {
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const order = E.map((e, j) => ({ j, d: Math.hypot(e[0] - E[i][0], e[1] - E[i][1], e[2] - E[i][2]) }))
          .filter((o) => o.j !== i)
          .sort((a, b) => a.d - b.d || a.j - b.j);
        if (order.slice(0, k).some((o) => y[o.j] === y[i])) hits++;
      }
      return hits / n;
    };
    assert.deepEqual(kd.distill.retrievalRecall(E, y), [1, 2, 4, 8].map(ref));
  });

  test('bad input: clear errors, no leaks', () => {
    const E = [
      [0, 0],
      [1, 0],
      [0, 1],
    ];
    noLeak(() => {
      assert.throws(
        () => kd.distill.retrievalRecall(E, [0, 0, 1], { ks: [3] }),
        /every k must be an integer in \[1, 2\] \(the other queries\), got 3/,
      );
      assert.throws(
        () => kd.distill.retrievalRecall(E, [0, 0, 1], { ks: [4], gallery: E.slice(), galleryLabels: [0, 0, 1] }),
        /\[1, 3\] \(the gallery size\), got 4/,
      );
      assert.throws(() => kd.distill.retrievalRecall(E, [0, 0, 1], { ks: [] }), /ks must be a non-empty array/);
      assert.throws(() => kd.distill.retrievalRecall(E, [0, 1], { ks: [1] }), /queryLabels must have length 3/);
      assert.throws(
        () => kd.distill.retrievalRecall(E, [0, 0, 1], { gallery: [[0, 0, 0]], galleryLabels: [0] }),
        /gallery must have dim 2 like query, got shape \[1,3\]/,
      );
      assert.throws(
        () => kd.distill.retrievalRecall(E, [0, 0, 1], { ks: [1], gallery: [[0, 0]] }),
        /galleryLabels is required with a gallery/,
      );
      assert.throws(
        () => kd.distill.retrievalRecall(E, [0, 0, 1], { galleryLabels: [0] }),
        /galleryLabels given without gallery/,
      );
    });
  });
});

describe('linear CKA', () => {
  /** Float64 reference: HSIC(K, L) = tr(K H L H) / (n − 1)² with K = XXᵀ, L = YYᵀ uncentred, H = I − 11ᵀ/n. */
  function refCka(X: number[][], Y: number[][]): number {
    const n = X.length;
    const gram = (A: number[][]) => A.map((a) => A.map((b) => a.reduce((s, v, i) => s + v * b[i], 0)));
    const H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - 1 / n));
    const mm = (A: number[][], B: number[][]) =>
      A.map((r) => B[0].map((_, j) => r.reduce((s, v, k) => s + v * B[k][j], 0)));
    const hsic = (K: number[][], L: number[][]) => {
      const M = mm(mm(mm(K, H), L), H);
      return M.reduce((s, r, i) => s + r[i], 0) / (n - 1) ** 2;
    };
    const K = gram(X);
    const L = gram(Y);
    return hsic(K, L) / Math.sqrt(hsic(K, K) * hsic(L, L));
  }
  const g = rng(7);
  const random = (n: number, d: number) => Array.from({ length: n }, () => Array.from({ length: d }, () => g.normal()));

  test('one feature each: CKA is the squared correlation, by hand', () => {
    // x = [1,2,3] → centred [-1,0,1]; y = [1,2,4] → centred [-4/3,-1/3,5/3]; xᵀy = 3, ‖x‖² = 2, ‖y‖² = 14/3 → 9 / (28/3) = 27/28
    const v = noLeak(() => kd.analysis.cka([[1], [2], [3]], [[1], [2], [4]]));
    assert.ok(Math.abs(v - 27 / 28) < 1e-6, `${v}`);
  });

  test('matches the float64 HSIC reference for different widths; conv maps are flattened', () => {
    const X = random(12, 5);
    const Y = X.map((r) => [r[0] + 0.5 * g.normal(), r[1] * r[2], g.normal()]); // partly related, width 3
    const want = refCka(X, Y);
    assert.ok(want > 0.05 && want < 0.95, `a case away from the bounds: ${want}`);
    assert.ok(Math.abs(noLeak(() => kd.analysis.cka(X, Y)) - want) < 1e-5);
    // [12, 5] as a conv map [12, 1, 5, 1], [12, 3] as [12, 3, 1]
    const xt = tf.tensor4d(X.flat(), [12, 1, 5, 1]);
    const yt = tf.tensor3d(Y.flat(), [12, 3, 1]);
    assert.ok(Math.abs(noLeak(() => kd.analysis.cka(xt, yt)) - want) < 1e-5);
    tf.dispose([xt, yt]);
  });

  test('CKA(X, X) = 1; invariant to orthogonal transforms, isotropic scaling and translation, not to anisotropic scaling', () => {
    const X = random(10, 3);
    const Y = X.map((r) => [Math.tanh(r[0]), r[1] + r[2], g.normal()]);
    const base = kd.analysis.cka(X, Y);
    assert.ok(Math.abs(kd.analysis.cka(X, X) - 1) < 1e-6);
    // rotation by 0.7 rad in the (0, 1) plane then a reflection of axis 2: orthogonal
    const c = Math.cos(0.7),
      s = Math.sin(0.7);
    const Q = X.map((r) => [c * r[0] - s * r[1], s * r[0] + c * r[1], -r[2]]);
    assert.ok(Math.abs(kd.analysis.cka(Q, Y) - base) < 1e-5, 'orthogonal');
    assert.ok(
      Math.abs(
        kd.analysis.cka(
          X.map((r) => r.map((v) => 10 * v + 3)),
          Y,
        ) - base,
      ) < 1e-5,
      'scale and shift',
    );
    const anisotropic = kd.analysis.cka(
      X.map((r) => [10 * r[0], r[1], r[2]]),
      Y,
    );
    assert.ok(
      Math.abs(
        anisotropic -
          refCka(
            X.map((r) => [10 * r[0], r[1], r[2]]),
            Y,
          ),
      ) < 1e-5,
    );
    assert.ok(Math.abs(anisotropic - base) > 1e-2, `anisotropic scaling changes CKA: ${anisotropic} vs ${base}`);
  });

  test('ckaMatrix: layer × layer, from lists or records, equal to pairwise cka', () => {
    const A = [random(8, 4), random(8, 2)];
    const B = {
      conv1: tf.tensor4d(random(8, 6).flat(), [8, 3, 2, 1]),
      dense: tf.tensor2d(A[0].map((r) => [r[0], r[1] - r[3]])),
    };
    const m = noLeak(() => kd.analysis.ckaMatrix(A, B));
    assert.equal(m.length, 2);
    assert.equal(m[0].length, 2);
    const bArrays = [tf.tidy(() => B.conv1.reshape([8, 6]).arraySync() as number[][]), B.dense.arraySync()];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) assert.ok(Math.abs(m[i][j] - refCka(A[i], bArrays[j])) < 1e-5, `[${i}][${j}]`);
    const self = kd.analysis.ckaMatrix(A, A);
    assert.ok(
      Math.abs(self[0][0] - 1) < 1e-6 && Math.abs(self[1][1] - 1) < 1e-6 && Math.abs(self[0][1] - self[1][0]) < 1e-6,
    );
    tf.dispose(Object.values(B));
  });

  test('bad input: clear errors, no leaks', () => {
    noLeak(() => {
      assert.throws(
        () => kd.analysis.cka([[1], [2], [3]], [[1], [2]]),
        /b\[0\] must have 3 samples like a\[0\], got 2/,
      );
      assert.throws(() => kd.analysis.cka([[1, 2]], [[1]]), /at least 2 samples, got 1/);
      assert.throws(
        () =>
          kd.analysis.cka(
            [
              [1, 2],
              [3, 4],
            ],
            [
              [5, 5],
              [5, 5],
            ],
          ),
        /b\[0\] is the same for every sample \(zero variance\)/,
      );
      assert.throws(
        () =>
          kd.analysis.cka(
            [
              [1, NaN],
              [3, 4],
            ],
            [[1], [2]],
          ),
        /a\[0\] contains NaN or Infinity/,
      );
      assert.throws(() => kd.analysis.ckaMatrix([], [[[1], [2]]]), /a must hold at least one representation/);
      const v = tf.tensor1d([1, 2, 3]);
      assert.throws(() => kd.analysis.cka(v, [[1], [2], [3]]), /a\[0\] must have rank >= 2/);
      v.dispose();
    });
  });
});

describe('splitByClass', () => {
  const ds: kd.data.Dataset = {
    x: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]),
    y: Int32Array.from([0, 3, 1, 2, 3, 0, 2, 1]),
    n: 8,
    sampleShape: [1],
    classes: 4,
  };
  test('train classes vs the other (unseen) classes, order and labels kept', () => {
    const { train, test: unseen } = kd.data.splitByClass(ds, [0, 1]);
    assert.deepEqual([...train.x], [0, 2, 5, 7]);
    assert.deepEqual([...train.y], [0, 1, 0, 1]);
    assert.deepEqual([...unseen.x], [1, 3, 4, 6]);
    assert.deepEqual([...unseen.y], [3, 2, 3, 2]);
    assert.equal(unseen.classes, 4);
    const some = kd.data.splitByClass(ds, [2], [0]);
    assert.deepEqual([...some.train.x], [3, 6]);
    assert.deepEqual([...some.test.x], [0, 5]);
  });
  test('bad input', () => {
    assert.throws(() => kd.data.splitByClass(ds, [0, 1], [1, 2]), /class 1 is in both trainClasses and testClasses/);
    assert.throws(() => kd.data.splitByClass(ds, [0, 1, 2, 3]), /no class is left for test/);
    assert.throws(() => kd.data.splitByClass(ds, [4]), /trainClasses must be integers in \[0, 4\), got 4/);
    assert.throws(() => kd.data.splitByClass(ds, []), /trainClasses must be a non-empty array/);
    const onlyLow = { ...ds, y: Int32Array.from([0, 1, 0, 1, 0, 1, 0, 1]) };
    assert.throws(() => kd.data.splitByClass(onlyLow, [0, 1]), /the test classes have no samples/);
  });
});

describe('distance-weighted sampling (Wu et al. 2017)', () => {
  const w = { cutoff: 0.5, nonzeroLossCutoff: 1.4 };
  test('weights are 1/q(d) on the sphere, clipped below at the cutoff, 0 from the loss cutoff, by hand', () => {
    // dim 4: 1/q(d) = d^-2 (1 − d²/4)^-1/2. d = 0.2 → clipped to 0.5: 4/√0.9375; d = 1: 1/√0.75; d = 1.5: 0.
    // Scaled by the largest: [1, √(0.9375/0.75)/4 = √1.25/4, 0].
    const got = distanceWeights([0.2, 1, 1.5], 4, w);
    assert.equal(got[0], 1);
    assert.ok(Math.abs(got[1] - Math.sqrt(1.25) / 4) < 1e-12, `${got[1]}`);
    assert.equal(got[2], 0);
    assert.deepEqual(distanceWeights([1.5, 1.9], 4, w), [1, 1], 'every negative beyond the loss cutoff: uniform');
    // dim 2: 1/q(d) = (1 − d²/4)^(1/2), larger for nearer negatives only through the clip
    const two = distanceWeights([0.5, 1], 2, w);
    assert.ok(Math.abs(two[1] - Math.sqrt(0.75 / 0.9375)) < 1e-12);
  });

  test('draw frequencies follow the weights', () => {
    // anchor 0 and positive 1 (label 0); negatives 2 at d = 0.5 and 3 at d = 1 in dim 4
    const d = [0, 0.3, 0.5, 1, 0.3, 0, 0.9, 0.9, 0.5, 0.9, 0, 0.2, 1, 0.9, 0.2, 0];
    const pNear = 4 / Math.sqrt(0.9375) / (4 / Math.sqrt(0.9375) + 1 / Math.sqrt(0.75)); // 0.7816
    const r = mulberry32(3);
    let near = 0;
    const draws = 20000;
    for (let i = 0; i < draws; i++) {
      const t = distanceWeightedTriplets(d, [0, 0, 1, 1], 4, r, w);
      assert.deepEqual(t.anchors, [0, 1, 2, 3]);
      assert.deepEqual(t.positives, [1, 0, 3, 2]);
      if (t.negatives[0] === 2) near++;
    }
    assert.ok(Math.abs(near / draws - pNear) < 0.015, `${near / draws} vs ${pNear}`); // binomial sd 0.003
  });

  test('tripletLoss with one possible negative per anchor, by hand; seeded; sampling on the normalised rows', () => {
    // unit circle: e0 = (1,0), e1 = (0,1) class 0; e2 = (−1,0) class 1 (no positive: not an anchor).
    // D01 = √2, D02 = 2, D12 = √2; triplets (0,1,2): √2 − 2 + m, (1,0,2): √2 − √2 + m.
    const E = tf.tensor2d([
      [1, 0],
      [0, 1],
      [-1, 0],
    ]);
    const y = tf.tensor1d([0, 0, 1], 'int32');
    const loss = (x: tf.Tensor2D, margin: number, seed: number | null = 1) =>
      tf.tidy(() => kd.losses.tripletLoss(x, y, { mining: 'distanceWeighted', margin, seed }).dataSync()[0]);
    noLeak(() => {
      assert.ok(Math.abs(loss(E, 0.2) - 0.1) < 1e-6);
      assert.ok(Math.abs(loss(E, 1) - (Math.SQRT2 - 1 + 1) / 2) < 1e-6);
      assert.ok(Math.abs(loss(E, 1, null) - (Math.SQRT2 - 1 + 1) / 2) < 1e-6, 'Math.random draws');
    });
    // random batch: the same seed gives the same loss; scaling the embeddings keeps the draws (margin 0: loss × 10)
    const g = rng(4);
    const X = tf.tensor2d(Array.from({ length: 12 }, () => [g.normal(), g.normal(), g.normal(), g.normal()]));
    const yy = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32');
    const lossX = (x: tf.Tensor2D, seed: number) =>
      tf.tidy(() => kd.losses.tripletLoss(x, yy, { mining: 'distanceWeighted', margin: 0, seed }).dataSync()[0]);
    const X10 = tf.mul<tf.Tensor2D>(X, 10);
    assert.equal(lossX(X, 5), lossX(X, 5));
    assert.ok(lossX(X, 5) > 0);
    assert.ok(Math.abs(lossX(X10, 5) - 10 * lossX(X, 5)) < 1e-4 * lossX(X10, 5));
    // gradients reach the embeddings, finite
    const grad = tf.grad((x: tf.Tensor) =>
      kd.losses.tripletLoss(x, yy, { mining: 'distanceWeighted', margin: 1, seed: 2 }),
    )(X);
    const gv = grad.dataSync();
    assert.ok(gv.every(Number.isFinite) && gv.some((v) => v !== 0));
    assert.throws(
      () => kd.losses.tripletLoss(X, yy, { mining: 'distanceWeighted', seed: 0.5 }),
      /tripletLoss: seed must be an integer or null, got 0.5/,
    );
    tf.dispose([E, y, X, yy, X10, grad]);
  });

  test('as the Distiller task: the draws are reproducible from the seed', async () => {
    const g = rng(9);
    const n = 64;
    const ds: kd.data.Dataset = {
      x: Float32Array.from({ length: n * 6 }, () => g.normal()),
      y: Int32Array.from({ length: n }, (_, i) => i % 4),
      n,
      sampleShape: [6],
      classes: 4,
    };
    const run = async (seed: number) => {
      const student = kd.models.embeddingNet({ inputShape: [6], hidden: [8], dim: 4, seed: 1 });
      const d = new kd.Distiller({
        student,
        task: 'triplet',
        taskOptions: { mining: 'distanceWeighted', margin: 0.5 },
        seed,
      });
      const h = await d.fit(ds, { epochs: 1, batchSize: 16 });
      d.dispose();
      student.dispose();
      return h.batches.task;
    };
    const a = await run(1);
    assert.equal(a.length, 4);
    assert.ok(
      a.every((v) => Number.isFinite(v) && v > 0),
      `${a}`,
    );
    assert.deepEqual(await run(1), a);
    assert.notDeepEqual(await run(2), a);
  });
});
