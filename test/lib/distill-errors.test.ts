/**
 * The Distiller's error paths, on every test backend (issue 17 §7): whatever fails inside a training step
 * (a term that throws or returns a non-scalar, labels out of range, a non-finite loss after a huge step,
 * a NaN gradient behind a finite loss), no tensor survives the failure, however often it repeats, and
 * the student's and the optimiser's state are bitwise those from before the failing step.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { Distiller } from '../../lib/distill';
import type { DistillerConfig, TermLoss } from '../../lib/distill';
import { testBackends } from '../support/backends';
import { rng } from '../support/gradcheck';

type Dataset = kd.data.Dataset;

/** 64 random 4×4 "images" in 3 classes, labels cycling 0,1,2 (batches of 32 → 2 batches, not shuffled). */
function tinyDataset(): Dataset {
  const r = rng(3);
  const n = 64;
  return {
    x: Float32Array.from({ length: n * 16 }, () => r.normal()),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    n,
    sampleShape: [4, 4, 1],
    classes: 3,
  };
}
const model = (hidden: number, seed: number) =>
  kd.models.mlp({ inputShape: [4, 4, 1], hidden: [hidden], classes: 3, seed });

/** Copies of every value of the student's weights and of the optimiser's state (slots and iteration count). */
async function snapshot(d: Distiller): Promise<Float32Array[]> {
  const out = d.student.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
  for (const w of await d.optimizer.getWeights()) {
    out.push(Float32Array.from(w.tensor.dataSync()));
    if (w.name === 'iter') w.tensor.dispose(); // getWeights makes a fresh tensor for the iteration count
  }
  return out;
}
function assertBitwiseEqual(a: Float32Array[], b: Float32Array[], what: string): void {
  assert.equal(a.length, b.length, `${what}: number of arrays`);
  a.forEach((x, i) => assert.ok(Buffer.from(x.buffer).equals(Buffer.from(b[i].buffer)), `${what}: array ${i} differs`));
}

interface Failure {
  what: string;
  config: (student: tf.LayersModel, teacher: tf.LayersModel) => DistillerConfig;
  /** The batch (0-based, of every fit) at which the step fails; earlier batches succeed. */
  failsAt: number;
  error: RegExp;
}

/** A term that behaves like kd until its call number `from` (0-based, counted over fits), then misbehaves. */
function termFailingFrom(from: number, misbehave: (s: tf.Tensor) => tf.Tensor): TermLoss {
  let calls = 0;
  return (s, t, ctx) =>
    calls++ >= from
      ? (misbehave(s as tf.Tensor) as tf.Scalar)
      : kd.losses.kdLoss(s as tf.Tensor, t as tf.Tensor, ctx.options);
}

const failures: Failure[] = [
  {
    what: 'a term that throws at the first step',
    config: (student, teacher) => ({
      student,
      teacher,
      terms: [
        {
          loss: termFailingFrom(0, () => {
            throw new Error('term bug');
          }),
          name: 'bug',
        },
      ],
    }),
    failsAt: 0,
    error: /term bug/,
  },
  {
    what: 'a term that throws from the second step on',
    config: (student, teacher) => ({
      student,
      teacher,
      terms: [
        {
          loss: termFailingFrom(1, () => {
            throw new Error('term bug');
          }),
          name: 'bug',
        },
      ],
    }),
    failsAt: 1,
    error: /term bug/,
  },
  {
    what: 'a term that returns a vector',
    config: (student, teacher) => ({
      student,
      teacher,
      terms: [{ loss: termFailingFrom(1, (s) => tf.sum(s, 1)), name: 'vec' }],
    }),
    failsAt: 1,
    error: /term 'vec'.*scalar/,
  },
  {
    what: 'a NaN gradient behind a finite loss (the norm of s − s)',
    config: (student, teacher) => ({
      student,
      teacher,
      terms: [{ loss: termFailingFrom(1, (s) => tf.sqrt(tf.sum(tf.square(tf.sub(s, s))))), name: 'norm0' }],
    }),
    failsAt: 1,
    error: /non-finite gradient.*logits.*not applied/,
  },
  {
    what: 'a huge Adam learning rate (the second step sees non-finite logits)',
    config: (student) => ({ student, optimizer: { name: 'adam', learningRate: 1e35 } }),
    failsAt: 1,
    error: /non-finite loss.*not applied/,
  },
  {
    what: 'a huge momentum learning rate',
    config: (student) => ({ student, optimizer: { name: 'momentum', learningRate: 1e35, momentum: 0.9 } }),
    failsAt: 1,
    error: /non-finite/,
  },
];

let backends: kd.backend.BackendName[] = [];
before(async () => {
  backends = await testBackends();
});

describe('a failing training step changes nothing and leaks nothing', () => {
  test('every failure kind, on every backend, three failed fits in a row', async (top) => {
    for (const name of backends) {
      await top.test(name, async (tb) => {
        await kd.backend.init(name);
        const ds = tinyDataset();
        for (const f of failures) {
          await tb.test(f.what, async () => {
            const start = tf.memory().numTensors;
            const teacher = model(8, 1);
            const student = model(6, 2);
            const d = new Distiller({ seed: 1, ...f.config(student, teacher) });
            let lastGood = await snapshot(d);
            let tensorsAfterGood = tf.memory().numTensors;
            let batches = 0;
            const onBatchEnd = async () => {
              batches++;
              tensorsAfterGood = tf.memory().numTensors;
              lastGood = await snapshot(d);
            };
            const tensorsAfterFailure: number[] = [];
            for (let attempt = 0; attempt < 3; attempt++) {
              await assert.rejects(
                d.fit(ds, { epochs: 1, batchSize: 32, shuffle: false, callbacks: { onBatchEnd } }),
                f.error,
              );
              tensorsAfterFailure.push(tf.memory().numTensors);
              assertBitwiseEqual(
                await snapshot(d),
                lastGood,
                `${f.what}, attempt ${attempt}: state after the failure vs before the failing step`,
              );
              for (const w of student.getWeights())
                assert.ok(w.dataSync().every(Number.isFinite), 'student weights are finite');
            }
            assert.equal(batches, f.failsAt, 'batches that succeeded before the first failure');
            assert.deepEqual(
              tensorsAfterFailure,
              [tensorsAfterGood, tensorsAfterGood, tensorsAfterGood],
              'tensors after each failed fit',
            );
            d.dispose();
            teacher.dispose();
            student.dispose();
            assert.equal(tf.memory().numTensors, start, 'tensors after disposing the Distiller and the models');
          });
        }

        await tb.test('a gradient of finite entries whose sum exceeds float32 is applied, not refused', () => {
          const student = kd.models.mlp({ inputShape: [4, 4, 1], hidden: [], classes: 3, seed: 2 });
          // value 0, gradient 1.5e38 for each of the 3 logit biases: finite entries, sum 4.5e38 > float32 max
          const steep: TermLoss = (sv) => {
            const m = tf.sum(tf.mean(sv as tf.Tensor, 0));
            return tf.mul<tf.Scalar>(1.5e38, tf.sub(m, kd.losses.stopGradient(m)));
          };
          const teacher = model(8, 1);
          // (a learning rate of 1e-38 would be a float32 denormal, which native TensorFlow flushes to 0)
          const d = new Distiller({
            student,
            teacher,
            task: null,
            terms: [{ loss: steep, name: 'steep' }],
            optimizer: { name: 'sgd', learningRate: 1e-37 },
          });
          const bias0 = Array.from(student.getLayer('logits').getWeights()[1].dataSync());
          const batch = {
            x: tf.tensor(ds.x.slice(0, 32 * 16), [32, 4, 4, 1]),
            y: tf.tensor1d(ds.y.slice(0, 32), 'int32'),
          };
          assert.deepEqual(d.trainOnBatch(batch), { task: 0, steep: 0, total: 0 });
          const bias1 = Array.from(student.getLayer('logits').getWeights()[1].dataSync());
          bias1.forEach((v, c) =>
            assert.ok(
              Math.abs(v - (bias0[c] - 15)) < 1e-4,
              `bias ${c}: ${bias0[c]} − 1e-37·1.5e38 = ${bias0[c] - 15}, got ${v}`,
            ),
          );
          tf.dispose([batch.x, batch.y]);
          d.dispose();
          student.dispose();
          teacher.dispose();
        });

        await tb.test('trainOnBatch with labels out of range', () => {
          const student = model(6, 2);
          const d = new Distiller({ student, optimizer: { name: 'adam', learningRate: 0.01 } });
          const w0 = student.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
          const before = tf.memory().numTensors;
          for (let i = 0; i < 3; i++) {
            const batch = { x: tf.ones([4, 4, 4, 1]), y: tf.tensor1d([0, 1, 2, 3], 'int32') };
            assert.throws(() => d.trainOnBatch(batch), /labels\[3\].*\[0, 2\].*got 3/);
            tf.dispose([batch.x, batch.y]);
            assert.equal(tf.memory().numTensors, before, `tensors after failure ${i + 1}`);
          }
          assertBitwiseEqual(
            student.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array)),
            w0,
            'student weights',
          );
          d.dispose();
          student.dispose();
        });
      });
    }
  });
});

describe('bad input to the training stack gets a clear error (issue 17 §10)', () => {
  test('on every backend', async (top) => {
    for (const name of backends) {
      await top.test(name, async (tb) => {
        await kd.backend.init(name);
        const ds = tinyDataset();

        await tb.test('nothing to train on: no task and no (weighted) term, refused at construction', () => {
          const student = model(6, 2);
          const teacher = model(8, 1);
          assert.throws(
            () => new Distiller({ student, task: null }),
            /nothing to train on: task is null and there are no terms/,
          );
          assert.throws(
            () => new Distiller({ student, taskWeight: 0 }),
            /nothing to train on: taskWeight is 0 and there are no terms/,
          );
          assert.throws(
            () => new Distiller({ student, teacher, task: null, terms: [kd.terms.kd({ weight: 0 })] }),
            /every term has weight 0/,
          );
          new Distiller({ student, teacher, task: null, terms: [kd.terms.kd()] }).dispose(); // a term alone is enough
          student.dispose();
          teacher.dispose();
        });

        await tb.test(
          'a label outside [0, classes): evaluate and fit name the label, its index and the class count',
          async () => {
            const student = model(6, 2);
            const bad = { ...ds, y: Int32Array.from(ds.y, (v, i) => (i === 37 ? 3 : v)) };
            const before = tf.memory().numTensors;
            assert.throws(
              () => kd.distill.evaluate(student, bad),
              /ds\.y\[37\] is 3: expected a class index in \[0, 2\] \(ds\.classes = 3\)/,
            );
            const d = new Distiller({ student });
            await assert.rejects(
              d.fit(bad, { epochs: 1, batchSize: 32 }),
              /train\.y\[37\] is 3.*\[0, 2\].*classes = 3/,
            );
            await assert.rejects(
              d.fit(ds, { epochs: 1, batchSize: 32, validation: { ...bad, y: Int32Array.from(bad.y, (v) => -v) } }),
              /validation\.y\[1\] is -1/,
            );
            d.dispose();
            assert.equal(tf.memory().numTensors, before, 'tensors after the failures');
            student.dispose();
          },
        );

        await tb.test('a non-finite loss in a step names the loss argument and index that caused it', async () => {
          const student = model(6, 2);
          const teacher = model(8, 1);
          // A teacher whose logit bias for class 1 is NaN: every teacher logit [b, 1] is NaN.
          const logits = teacher.getLayer('logits');
          const nanBias = tf.tensor1d([0, NaN, 0]);
          logits.setWeights([logits.getWeights()[0], nanBias]);
          nanBias.dispose();
          const d = new Distiller({ student, teacher, terms: [kd.terms.kd({ name: 'soft' })] });
          const w0 = student.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
          await assert.rejects(
            d.fit(ds, { epochs: 1, batchSize: 32 }),
            /non-finite loss: soft=NaN, total=NaN; the step was not applied\. term 'soft': kdLoss: teacherLogits\[0,1\] is NaN/,
          );
          assertBitwiseEqual(
            student.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array)),
            w0,
            'student weights',
          );
          d.dispose();
          student.dispose();
          teacher.dispose();
        });

        await tb.test('tripletLoss names a non-finite embedding', () => {
          const before = tf.memory().numTensors;
          assert.throws(
            () =>
              tf.tidy(() =>
                kd.distill.tripletLoss(
                  tf.tensor2d([
                    [0, 1],
                    [NaN, 2],
                    [1, 1],
                  ]),
                  tf.tensor1d([0, 0, 1], 'int32'),
                ),
              ),
            /tripletLoss: embeddings\[1,0\] is NaN/,
          );
          assert.equal(tf.memory().numTensors, before);
        });

        await tb.test('the losses do not read back inside a step: one read for the labels, one for the results', () => {
          const student = model(6, 2);
          const teacher = model(8, 1);
          const d = new Distiller({
            student,
            teacher,
            terms: [kd.terms.kd(), kd.terms.fitnet({ studentLayer: 'logits', teacherLayer: 'logits' }), kd.terms.rkd()],
          });
          const batch = {
            x: tf.tensor(ds.x.slice(0, 8 * 16), [8, 4, 4, 1]),
            y: tf.tensor1d(ds.y.slice(0, 8), 'int32'),
          };
          const engine = tf.engine();
          const readSync = engine.readSync.bind(engine);
          let reads = 0;
          engine.readSync = (id: object) => {
            reads++;
            return readSync(id);
          };
          try {
            d.trainOnBatch(batch);
          } finally {
            engine.readSync = readSync;
          }
          assert.equal(reads, 2, 'data reads in one step with a task and three terms');
          // called directly, a loss reads its result once
          reads = 0;
          engine.readSync = (id: object) => {
            reads++;
            return readSync(id);
          };
          try {
            tf.tidy(() => kd.losses.kdLoss(tf.ones([2, 3]), tf.ones([2, 3])));
          } finally {
            engine.readSync = readSync;
          }
          assert.equal(reads, 1, 'data reads of one kdLoss call outside the Distiller');
          tf.dispose([batch.x, batch.y]);
          d.dispose();
          student.dispose();
          teacher.dispose();
        });
      });
    }
  });
});
