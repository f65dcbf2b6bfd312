/**
 * The Distiller: frozen teachers, determinism, no leaks, callbacks/history, early stopping + checkpoints,
 * every distillation kind, and a small real experiment in which KD beats training from scratch.
 * Expected values come from float64 references written here (test/support/reference.ts for the losses).
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { Distiller, evaluate, loadModel, tripletLoss } from '../../lib/distill';
import type { TrainingCallbacks } from '../../lib/distill';
import * as ref from '../support/reference';
import { assertAllClose, numericGradient, rng } from '../support/gradcheck';

type Dataset = kd.data.Dataset;

let train: Dataset;
let testSet: Dataset;
let small: Dataset; // 64 samples → 2 batches of 32

before(async () => {
  await kd.backend.init();
  ({ train, test: testSet } = kd.data.mnist({ train: 4000, test: 1000, seed: 7 }));
  small = kd.data.subset(
    train,
    Array.from({ length: 64 }, (_, i) => i),
  );
});

function weights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync() as Float32Array));
}
function bitwiseEqual(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((x, i) => Buffer.from(x.buffer).equals(Buffer.from(b[i].buffer)));
}
function matrix(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

describe('teacher is frozen', () => {
  test('teacher weights bitwise equal after training; student and adapter change; teacher not in the optimised set', async () => {
    const teacher = kd.models.mlp({ hidden: [32], dropout: 0.5, seed: 1 });
    const student = kd.models.mlp({ hidden: [16], seed: 2 });
    const adapter = kd.models.adapter({ from: [16], to: [32], seed: 3 });
    const t0 = weights(teacher),
      s0 = weights(student),
      a0 = weights(adapter);
    const d = new Distiller({
      student,
      teacher,
      seed: 1,
      terms: [
        kd.terms.kd({ weight: 1 }),
        kd.terms.fitnet({ weight: 0.5, studentLayer: 'hidden1', teacherLayer: 'hidden1', adapter }),
      ],
    });
    const vars = new Set(d.trainableVariables());
    for (const w of teacher.weights)
      assert.ok(!vars.has(w.read() as tf.Variable), `teacher variable ${w.name} must not be optimised`);
    for (const w of adapter.trainableWeights)
      assert.ok(vars.has(w.read() as tf.Variable), `adapter variable ${w.name} must be optimised`);
    await d.fit(small, { epochs: 2, batchSize: 32 });
    d.dispose();
    assert.ok(bitwiseEqual(weights(teacher), t0), 'teacher weights changed');
    assert.ok(!bitwiseEqual(weights(student), s0), 'student weights did not change');
    assert.ok(!bitwiseEqual(weights(adapter), a0), 'adapter weights did not change');
    assert.equal(
      student.layers.some((l) => l.name.startsWith('adapter')),
      false,
      'adapter must not become part of the student',
    );
  });
});

describe('teacher runs outside the gradient tape', () => {
  test('teacher forward at gradient depth 0, student forward inside the tape (probe on model.apply)', async () => {
    const teacher = kd.models.mlp({ hidden: [8], seed: 1 });
    const student = kd.models.mlp({ hidden: [4], seed: 2 });
    const depth = () => (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth;
    const seen = { teacher: [] as number[], student: [] as number[] };
    for (const [who, m] of [
      ['teacher', teacher],
      ['student', student],
    ] as const) {
      const apply = m.apply.bind(m);
      m.apply = (x: tf.Tensor, kw?: object) => {
        seen[who].push(depth());
        return apply(x, kw);
      };
    }
    const d = new Distiller({ student, teacher, terms: [kd.terms.kd()] });
    await d.fit(small, { epochs: 1, batchSize: 32 });
    d.dispose();
    assert.deepEqual(seen.teacher, [0, 0]);
    assert.equal(seen.student.length, 2);
    assert.ok(
      seen.student.every((g) => g > 0),
      `student depth ${seen.student}`,
    );
  });
});

describe('loss composition', () => {
  test('one step reports task CE, the kd term and total = taskWeight·task + Σ w·term (float64 reference)', () => {
    const teacher = kd.models.mlp({ hidden: [8], seed: 4 });
    const student = kd.models.mlp({ hidden: [6], seed: 5 });
    const batch = {
      x: tf.tensor(small.x.slice(0, 16 * 784), [16, 28, 28, 1]),
      y: tf.tensor1d(small.y.slice(0, 16), 'int32'),
    };
    const xs = batch.x.reshape([16, 784]);
    const sLogits = matrix(student.predict(xs) as tf.Tensor);
    const tLogits = matrix(teacher.predict(xs) as tf.Tensor);
    const labels = Array.from(small.y.slice(0, 16));
    // learning rate 0: the step leaves the student as it was, so the reported losses are of these logits
    const d = new Distiller({
      student,
      teacher,
      taskWeight: 0.3,
      optimizer: tf.train.sgd(0),
      terms: [kd.terms.kd({ weight: 2, temperature: 3 })],
    });
    const l = d.trainOnBatch(batch);
    assert.deepEqual(Object.keys(l), ['task', 'kd', 'total']);
    const task = ref.crossEntropy(sLogits, labels);
    const kdv = ref.kdLoss(sLogits, tLogits, 3);
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b)), `${what}: ${a} vs reference ${b}`);
    close(l.task, task, 'task');
    close(l.kd, kdv, 'kd');
    close(l.total, 0.3 * task + 2 * kdv, 'total');
    tf.dispose([batch.x, batch.y, xs]);
  });
});

describe('determinism', () => {
  const run = async (seed: number) => {
    // stock tf.layers.dropout (no seed) — reproducible only through the Distiller's seeded step randomness
    const student = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [784],
          units: 16,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
        }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    const teacher = kd.models.mlp({ hidden: [16], dropout: 0.3, seed: 9 });
    const d = new Distiller({ student, teacher, seed, terms: [kd.terms.kd()] });
    const h = await d.fit(
      kd.data.subset(
        train,
        Array.from({ length: 96 }, (_, i) => i),
      ),
      { epochs: 2, batchSize: 32, augment: true },
    );
    d.dispose();
    return h.batches;
  };
  for (const backend of ['cpu', 'default'] as const) {
    test(`same seed → identical losses, other seed → different (${backend})`, async () => {
      const previous = kd.backend.info().name;
      if (backend === 'cpu') await kd.backend.init('cpu');
      try {
        const a = await run(11),
          b = await run(11),
          c = await run(12);
        assert.deepEqual(a, b);
        assert.notDeepEqual(a.total, c.total);
      } finally {
        await kd.backend.init(previous);
      }
    });
  }
});

describe('callbacks, history, leaks', () => {
  test('callback order/counts, history shapes, epoch loss = sample-weighted batch mean, numTensors flat across epochs', async () => {
    const teacher = kd.models.mlp({ hidden: [16], seed: 1 });
    const student = kd.models.mlp({ hidden: [8], seed: 2 });
    const adapter = kd.models.adapter({ from: [8], to: [16], seed: 3 });
    const ds = kd.data.subset(
      train,
      Array.from({ length: 70 }, (_, i) => i),
    ); // 3 batches: 32, 32, 6
    const before = tf.memory().numTensors;
    const d = new Distiller({
      student,
      teacher,
      seed: 3,
      terms: [
        kd.terms.kd({ name: 'soft' }),
        kd.terms.fitnet({ studentLayer: 'hidden1', teacherLayer: 'hidden1', adapter, weight: 0.1 }),
      ],
    });
    const events: string[] = [];
    const perEpochTensors: number[] = [];
    const batchSeen: { epoch: number; batch: number; losses: Record<string, number> }[] = [];
    const cb: TrainingCallbacks = {
      onTrainBegin: (e) => {
        events.push(`begin ${e.epochs} ${e.batchesPerEpoch}`);
      },
      onBatchEnd: (e) => {
        batchSeen.push({ epoch: e.epoch, batch: e.batch, losses: e.losses });
      },
      onEpochEnd: (e) => {
        events.push(`epoch ${e.epoch} ${e.validation ? 'val' : 'noval'}`);
        perEpochTensors.push(tf.memory().numTensors);
      },
      onTrainEnd: () => {
        events.push('end');
      },
    };
    const h = await d.fit(ds, {
      epochs: 4,
      batchSize: 32,
      validation: small,
      callbacks: [kd.callbacks.earlyStopping({ patience: 10 }), cb],
    });
    d.dispose();
    assert.deepEqual(events, ['begin 4 3', 'epoch 0 val', 'epoch 1 val', 'epoch 2 val', 'epoch 3 val', 'end']);
    assert.deepEqual(
      batchSeen.map((b) => `${b.epoch}:${b.batch}`),
      ['0:0', '0:1', '0:2', '1:0', '1:1', '1:2', '2:0', '2:1', '2:2', '3:0', '3:1', '3:2'],
    );
    assert.deepEqual(Object.keys(h.batches), ['task', 'soft', 'fitnet', 'total']);
    for (const k of Object.keys(h.batches)) assert.equal(h.batches[k].length, 12);
    const sizes = [32, 32, 6];
    for (const e of h.epochs) {
      for (const k of Object.keys(h.batches)) {
        const vals = h.batches[k].slice(3 * e.epoch, 3 * e.epoch + 3);
        const mean = vals.reduce((a, v, i) => a + v * sizes[i], 0) / 70;
        assert.ok(Math.abs(e.losses[k] - mean) < 1e-9, `epoch ${e.epoch} ${k}`);
      }
      assert.ok(e.validation && e.validation.accuracy >= 0 && e.validation.accuracy <= 1 && e.validation.loss > 0);
    }
    for (let i = 0; i < 12; i++) {
      const l = batchSeen[i].losses;
      assert.ok(Math.abs(l.total - (l.task + l.soft + 0.1 * l.fitnet)) <= 1e-5 * (1 + l.total), `total of batch ${i}`);
    }
    assert.deepEqual(perEpochTensors, new Array(4).fill(perEpochTensors[0]), `numTensors per epoch ${perEpochTensors}`);
    assert.equal(tf.memory().numTensors, before, 'tensors left after fit + dispose');
  });

  test('early stopping (patience 0, monitor accuracy) restores the best weights; checkpoint holds the best student', async () => {
    const student = kd.models.mlp({ hidden: [8], seed: 5 });
    const pre = new Distiller({ student, optimizer: { name: 'adam', learningRate: 0.01 } });
    await pre.fit(small, { epochs: 5, batchSize: 32 }); // well above the 1-class accuracy of all-zero weights
    pre.dispose();
    const w0 = weights(student);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-ckpt-'));
    // lr 0: accuracy cannot improve by training; after epoch 0 a callback wrecks the weights, so epoch 1 is worse.
    const d = new Distiller({ student, optimizer: tf.train.sgd(0) });
    const h = await d.fit(small, {
      epochs: 5,
      batchSize: 32,
      validation: small,
      callbacks: [
        kd.callbacks.checkpoint({ path: dir }),
        kd.callbacks.earlyStopping({ patience: 0, monitor: 'accuracy' }),
        {
          onEpochEnd: (e) => {
            if (e.epoch === 0) student.setWeights(student.getWeights().map((w) => tf.tidy(() => tf.zerosLike(w))));
          },
        },
      ],
    });
    d.dispose();
    assert.equal(h.epochs.length, 2);
    assert.deepEqual(h.stoppedEarly, { epoch: 1, bestEpoch: 0 });
    assert.ok(h.epochs[1].validation!.accuracy < h.epochs[0].validation!.accuracy);
    assert.ok(bitwiseEqual(weights(student), w0), 'best (epoch 0) weights were not restored');
    const saved = await loadModel(dir);
    assert.ok(bitwiseEqual(weights(saved), w0), 'checkpoint is not the best student');
    saved.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('every distillation kind runs and reports its term', () => {
  const tinyCnn = (filters: number, seed: number) => kd.models.cnn({ filters: [filters], dense: [8], seed });
  const check = async (
    cfg: ConstructorParameters<typeof Distiller>[0],
    ds: Dataset,
    adapters: tf.LayersModel[] = [],
  ) => {
    const a0 = adapters.map(weights);
    const d = new Distiller({ seed: 1, ...cfg });
    const h = await d.fit(ds, { epochs: 1, batchSize: 32 });
    d.dispose();
    const names = d.lossNames.filter((n) => n !== 'task' && n !== 'total');
    for (const n of [...names, 'total']) {
      assert.equal(h.batches[n].length, 2, `${n} reported per batch`);
      assert.ok(h.batches[n].every(Number.isFinite), `${n} finite: ${h.batches[n]}`);
    }
    for (const n of names)
      assert.ok(
        h.batches[n].some((v) => v !== 0),
        `${n} is not identically zero`,
      );
    adapters.forEach((a, i) => assert.ok(!bitwiseEqual(weights(a), a0[i]), `adapter ${i} weights changed`));
    return h;
  };

  test('logit KD: kd and hinton', async () => {
    const teacher = kd.models.mlp({ hidden: [16], seed: 1 });
    await check({ student: kd.models.mlp({ hidden: [8], seed: 2 }), teacher, terms: [kd.terms.kd()] }, small);
    await check(
      {
        student: kd.models.mlp({ hidden: [8], seed: 2 }),
        teacher,
        taskWeight: 0,
        terms: [kd.terms.hinton({ alpha: 0.7 })],
      },
      small,
    );
  });

  test('hints with a 1×1 conv adapter (FitNets) and attention transfer on CNN blocks', async () => {
    const teacher = tinyCnn(8, 1);
    const adapter = kd.models.adapter({
      from: kd.models.layerShape(tinyCnn(4, 2), 'block1'),
      to: kd.models.layerShape(teacher, 'block1'),
      seed: 3,
    });
    await check(
      {
        student: tinyCnn(4, 2),
        teacher,
        terms: [kd.terms.fitnet({ studentLayer: 'block1', teacherLayer: 'block1', adapter })],
      },
      small,
      [adapter],
    );
    await check(
      {
        student: tinyCnn(4, 2),
        teacher,
        terms: [kd.terms.attention({ studentLayer: 'conv1', teacherLayer: 'conv1', weight: 100 })],
      },
      small,
    );
  });

  test('relational: RKD and Yu absolute/relative on embeddings, with a triplet task', async () => {
    const emb = (dim: number, hidden: number, seed: number) =>
      kd.models.embeddingNet({ inputShape: [784], hidden: [hidden], dim, seed });
    await check(
      {
        student: kd.models.mlp({ hidden: [8], seed: 2 }),
        teacher: kd.models.mlp({ hidden: [16], seed: 1 }),
        terms: [kd.terms.rkd()],
      },
      small,
    );
    await check(
      {
        student: emb(8, 16, 2),
        teacher: emb(8, 32, 1),
        task: 'triplet',
        terms: [kd.terms.absolute(), kd.terms.relative()],
      },
      small,
    );
  });

  test('multi-teacher (MLP + CNN teachers, each fed its own input shape) and IRG over layer pairs', async () => {
    const teachers = [kd.models.mlp({ hidden: [16], seed: 1 }), tinyCnn(4, 6)];
    await check(
      {
        student: kd.models.mlp({ hidden: [8], seed: 2 }),
        teacher: teachers,
        terms: [kd.terms.multiTeacher({ weighting: 'entropy' })],
      },
      small,
    );
    await check(
      {
        student: kd.models.mlp({ hidden: [8], seed: 2 }),
        teacher: kd.models.mlp({ hidden: [16], seed: 1 }),
        terms: [kd.terms.irg({ studentLayer: ['hidden1', 'logits'], teacherLayer: ['hidden1', 'logits'] })],
      },
      small,
    );
    // edge-only IRG between layers of different widths (8 vs 16), with a transformation hidden1 → hidden2
    await check(
      {
        student: kd.models.mlp({ hidden: [8, 8], seed: 2 }),
        teacher: kd.models.mlp({ hidden: [16, 16], seed: 1 }),
        terms: [
          kd.terms.irg({
            studentLayer: ['hidden1', 'hidden2'],
            teacherLayer: ['hidden1', 'hidden2'],
            vertexWeight: 0,
            transformPairs: [[0, 1]],
          }),
        ],
      },
      small,
    );
  });

  test('cross-modal: the teacher sees the image, the student the profiles of the same samples', async () => {
    const ds = kd.data.crossModal(small, { view: 'profiles', seed: 1 });
    const profileShape = ds.views!.profiles.sampleShape;
    const teacher = kd.models.mlp({ hidden: [16], seed: 1 });
    const student = kd.models.mlp({ inputShape: profileShape, hidden: [8], seed: 2 });
    // A custom term sees both sides: check they are the SAME samples (teacher logits of exactly these images).
    const seen: number[] = [];
    const probe = (s: tf.Tensor | tf.Tensor[], t: tf.Tensor | tf.Tensor[]) => {
      seen.push((t as tf.Tensor).shape[0]);
      return kd.losses.kdLoss(s as tf.Tensor, t as tf.Tensor);
    };
    const h = await check(
      {
        student,
        teacher,
        teacherView: 'image',
        studentView: 'profiles',
        terms: [kd.terms.kd(), { loss: probe, name: 'probe' }],
      },
      ds,
    );
    assert.deepEqual(seen, [32, 32]);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(h.batches.kd[i] - h.batches.probe[i]) < 1e-6);
    const r = evaluate(student, ds, { view: 'profiles' });
    assert.equal(r.n, 64);
    await assert.rejects(
      new Distiller({ student, teacher, studentView: 'sound', terms: [kd.terms.kd()] }).fit(ds, {
        epochs: 1,
        batchSize: 32,
      }),
      /studentView.*sound/,
    );
  });
});

describe('triplet task loss', () => {
  // float64 reference, written independently (loops, no masks)
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
  function refTriplet(E: number[][], y: number[], margin: number, mining: 'batchHard' | 'semiHard'): number {
    const n = E.length;
    let sum = 0,
      count = 0;
    for (let a = 0; a < n; a++) {
      const pos = [...Array(n).keys()].filter((j) => j !== a && y[j] === y[a]);
      const neg = [...Array(n).keys()].filter((j) => y[j] !== y[a]);
      if (pos.length === 0 || neg.length === 0) continue;
      if (mining === 'batchHard') {
        const dp = Math.max(...pos.map((p) => dist(E[a], E[p])));
        const dn = Math.min(...neg.map((q) => dist(E[a], E[q])));
        sum += Math.max(0, dp - dn + margin);
        count++;
      } else {
        for (const p of pos) {
          const dp = dist(E[a], E[p]);
          const farther = neg.map((q) => dist(E[a], E[q])).filter((d) => d > dp);
          const dn = farther.length ? Math.min(...farther) : Math.max(...neg.map((q) => dist(E[a], E[q])));
          sum += Math.max(0, dp - dn + margin);
          count++;
        }
      }
    }
    return count ? sum / count : 0;
  }
  test('batch-hard and semi-hard match a float64 reference', () => {
    const r = rng(5);
    const E = Array.from({ length: 12 }, () => Array.from({ length: 4 }, () => r.normal()));
    const y = [0, 1, 2, 0, 1, 2, 0, 1, 3, 3, 0, 4]; // class 4 has no positive
    for (const mining of ['batchHard', 'semiHard'] as const) {
      for (const margin of [0.2, 1.5]) {
        const got = tf.tidy(
          () => tripletLoss(tf.tensor2d(E), tf.tensor1d(y, 'int32'), { margin, mining }).dataSync()[0],
        );
        const want = refTriplet(E, y, margin, mining);
        assert.ok(want > 0);
        assert.ok(Math.abs(got - want) < 1e-4 * (1 + want), `${mining} margin ${margin}: ${got} vs ${want}`);
      }
    }
  });
  test('semi-hard: tf.grad of the loss equals float64 finite differences of the reference; the Distiller trains with it', async () => {
    const r = rng(11);
    const n = 10;
    const dim = 3;
    const E = Array.from({ length: n }, () => Array.from({ length: dim }, () => r.normal()));
    const y = [0, 1, 2, 0, 1, 2, 0, 1, 2, 3];
    const margin = 0.5;
    const flat = E.flat();
    const f = (x: number[]) =>
      refTriplet(
        Array.from({ length: n }, (_, i) => x.slice(i * dim, (i + 1) * dim)),
        y,
        margin,
        'semiHard',
      );
    const want = numericGradient(f, flat);
    assert.ok(
      want.some((g) => Math.abs(g) > 1e-3),
      'the case has active triplets',
    );
    const got = tf.tidy(() =>
      tf
        .grad((e: tf.Tensor) => tripletLoss(e, tf.tensor1d(y, 'int32'), { margin, mining: 'semiHard' }))(tf.tensor2d(E))
        .dataSync(),
    );
    assertAllClose(got, want, { rtol: 1e-3, atol: 1e-5 }, 'semi-hard gradient');

    const student = kd.models.embeddingNet({ inputShape: [dim], hidden: [8], dim: 4, seed: 3 });
    const d = new Distiller({ student, task: 'triplet', taskOptions: { mining: 'semiHard', margin } });
    const ds: kd.data.Dataset = {
      x: Float32Array.from(flat),
      y: Int32Array.from(y),
      n,
      sampleShape: [dim],
      classes: 4,
    };
    const h = await d.fit(ds, { epochs: 2, batchSize: n });
    assert.equal(h.batches.total.length, 2);
    assert.ok(h.batches.total.every((l) => Number.isFinite(l) && l > 0));
    d.dispose();
  });
});

describe('bad input', () => {
  test('errors name the argument', () => {
    const student = kd.models.mlp({ hidden: [4], seed: 1 });
    const teacher = kd.models.mlp({ hidden: [4], seed: 2 });
    assert.throws(() => new Distiller({ student, terms: [kd.terms.kd()] }), /needs a teacher/);
    assert.throws(() => new Distiller({ student, teacher, terms: [{ loss: 'nope' }] }), /nope.*kd/s);
    assert.throws(() => new Distiller({ student, teacher, terms: [kd.terms.kd({ name: 'total' })] }), /reserved/);
    assert.throws(() => new Distiller({ student, teacher, terms: [kd.terms.kd({ weight: NaN })] }), /weight/);
    assert.throws(() => new Distiller({ student, task: 'mse' as never }), /task/);
    assert.throws(() => new Distiller({ student, optimizer: { name: 'adam', learningRate: -1 } }), /learningRate/);
    assert.throws(() => new Distiller({ student: teacher, teacher }), /different model/);
    const cnnStudent = kd.models.cnn({ inputShape: [8, 8, 1], filters: [2], dense: [4], seed: 1 });
    const batch = { x: tf.zeros([2, 28, 28, 1]), y: tf.tensor1d([0, 1], 'int32') };
    assert.throws(() => new Distiller({ student: cnnStudent }).trainOnBatch(batch), /\[8,8,1\].*64 values.*784/);
    tf.dispose([batch.x, batch.y]);
  });
  test('fit validates its options', async () => {
    const d = new Distiller({ student: kd.models.mlp({ hidden: [4], seed: 1 }) });
    await assert.rejects(d.fit(small, { epochs: 1, batchSize: 0 }), /batchSize/);
    await assert.rejects(d.fit(small, { epochs: -1, batchSize: 8 }), /epochs/);
    await assert.rejects(
      d.fit(small, { epochs: 1, batchSize: 8, callbacks: kd.callbacks.earlyStopping({ patience: 1 }) }),
      /validation/,
    );
    d.dispose();
  });
});

describe('experiment: distillation beats training from scratch', () => {
  test('a tiny student distilled from a trained teacher on a small transfer set beats the same student without KD (2 seeds)', async (t) => {
    // Teacher: MLP 784-128-10 on 4000 real digits. Transfer set: 200 of those digits, jittered ±2 px (Hinton 2015 §3).
    const teacher = kd.models.mlp({ hidden: [128], seed: 1 });
    const dt = new Distiller({ student: teacher, seed: 1 });
    await dt.fit(train, { epochs: 3, batchSize: 64 });
    dt.dispose();
    const teacherAcc = evaluate(teacher, testSet).accuracy;
    const transfer = kd.data.subset(
      train,
      Array.from({ length: 200 }, (_, i) => i),
    );
    const scratch: number[] = [],
      distilled: number[] = [];
    for (const seed of [1, 2]) {
      const s1 = kd.models.mlp({ hidden: [32], seed: 100 + seed });
      const d1 = new Distiller({ student: s1, seed });
      await d1.fit(transfer, { epochs: 15, batchSize: 32, augment: true });
      d1.dispose();
      const s2 = kd.models.mlp({ hidden: [32], seed: 100 + seed }); // same initial weights
      const d2 = new Distiller({
        student: s2,
        teacher,
        seed,
        taskWeight: 0.1,
        terms: [kd.terms.kd({ temperature: 4 })],
      });
      await d2.fit(transfer, { epochs: 15, batchSize: 32, augment: true });
      d2.dispose();
      scratch.push(evaluate(s1, testSet).accuracy);
      distilled.push(evaluate(s2, testSet).accuracy);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const msg = `teacher ${teacherAcc}, scratch ${scratch}, distilled ${distilled}`;
    t.diagnostic(msg);
    assert.ok(mean(distilled) > mean(scratch), msg);
    assert.ok(teacherAcc > mean(distilled), msg);
  });
});
