import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { rng } from '../support/gradcheck';

// three clusters: class 0 near the origin, class 1 near (5, 5), class 2 a single point at (0, 5)
const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [5, 5],
  [5, 6],
  [6, 5],
  [0, 5],
];
const y = [0, 0, 0, 1, 1, 1, 2];

test('knn on a hand-made 2-D set: nearest point, then a 3-way vote', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const one = kd.analysis.knn({ k: 1 }).fit(x, y);
  assert.deepEqual(
    Array.from(
      one.predict([
        [0.2, 0.2],
        [5.2, 5.1],
        [0, 4],
      ]),
    ),
    [0, 1, 2],
  );
  // (0, 4): nearest are (0, 5) [class 2, d² 1], (0, 1) [class 0, d² 9], (0, 0) [class 0, d² 16] → class 0 wins 2 to 1
  const [xt, yt] = [tf.tensor2d(x), tf.tensor1d(y, 'int32')];
  const three = kd.analysis.knn({ k: 3 }).fit(xt, yt);
  tf.dispose([xt, yt]); // fit keeps its own copy
  assert.deepEqual(
    Array.from(
      three.predict([
        [0.2, 0.2],
        [5.2, 5.1],
        [0, 4],
      ]),
    ),
    [0, 1, 0],
  );
  // the batch size changes the memory used, not the answers
  const queries = [
    [0, 4],
    [3, 3],
    [2, 2],
    [4, 4],
    [0, 3],
  ];
  const batched = kd.analysis.knn({ k: 3, batch: 2 }).fit(x, new Int32Array(y));
  assert.deepEqual(batched.predict(queries), three.predict(queries));
  one.dispose();
  batched.dispose();
  three.dispose();
  assert.equal(tf.memory().numTensors, before, 'dispose releases what fit kept');
});

test('knn breaks ties deterministically: lower training index, then the nearest voter', async () => {
  await tf.setBackend('cpu');
  // equidistant training points: the earlier one is nearer
  assert.deepEqual(
    Array.from(
      kd.analysis
        .knn()
        .fit(
          [
            [1, 0],
            [-1, 0],
          ],
          [0, 1],
        )
        .predict([[0, 0]]),
    ),
    [0],
  );
  assert.deepEqual(
    Array.from(
      kd.analysis
        .knn()
        .fit(
          [
            [-1, 0],
            [1, 0],
          ],
          [1, 0],
        )
        .predict([[0, 0]]),
    ),
    [1],
  );
  // k = 2, one vote each: the label of the nearer voter wins, whatever its value
  assert.deepEqual(
    Array.from(
      kd.analysis
        .knn({ k: 2 })
        .fit(
          [
            [1, 0],
            [0, 2],
          ],
          [0, 1],
        )
        .predict([[0, 0]]),
    ),
    [0],
  );
  assert.deepEqual(
    Array.from(
      kd.analysis
        .knn({ k: 2 })
        .fit(
          [
            [1, 0],
            [0, 2],
          ],
          [1, 0],
        )
        .predict([[0, 0]]),
    ),
    [1],
  );
  // k = 4, two votes each: class 3's nearest voter (d 1) beats class 7's (d 2)
  const tie = kd.analysis.knn({ k: 4 }).fit(
    [
      [0, 2],
      [1, 0],
      [0, -3],
      [-4, 0],
      [9, 9],
    ],
    [7, 3, 7, 3, 7],
  );
  assert.deepEqual(Array.from(tie.predict([[0, 0]])), [3]);
});

test('knn agrees with a brute-force float64 reference on random clusters', async () => {
  await tf.setBackend('cpu');
  const r = rng(11);
  const centres = [
    [0, 0, 0],
    [2, 0, 1],
    [0, 2, -1],
  ];
  const sample = (n: number) =>
    Array.from({ length: n }, (_, i) => {
      const c = i % 3;
      return { label: c, point: centres[c].map((m) => m + r.normal()) };
    });
  const train = sample(150);
  const queries = sample(60).map((s) => s.point);
  const k = 5;
  const reference = queries.map((q) => {
    const order = train
      .map((t, i) => ({ i, d: t.point.reduce((s, v, j) => s + (v - q[j]) ** 2, 0), label: t.label }))
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .slice(0, k);
    const count = (l: number) => order.filter((o) => o.label === l).length;
    const top = Math.max(...[0, 1, 2].map(count));
    return order.find((o) => count(o.label) === top)!.label;
  });
  const clf = kd.analysis.knn({ k }).fit(
    train.map((t) => t.point),
    train.map((t) => t.label),
  );
  assert.deepEqual(Array.from(clf.predict(queries)), reference);
  clf.dispose();
});

test('knn rejects bad input with what it expected', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  assert.throws(() => kd.analysis.knn({ k: 0 }), /knn: k must be a positive integer, got 0/);
  assert.throws(() => kd.analysis.knn({ batch: 1.5 }), /batch must be a positive integer, got 1.5/);
  assert.throws(() => kd.analysis.knn().predict(x), /call fit\(x, y\) first/);
  assert.throws(() => kd.analysis.knn().fit(x, [0, 1]), /y must have one label per row of x \(7\), got 2/);
  assert.throws(
    () => kd.analysis.knn({ k: 8 }).fit(x, y),
    /k \(8\) must be at most the number of training rows, got 7 rows/,
  );
  assert.throws(() => kd.analysis.knn().fit(x, [0, 0, 0, 1, 1, 1, 0.5]), /y\[6\] must be an integer label, got 0.5/);
  const clf = kd.analysis.knn().fit(x, y);
  assert.throws(() => clf.predict([[1, 2, 3]]), /x must have 2 columns \(as the training rows\), got shape \[1,3\]/);
  clf.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensors left by the failed calls');
});
