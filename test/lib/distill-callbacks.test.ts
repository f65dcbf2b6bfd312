/**
 * kd.callbacks (early stopping, checkpoints) and the TrainingRun a callback acts through; labels checked
 * once per fit instead of read back each step. The main early-stopping + checkpoint test is in distill.test.ts.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { Distiller } from '../../lib/distill';
import type { TrainingCallbacks, TrainingRun } from '../../lib/distill';
import { crossEntropy } from '../../lib/losses';
import { withCheckedLabels } from '../../lib/losses/validate';

type Dataset = kd.data.Dataset;
let small: Dataset; // 64 samples → 2 batches of 32

before(async () => {
  await kd.backend.init();
  const { train } = kd.data.mnist({ train: 1000, test: 10, seed: 7 });
  small = kd.data.subset(
    train,
    Array.from({ length: 64 }, (_, i) => i),
  );
});

const weights = (m: tf.LayersModel): Float32Array[] =>
  m.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
const bitwiseEqual = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.length === b.length && a.every((x, i) => Buffer.from(x.buffer).equals(Buffer.from(b[i].buffer)));
const zeroWeights = (m: tf.LayersModel): void =>
  m.setWeights(m.getWeights().map((w) => tf.tidy(() => tf.zerosLike(w))));

/** An MLP trained a little on `small`, so that all-zero weights (uniform output) are worse on both metrics. */
async function pretrained(seed: number): Promise<tf.LayersModel> {
  const student = kd.models.mlp({ hidden: [8], seed });
  const pre = new Distiller({ student, optimizer: { name: 'adam', learningRate: 0.01 } });
  await pre.fit(small, { epochs: 5, batchSize: 32 });
  pre.dispose();
  return student;
}

describe('kd.callbacks', () => {
  test('options are checked when the callback is made; the removed fit options name their callback', async () => {
    assert.throws(
      () => kd.callbacks.earlyStopping({ patience: -1 }),
      /earlyStopping: patience: expected an integer >= 0, got -1/,
    );
    assert.throws(() => kd.callbacks.earlyStopping({ patience: 1.5 }), /patience.*got 1.5/);
    assert.throws(
      () => kd.callbacks.earlyStopping({ patience: 1, monitor: 'acc' as never }),
      /earlyStopping: monitor: expected 'accuracy' or 'loss', got "acc"/,
    );
    assert.throws(
      () => kd.callbacks.earlyStopping({ patience: 1, restoreBest: 'yes' as never }),
      /restoreBest: expected a boolean/,
    );
    assert.throws(() => kd.callbacks.checkpoint({ path: '' }), /checkpoint: path: expected a non-empty/);
    assert.throws(() => kd.callbacks.checkpoint({ path: 'x', monitor: 'auc' as never }), /checkpoint: monitor/);
    const d = new Distiller({ student: kd.models.mlp({ hidden: [4], seed: 1 }) });
    await assert.rejects(
      d.fit(small, { epochs: 1, batchSize: 8, earlyStopping: { patience: 1 } } as never),
      /'earlyStopping' is now a callback.*kd\.callbacks\.earlyStopping/,
    );
    await assert.rejects(
      d.fit(small, { epochs: 1, batchSize: 8, checkpoint: 'x' } as never),
      /'checkpoint' is now a callback.*kd\.callbacks\.checkpoint/,
    );
    d.dispose();
  });

  test("monitor 'loss': stops after the first worse epoch and restores epoch 0's weights bitwise; restoreBest false keeps the last", async () => {
    for (const restoreBest of [true, false]) {
      const student = await pretrained(5);
      const w0 = weights(student);
      const d = new Distiller({ student, optimizer: tf.train.sgd(0) }); // lr 0: only the callback below changes the weights
      const h = await d.fit(small, {
        epochs: 5,
        batchSize: 32,
        validation: small,
        callbacks: [
          kd.callbacks.earlyStopping({ patience: 0, monitor: 'loss', restoreBest }),
          {
            onEpochEnd: (e) => {
              if (e.epoch === 0) zeroWeights(student);
            },
          },
        ],
      });
      d.dispose();
      assert.equal(h.epochs.length, 2);
      assert.deepEqual(h.stoppedEarly, { epoch: 1, bestEpoch: 0 });
      // All-zero weights give zero logits: the cross-entropy of a uniform distribution over 10 classes, ln 10.
      assert.ok(
        Math.abs(h.epochs[1].validation!.loss - Math.log(10)) < 1e-5,
        `epoch 1 loss ${h.epochs[1].validation!.loss}`,
      );
      assert.ok(h.epochs[0].validation!.loss < Math.log(10) - 0.1);
      if (restoreBest) assert.ok(bitwiseEqual(weights(student), w0), 'best (epoch 0) weights were not restored');
      else
        assert.ok(
          weights(student).every((w) => w.every((v) => v === 0)),
          'restoreBest false changed the last weights',
        );
      student.dispose();
    }
  });

  test('numTensors flat across epochs with both callbacks; the best weights are freed when fit fails; a callback object serves two fits', async () => {
    const student = kd.models.mlp({ hidden: [8], seed: 2 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-cb-'));
    const es = kd.callbacks.earlyStopping({ patience: 100, monitor: 'loss' });
    const perEpoch: number[] = [];
    const d = new Distiller({ student, seed: 1, optimizer: { name: 'sgd', learningRate: 0.1 } }); // sgd: no slot variables made by fit
    const before = tf.memory().numTensors;
    const h = await d.fit(small, {
      epochs: 4,
      batchSize: 32,
      validation: small,
      callbacks: [
        es,
        kd.callbacks.checkpoint({ path: dir, monitor: 'loss' }),
        {
          onEpochEnd: () => {
            perEpoch.push(tf.memory().numTensors);
          },
        },
      ],
    });
    assert.equal(h.epochs.length, 4);
    assert.equal(h.stoppedEarly, undefined);
    assert.deepEqual(perEpoch, new Array(4).fill(perEpoch[0]), `numTensors per epoch ${perEpoch}`);
    assert.equal(tf.memory().numTensors, before, 'tensors left by fit');
    // Second fit with the same callback object: it fails in epoch 1, while earlyStopping holds epoch 0's weights.
    await assert.rejects(
      d.fit(small, {
        epochs: 4,
        batchSize: 32,
        validation: small,
        callbacks: [
          es,
          {
            onEpochEnd: (e) => {
              if (e.epoch === 1) throw new Error('boom in epoch 1');
            },
          },
        ],
      }),
      /boom in epoch 1/,
    );
    assert.equal(tf.memory().numTensors, before, 'tensors left by the failed fit');
    d.dispose();
    const saved = await kd.distill.loadModel(dir);
    assert.equal(saved.getWeights().length, student.getWeights().length);
    saved.dispose();
    student.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a callback of its own stops training through its TrainingRun; onTrainEnd runs once', async () => {
    const student = kd.models.mlp({ hidden: [4], seed: 3 });
    const events: string[] = [];
    let seen: TrainingRun | undefined;
    const stopper: TrainingCallbacks = {
      setRun: (run) => {
        seen = run;
        events.push(`run ${run.hasValidation}`);
      },
      onEpochEnd: (e) => {
        events.push(`epoch ${e.epoch}`);
        if (e.epoch === 1) seen!.stopTraining();
      },
      onTrainEnd: (e) => {
        events.push(`end ${e.history.epochs.length}`);
      },
    };
    const d = new Distiller({ student });
    const h = await d.fit(small, { epochs: 6, batchSize: 32, callbacks: stopper });
    d.dispose();
    assert.equal(seen!.student, student);
    assert.deepEqual(events, ['run false', 'epoch 0', 'epoch 1', 'end 2']);
    assert.deepEqual(h.stoppedEarly, { epoch: 1, bestEpoch: 1 });
    assert.throws(() => seen!.stopTraining(-1), /bestEpoch: expected an integer >= 0, got -1/);
    student.dispose();
  });
});

describe('labels checked once per fit', () => {
  test("fit refuses a label outside the student's outputs before training, naming its index", async () => {
    const student = kd.models.mlp({ hidden: [4], classes: 5, seed: 1 });
    const width = student.outputs[0].shape[1];
    assert.equal(width, 5, 'test set-up: a 5-output student');
    const first = Array.from(small.y).findIndex((v) => v >= 5);
    const w0 = weights(student);
    const d = new Distiller({ student });
    await assert.rejects(
      d.fit(small, { epochs: 1, batchSize: 32 }),
      new RegExp(`train\\.y\\[${first}\\] is ${small.y[first]}: expected a class index in \\[0, 4\\]`),
    );
    d.dispose();
    assert.ok(bitwiseEqual(weights(student), w0), 'a step ran before the labels were checked');
    student.dispose();
  });

  test('inside withCheckedLabels(C) a loss over >= C classes does not read the labels back; over fewer it still checks', () => {
    const logits = tf.zeros([3, 5]);
    const labels = tf.tensor1d([0, 4, 2], 'int32');
    let reads = 0;
    const read = labels.dataSync.bind(labels);
    labels.dataSync = () => {
      reads++;
      return read();
    };
    const ce = (): number => tf.tidy(() => crossEntropy(logits, labels).dataSync()[0]);
    assert.ok(Math.abs(ce() - Math.log(5)) < 1e-6);
    assert.equal(reads, 1, 'the public crossEntropy reads its labels');
    assert.ok(Math.abs(withCheckedLabels(5, ce) - Math.log(5)) < 1e-6);
    assert.equal(reads, 1, 'read back inside withCheckedLabels(5) for 5 classes');
    const bad = tf.tensor1d([0, 7, 2], 'int32');
    assert.throws(
      () => withCheckedLabels(10, () => crossEntropy(logits, bad)),
      /labels\[1\] must be an integer class index in \[0, 4\], got 7/,
    );
    tf.dispose([logits, labels, bad]);
  });
});
