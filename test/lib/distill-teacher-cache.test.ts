/**
 * The teacher's forward pass in the Distiller: once per batch however many terms read it, and with fit's
 * cacheTeacherOutputs once per fit (over the transfer set in dataset order, looked up per shuffled batch) —
 * with the same losses as without the cache, no tensor left behind, and a clear error with augment (cpu backend).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

const tf = kd.tf;

/** Counts the calls of the teacher's first Dense layer (one per forward pass of the teacher). */
function countForwards(model: kd.tf.LayersModel): { count: number } {
  const counter = { count: 0 };
  const layer = model.layers.find((l) => l.getClassName() === 'Dense')!;
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => {
    counter.count++;
    return call(inputs, kwargs);
  };
  return counter;
}

function setup() {
  const teacher = kd.models.mlp({ hidden: [24, 16], seed: 1 });
  const student = kd.models.mlp({ hidden: [12], seed: 2 });
  const adapter = kd.models.adapter({ from: [12], to: [16], seed: 3 });
  const d = new kd.Distiller({
    student,
    teacher,
    seed: 5,
    terms: [
      kd.terms.kd({ temperature: 4 }),
      kd.terms.hinton({ temperature: 2, alpha: 0.5, name: 'hinton2' }),
      kd.terms.fitnet({ studentLayer: 'hidden1', teacherLayer: 'hidden2', adapter, weight: 0.1 }),
    ],
  });
  return { teacher, student, adapter, d };
}

test('teacher outputs: one forward pass per batch for three terms; with cacheTeacherOutputs one pass per fit, same losses', async () => {
  await kd.backend.init('cpu');
  const { train } = kd.data.mnist({ train: 150, test: 10, seed: 3 }); // 150 rows: batches of 32 → 5 per epoch
  const runs: Record<string, { batches: number[]; forwards: number; kept: number }> = {};
  for (const cache of [false, true]) {
    const { teacher, student, adapter, d } = setup();
    const forwards = countForwards(teacher);
    const n0 = tf.memory().numTensors;
    const perEpoch: number[] = [];
    const h = await d.fit(train, {
      epochs: 3,
      batchSize: 32,
      cacheTeacherOutputs: cache,
      callbacks: { onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) },
    });
    assert.deepEqual(perEpoch, [perEpoch[0], perEpoch[0], perEpoch[0]], `cache ${cache}: numTensors per epoch`);
    // What fit keeps is the optimiser's state (made at the first step), the same with or without the cache.
    runs[String(cache)] = { batches: h.batches.total, forwards: forwards.count, kept: tf.memory().numTensors - n0 };
    d.dispose();
    tf.dispose([teacher, student, adapter].flatMap((m) => m.weights.map((w) => w.read())));
  }
  // 3 epochs × 5 batches, three terms reading the teacher: 15 forward passes; cached: ceil(150 / 256) = 1.
  assert.equal(runs.true.kept, runs.false.kept, 'the cache is disposed at the end of fit');
  assert.equal(runs.false.forwards, 15);
  assert.equal(runs.true.forwards, 1);
  // The teacher runs in inference mode, so its outputs do not depend on when it ran: same losses, batch by batch.
  assert.equal(runs.true.batches.length, 15);
  runs.true.batches.forEach((l, i) =>
    assert.ok(
      Math.abs(l - runs.false.batches[i]) <= 1e-5 * (1 + Math.abs(l)),
      `batch ${i}: ${l} vs ${runs.false.batches[i]}`,
    ),
  );
});

test('cacheTeacherOutputs with augment is refused, naming both options; nothing is trained', async () => {
  await kd.backend.init('cpu');
  const { train } = kd.data.mnist({ train: 40, test: 10, seed: 3 });
  const { teacher, student, d } = setup();
  const forwards = countForwards(teacher);
  const before = student.getWeights().map((w) => Array.from(w.dataSync()));
  await assert.rejects(
    d.fit(train, { epochs: 1, batchSize: 16, augment: true, cacheTeacherOutputs: true }),
    /cacheTeacherOutputs needs a fixed transfer set, but augment jitters the inputs every epoch; expected augment: false/,
  );
  assert.equal(forwards.count, 0);
  assert.deepEqual(
    student.getWeights().map((w) => Array.from(w.dataSync())),
    before,
  );
  d.dispose();
});

test('a teacher that throws during the cache pass: fit rejects with its error and leaves no tensor behind', async () => {
  await kd.backend.init('cpu');
  const { train } = kd.data.mnist({ train: 600, test: 10, seed: 3 }); // 600 rows: 3 chunks of ≤ 256 in the pass
  const { teacher, student, adapter, d } = setup();
  const forwards = countForwards(teacher);
  const layer = teacher.layers.find((l) => l.getClassName() === 'Dense')!;
  const counted = layer.call.bind(layer);
  // The third chunk's forward pass fails after two chunks' sides were computed (and must be released).
  layer.call = (inputs, kwargs) => {
    if (forwards.count === 2) throw new Error('teacher failed on chunk 3');
    return counted(inputs, kwargs);
  };
  const n0 = tf.memory().numTensors;
  await assert.rejects(
    d.fit(train, { epochs: 1, batchSize: 32, cacheTeacherOutputs: true }),
    /teacher failed on chunk 3/,
  );
  assert.equal(forwards.count, 2);
  assert.equal(tf.memory().numTensors, n0);
  d.dispose();
  tf.dispose([teacher, student, adapter].flatMap((m) => m.weights.map((w) => w.read())));
});
