/**
 * kd.models.unrollRecurrent: the step-by-step composition of the cell equals tfjs's recurrent layers (an
 * independent implementation) for GRU and LSTM, one and two layers, image and [T, F] inputs; a one-step GRU
 * against a float64 hand computation; bad input; no tensor leaks (cpu backend).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

const tf = kd.tf;

test('cpu backend', async () => {
  await tf.setBackend('cpu');
});

test('unrolled logits equal the model’s (GRU/LSTM, 1–2 layers); the last state is the rnn layer output', () => {
  const cases: [string, kd.tf.LayersModel, number[]][] = [
    ['gru image', kd.models.recurrent({ units: 6, inputShape: [7, 4, 1], seed: 1 }), [3, 7, 4, 1]],
    [
      'lstm 2 layers',
      kd.models.recurrent({ cell: 'lstm', units: 5, layers: 2, inputShape: [6, 3], seed: 2 }),
      [4, 6, 3],
    ],
    ['gru 2 layers', kd.models.recurrent({ units: 4, layers: 2, inputShape: [5, 2], seed: 3 }), [2, 5, 2]],
  ];
  for (const [name, model, shape] of cases) {
    const x = tf.randomNormal(shape, 0, 2, 'float32', 5);
    const n0 = tf.memory().numTensors;
    const { states, logits } = kd.models.unrollRecurrent(model, x);
    const want = model.predict(x) as kd.tf.Tensor;
    const steps = shape[1];
    assert.equal(states[0].length, steps, `${name}: one state per step`);
    const got = logits.dataSync();
    want.dataSync().forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-5, `${name}: logit ${i} ${got[i]} vs ${v}`));
    const extraction = kd.features.extractor(model, [`rnn${states.length}`])(x);
    const last = extraction.features[`rnn${states.length}`];
    const lastGot = states[states.length - 1][steps - 1].dataSync();
    last.dataSync().forEach((v, i) => assert.ok(Math.abs(v - lastGot[i]) < 1e-5, `${name}: final state ${i}`));
    tf.dispose([want, logits, extraction.output, last, ...states.flat()]);
    assert.equal(tf.memory().numTensors, n0, `${name}: no tensor leak`);
    x.dispose();
    model.dispose();
  }
});

test('one GRU step against a float64 hand computation', () => {
  const model = kd.models.recurrent({ units: 2, inputShape: [1, 2], seed: 4 });
  const [W, U, b] = model
    .getLayer('rnn1')
    .getWeights()
    .map((t) => t.arraySync() as number[][] | number[]);
  const x = [0.5, -1.5];
  const hs = (a: number) => Math.min(1, Math.max(0, 0.2 * a + 0.5));
  const col = (j: number) => (W as number[][])[0][j] * x[0] + (W as number[][])[1][j] * x[1] + (b as number[])[j];
  // h₀ = 0, so U drops out: z = σ(x W_z + b_z), h̃ = tanh(x W_h + b_h), h = (1 − z) h̃.
  const h = [0, 1].map((j) => (1 - hs(col(j))) * Math.tanh(col(4 + j)));
  void U;
  const xt = tf.tensor3d([[x]]);
  const { states, logits } = kd.models.unrollRecurrent(model, xt);
  const got = states[0][0].dataSync();
  h.forEach((v, j) => assert.ok(Math.abs(got[j] - v) < 1e-6, `h[${j}] ${got[j]} vs ${v}`));
  tf.dispose([xt, logits, ...states.flat()]);
  model.dispose();
});

test('unrollRecurrent: not a recurrent model, or the wrong input size, is a clear error', () => {
  const mlp = kd.models.mlp({ hidden: [4] });
  const gru = kd.models.recurrent({ units: 3, inputShape: [4, 2] });
  const x = tf.zeros([2, 4, 3]);
  assert.throws(() => kd.models.unrollRecurrent(mlp, x), /expected a kd.models.recurrent model/);
  assert.throws(() => kd.models.unrollRecurrent(gru, x), /reads 4 steps of 2 values, x has 12 values per sample/);
  x.dispose();
  mlp.dispose();
  gru.dispose();
});
