/**
 * Deep mutual learning (kd.distill.MutualLearning): one step of two linear students against a float64
 * reference of Zhang et al.'s update (the second student sees the first one's UPDATED predictions), the
 * History's keys, no tensor leaks, and bad configurations (cpu backend).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

const tf = kd.tf;

test('cpu backend', async () => {
  await tf.setBackend('cpu');
});

type Mat = number[][];
const softmax = (z: number[], T: number) => {
  const m = Math.max(...z.map((v) => v / T));
  const e = z.map((v) => Math.exp(v / T - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const logits = (x: Mat, W: Mat, b: number[]) =>
  x.map((r) => b.map((bj, j) => bj + r.reduce((a, v, i) => a + v * W[i][j], 0)));

/** Float64: one SGD step of student 1 on CE + w·T²·KL(q_peer ‖ q_self), returns the new weights and the losses. */
function step(x: Mat, y: number[], W: Mat, b: number[], peerZ: Mat, T: number, w: number, lr: number) {
  const N = x.length;
  const z = logits(x, W, b);
  const gW = W.map((r) => r.map(() => 0));
  const gb = b.map(() => 0);
  let ce = 0;
  let kl = 0;
  z.forEach((zn, n) => {
    const p = softmax(zn, 1);
    const q = softmax(zn, T);
    const qp = softmax(peerZ[n], T);
    ce -= Math.log(p[y[n]]) / N;
    kl += (T * T * qp.reduce((a, v, j) => a + v * Math.log(v / q[j]), 0)) / N;
    // d/dz of CE is p − onehot; of T²·KL(qp ‖ q) is T·(q − qp).
    const dz = p.map((pj, j) => (pj - (j === y[n] ? 1 : 0) + w * T * (q[j] - qp[j])) / N);
    dz.forEach((d, j) => {
      gb[j] += d;
      x[n].forEach((xi, i) => (gW[i][j] += xi * d));
    });
  });
  return {
    W: W.map((r, i) => r.map((v, j) => v - lr * gW[i][j])),
    b: b.map((v, j) => v - lr * gb[j]),
    ce,
    kl,
  };
}

function linear(seed: number) {
  return kd.models.mlp({ inputShape: [3], hidden: [], classes: 4, seed });
}

test('one step equals the float64 reference of deep mutual learning (T = 2, w = 0.5, SGD)', () => {
  const [a, b] = [linear(1), linear(2)];
  // Non-zero biases, so a mistake in the bias gradient shows.
  tf.tidy(() => {
    a.getLayer('logits').setWeights([a.getLayer('logits').getWeights()[0], tf.tensor1d([0.1, -0.2, 0.3, 0])]);
    b.getLayer('logits').setWeights([b.getLayer('logits').getWeights()[0], tf.tensor1d([-0.3, 0.2, 0, 0.1])]);
  });
  const W1 = a.getWeights()[0].arraySync() as Mat;
  const b1 = a.getWeights()[1].arraySync() as number[];
  const W2 = b.getWeights()[0].arraySync() as Mat;
  const b2 = b.getWeights()[1].arraySync() as number[];
  const x: Mat = [
    [1, -0.5, 2],
    [0.3, 0.8, -1.2],
    [-1.5, 0.2, 0.4],
    [0.7, 0.7, 0.7],
  ];
  const y = [0, 3, 1, 2];
  const [T, w, lr] = [2, 0.5, 0.7];
  const n0 = tf.memory().numTensors;
  const dml = new kd.distill.MutualLearning({
    students: [a, b],
    temperature: T,
    weight: w,
    optimizer: { name: 'sgd', learningRate: lr },
  });
  const batch = { x: tf.tensor2d(x), y: tf.tensor1d(y, 'int32') };
  const losses = dml.trainOnBatch(batch);
  tf.dispose([batch.x, batch.y]);
  dml.dispose();
  assert.equal(tf.memory().numTensors, n0, 'no tensor leak');

  const first = step(x, y, W1, b1, logits(x, W2, b2), T, w, lr);
  const second = step(x, y, W2, b2, logits(x, first.W, first.b), T, w, lr); // sees the UPDATED first student
  const close = (got: number, want: number, what: string) =>
    assert.ok(Math.abs(got - want) < 1e-5, `${what}: ${got} vs ${want}`);
  const flat = (m: kd.tf.LayersModel) => m.getWeights().flatMap((t) => Array.from(t.dataSync()));
  flat(a).forEach((v, i) => close(v, [...first.W.flat(), ...first.b][i], `student 1 weight ${i}`));
  flat(b).forEach((v, i) => close(v, [...second.W.flat(), ...second.b][i], `student 2 weight ${i}`));
  close(losses.task, first.ce, 'task');
  close(losses.mutual, first.kl, 'mutual');
  close(losses.total, first.ce + w * first.kl, 'total');
  close(losses.peer_task, second.ce, 'peer_task');
  close(losses.peer_mutual, second.kl, 'peer_mutual');
  // A step of the first student alone would leave the second unchanged: the reference differs from it.
  assert.ok(Math.abs(second.W[0][0] - W2[0][0]) > 1e-3, 'the reference moves the second student');
  a.dispose();
  b.dispose();
});

test('fit: one loop, History with both students’ losses, validation of the first student', async () => {
  const { train, test: val } = kd.data.mnist({ train: 64, test: 32, seed: 1 });
  const [a, b] = [kd.models.mlp({ hidden: [8], seed: 1 }), kd.models.mlp({ hidden: [8], seed: 2 })];
  const before = b.getWeights()[0].dataSync().slice();
  const dml = new kd.distill.MutualLearning({ students: [a, b], seed: 3 });
  const h = await dml.fit(train, { epochs: 2, batchSize: 32, validation: val });
  assert.deepEqual(dml.lossNames, ['task', 'mutual', 'total', 'peer_task', 'peer_mutual', 'peer_total']);
  assert.deepEqual(Object.keys(h.epochs[1].losses), dml.lossNames);
  assert.equal(h.batches.peer_total.length, 4);
  assert.ok(h.batches.peer_total.every(Number.isFinite));
  assert.equal(h.epochs[1].validation!.accuracy, kd.distill.evaluate(a, val).accuracy);
  assert.ok(
    b
      .getWeights()[0]
      .dataSync()
      .some((v, i) => v !== before[i]),
    'the peer trains too',
  );
  dml.dispose();
  a.dispose();
  b.dispose();
});

test('bad configurations are clear errors', () => {
  const [a, b] = [linear(1), linear(2)];
  const M = kd.distill.MutualLearning;
  assert.throws(
    () => new M({ students: [a] as never }),
    /students must be an array of two tf.LayersModels, got 1 items/,
  );
  assert.throws(() => new M({ students: [a, a] }), /must be different models/);
  const wide = kd.models.mlp({ inputShape: [3], hidden: [], classes: 5 });
  assert.throws(() => new M({ students: [a, wide] }), /same classes, got 4 and 5 outputs/);
  const opt = tf.train.sgd(0.1);
  assert.throws(() => new M({ students: [a, b], optimizer: opt as never }), /not an optimizer instance/);
  assert.throws(() => new M({ students: [a, b], temperature: -1 }), /temperature/);
  opt.dispose();
  for (const m of [a, b, wide]) m.dispose();
});
