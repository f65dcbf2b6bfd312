/**
 * Cooperative interruption (lib/common/interrupt): Distiller.fit lets the event loop turn while it trains and
 * stops, without leaking tensors, when the host's interrupt check throws.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { Distiller, TrainingRun } from '../../lib/distill';
import { setInterruptCheck, YIELD_MS } from '../../lib/common/interrupt';

let train: kd.data.Dataset;

before(async () => {
  await kd.backend.init();
  train = kd.data.mnist({ train: 512, test: 10, seed: 3 }).train;
});

after(() => setInterruptCheck(null));

test('training lets the event loop run: a timer set before fit fires while fit is still going', async () => {
  const student = kd.models.mlp({ hidden: [64], seed: 1 });
  const d = new Distiller({ student, task: 'crossEntropy', seed: 1 });
  let firedAtBatch = -1;
  let batches = 0;
  const started = Date.now();
  setTimeout(() => {
    firedAtBatch = batches;
  }, 0);
  // Enough epochs to run well past two yield intervals, whatever the backend's speed; training ends at the first
  // epoch end by which the timer has fired, a batch has run since, and two intervals have passed. Without a yield
  // the timer cannot fire during fit, so the fit runs all its epochs and the assertion below fails as before.
  let run: TrainingRun | undefined;
  await d.fit(train, {
    epochs: 50,
    batchSize: 16,
    callbacks: {
      setRun: (r) => {
        run = r;
      },
      onBatchEnd: () => {
        batches++;
      },
      onEpochEnd: () => {
        if (firedAtBatch >= 0 && firedAtBatch < batches && Date.now() - started > 2 * YIELD_MS) run!.stopTraining();
      },
    },
  });
  const took = Date.now() - started;
  d.dispose();
  student.dispose();
  assert.ok(took > 2 * YIELD_MS, `the fit must outlast two yield intervals to say anything (took ${took} ms)`);
  assert.ok(
    firedAtBatch >= 0 && firedAtBatch < batches,
    `the timer fired during training (at batch ${firedAtBatch} of ${batches})`,
  );
});

test('a throwing interrupt check stops fit at a batch boundary; nothing leaks; later fits run again', async () => {
  const before = tf.memory().numTensors;
  const student = kd.models.mlp({ hidden: [32], seed: 2 });
  const d = new Distiller({ student, task: 'crossEntropy', seed: 2 });
  let batches = 0;
  let stop = false;
  class Stopped extends Error {}
  setInterruptCheck(() => {
    if (stop) throw new Stopped('interrupted by the host');
  });
  const fit = d.fit(train, {
    epochs: 100,
    batchSize: 32,
    callbacks: {
      onBatchEnd: () => {
        if (++batches === 5) stop = true;
      },
    },
  });
  await assert.rejects(fit, Stopped);
  assert.equal(batches, 5, 'the batch after which the host interrupted is the last one');
  stop = false;
  const h = await d.fit(train, { epochs: 1, batchSize: 256 });
  assert.equal(h.epochs.length, 1);
  setInterruptCheck(null);
  d.dispose();
  student.dispose();
  assert.equal(tf.memory().numTensors, before, 'tensors left after an interrupted fit, a second fit and dispose');
});
