/**
 * Evaluation (hand-computed confusion/loss), Recall@K (float64 reference), save/load in the tfjs folder
 * layout, and the teacher cache.
 */
import { before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { cachedModel, evaluate, loadModel, predict, recallAtK, saveModel } from '../../lib/distill';
import { stableHash } from '../../lib/distill/cache';
import { rng } from '../support/gradcheck';

before(async () => {
  await kd.backend.init();
});

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));

describe('evaluate', () => {
  test('accuracy, errors, per-class errors, confusion and mean CE on a model with known logits', () => {
    // logits = [x, -x, 0]: class 0 if x > 0, class 1 if x < 0
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [1], units: 3, useBias: false, weights: [tf.tensor2d([[1, -1, 0]])] })],
    });
    const xs = [2, -1, 3, -2, 0.5, 1];
    const ys = [0, 1, 1, 1, 2, 0];
    const ds = { x: Float32Array.from(xs), y: Int32Array.from(ys), n: 6, sampleShape: [1], classes: 3 };
    const r = evaluate(model, ds, { batchSize: 4 }); // two batches: 4 + 2
    // predictions: 0, 1, 0, 1, 0, 0 → correct: #0 #1 #3 #5
    assert.deepEqual(r.confusion, [
      [2, 0, 0],
      [1, 2, 0],
      [1, 0, 0],
    ]);
    assert.equal(r.errors, 2);
    assert.deepEqual(r.perClassErrors, [0, 1, 1]);
    assert.equal(r.n, 6);
    assert.equal(r.accuracy, 4 / 6);
    const ce = xs.map((x, i) => {
      const z = [x, -x, 0];
      return Math.log(z.reduce((a, v) => a + Math.exp(v), 0)) - z[ys[i]];
    });
    assert.ok(Math.abs(r.loss - ce.reduce((a, b) => a + b, 0) / 6) < 1e-5);
    const p = predict(model, ds, { batchSize: 4 });
    assert.deepEqual(p.shape, [6, 3]);
    p.dispose();
    model.dispose();
  });
  test('bad input: wrong output width, unknown view', () => {
    const model = kd.models.mlp({ inputShape: [2], hidden: [], classes: 4, seed: 1 });
    const ds = { x: new Float32Array(4), y: new Int32Array(2), n: 2, sampleShape: [2], classes: 3 };
    assert.throws(() => evaluate(model, ds), /\[batch, 3\].*\[2,4\]/);
    assert.throws(() => evaluate(model, ds, { view: 'audio' }), /view.*audio/);
  });
});

describe('recallAtK', () => {
  test('matches a float64 brute-force reference', () => {
    const r = rng(3);
    const n = 40;
    const E = Array.from({ length: n }, () => Array.from({ length: 5 }, () => r.normal()));
    const y = Array.from({ length: n }, (_, i) => i % 4);
    const ref = (k: number) => {
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const d = E.map((e, j) => ({ j, d: e.reduce((s, v, c) => s + (v - E[i][c]) ** 2, 0) }))
          .filter((o) => o.j !== i)
          .sort((a, b) => a.d - b.d);
        if (d.slice(0, k).some((o) => y[o.j] === y[i])) hits++;
      }
      return hits / n;
    };
    for (const k of [1, 2, 5]) {
      const t = tf.tensor2d(E);
      assert.equal(recallAtK(t, Int32Array.from(y), k), ref(k), `k=${k}`);
      t.dispose();
    }
    assert.equal(recallAtK(E, y, 1), ref(1));
    assert.throws(() => recallAtK(E, y, n), /every k must be an integer in \[1, 39\]/);
    assert.throws(() => recallAtK(E, y.slice(1), 1), /queryLabels must have length 40/);
  });
});

describe('save / load', () => {
  test('round trip gives identical predictions; standard tfjs layout; custom layers; file:// URLs', async () => {
    const model = kd.models.mlp({ hidden: [12], dropout: 0.3, seed: 4 }); // contains kdlab's SeededDropout layer
    const dir = tmp('kdlab-save-');
    await saveModel(model, `file://${dir}`);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
    const params = 784 * 12 + 12 + 12 * 10 + 10;
    assert.equal(fs.statSync(path.join(dir, 'weights.bin')).size, 4 * params);
    assert.equal(json.weightsManifest[0].weights.length, 4);
    const loaded = await loadModel(path.join(dir, 'model.json'));
    const x = tf.randomUniform([5, 784], 0, 1, 'float32', 1);
    const a = (model.predict(x) as tf.Tensor).dataSync(),
      b = (loaded.predict(x) as tf.Tensor).dataSync();
    assert.ok(Buffer.from(a.buffer).equals(Buffer.from(b.buffer)), 'predictions differ after load');
    assert.deepEqual(
      loaded.layers.map((l) => l.name),
      model.layers.map((l) => l.name),
    );
    tf.dispose([x]);
    await assert.rejects(loadModel(path.join(dir, 'missing')), /model\.json does not exist/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('interoperability with tfjs-node', () => {
  test("tfjs-node's file:// handler reads our folders and we read its folders (skipped without tfjs-node)", async (t) => {
    // kd.backend's probe requires tfjs-node when it is loadable; tfjs-node registers file:// IO routers on the shared tf.
    if (
      !(await kd.backend.available()).includes('tensorflow') ||
      tf.io.getLoadHandlers('file:///x/model.json').length === 0
    ) {
      t.skip('tfjs-node is not loadable here (the TensorFlow backend: npx kdlab setup tensorflow)');
      return;
    }
    const model = kd.models.cnn({ filters: [2], dense: [4], seed: 2 });
    const ours = tmp('kdlab-ours-'),
      theirs = tmp('kdlab-theirs-');
    await saveModel(model, ours);
    await model.save(`file://${theirs}`);
    const byNode = await tf.loadLayersModel(`file://${path.join(ours, 'model.json')}`);
    const byUs = await loadModel(theirs);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 2);
    const want = Array.from((model.predict(x) as tf.Tensor).dataSync());
    assert.deepEqual(Array.from((byNode.predict(x) as tf.Tensor).dataSync()), want);
    assert.deepEqual(Array.from((byUs.predict(x) as tf.Tensor).dataSync()), want);
    x.dispose();
    for (const d of [ours, theirs]) fs.rmSync(d, { recursive: true, force: true });
  });
});

describe('cachedModel', () => {
  test('hit reuses the saved model (trainFn not called again, key order irrelevant); another key misses', async () => {
    const dir = tmp('kdlab-cache-');
    let calls = 0;
    const train = (seed: number) => async () => {
      calls++;
      return kd.models.mlp({ hidden: [4], seed });
    };
    const saved = process.env.KDLAB_CACHE;
    process.env.KDLAB_CACHE = dir;
    try {
      const m1 = await cachedModel({ model: 'mlp', hidden: [4], seed: 1, data: { train: 100 } }, train(1));
      assert.equal(calls, 1);
      const m2 = await cachedModel({ data: { train: 100 }, seed: 1, hidden: [4], model: 'mlp' }, train(1));
      assert.equal(calls, 1, 'cache hit must not retrain');
      const x = tf.ones([1, 784]);
      assert.deepEqual(
        Array.from((m2.predict(x) as tf.Tensor).dataSync()),
        Array.from((m1.predict(x) as tf.Tensor).dataSync()),
      );
      await cachedModel({ model: 'mlp', hidden: [4], seed: 2, data: { train: 100 } }, train(2));
      assert.equal(calls, 2, 'a different key must miss');
      assert.equal(fs.readdirSync(dir).length, 2);
      assert.ok(
        fs.existsSync(
          path.join(dir, stableHash({ model: 'mlp', hidden: [4], seed: 1, data: { train: 100 } }), 'model.json'),
        ),
      );
      x.dispose();
    } finally {
      if (saved === undefined) delete process.env.KDLAB_CACHE;
      else process.env.KDLAB_CACHE = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await assert.rejects(cachedModel({ bad: NaN }, train(1), { dir }), /finite/);
    assert.notEqual(stableHash({ a: 1 }), stableHash({ a: 2 }));
    assert.equal(stableHash({ a: 1, b: [1, 2] }), stableHash({ b: [1, 2], a: 1 }));
  });
});
