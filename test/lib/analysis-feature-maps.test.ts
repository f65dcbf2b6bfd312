/**
 * kd.analysis.featureMapImages on a hand-made [2, 2, 2, 2] map: the chosen sample's channels min–max scaled and
 * its attention map (1/c) Σ |f|^p computed by hand, a constant channel drawn as 0, and bad input named.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';

before(async () => {
  await kd.backend.init();
});

const close = (a: number[][], b: number[][], what: string) =>
  a.forEach((row, y) =>
    row.forEach((v, x) => assert.ok(Math.abs(v - b[y][x]) < 1e-6, `${what}[${y}][${x}]: ${v} vs ${b[y][x]}`)),
  );

test('channels and attention of sample 1, scaled by hand', () => {
  // sample 1, pixel (y, x) holds [channel 0, channel 1]
  const s1 = [
    [
      [1, -2],
      [3, 3],
    ],
    [
      [5, 3],
      [1, 3],
    ],
  ];
  const s0 = s1.map((r) => r.map(() => [0, 0]));
  const f = tf.tensor4d([s0, s1]);
  const before = tf.memory().numTensors;
  const out = kd.analysis.featureMapImages(f, { sample: 1, channels: 5 });
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  // channel 0: [[1, 3], [5, 1]] → (v − 1) / 4; channel 1 constant 3 except −2 → (v + 2) / 5
  assert.equal(out.channels.length, 2);
  close(
    out.channels[0],
    [
      [0, 0.5],
      [1, 0],
    ],
    'channel 0',
  );
  close(
    out.channels[1],
    [
      [0, 1],
      [1, 1],
    ],
    'channel 1',
  );
  // attention p = 2: (1 + 4) / 2 = 2.5, (9 + 9) / 2 = 9, (25 + 9) / 2 = 17, (1 + 9) / 2 = 5 → (a − 2.5) / 14.5
  close(
    out.attention,
    [
      [0, 6.5 / 14.5],
      [1, 2.5 / 14.5],
    ],
    'attention',
  );
  // p = 1: 1.5, 3, 4, 2 → (a − 1.5) / 2.5
  close(
    kd.analysis.featureMapImages(f, { sample: 1, p: 1 }).attention,
    [
      [0, 0.6],
      [1, 0.2],
    ],
    'attention p=1',
  );
  // sample 0 is all zero: every image 0, no NaN
  const zero = kd.analysis.featureMapImages(f, { channels: 1 });
  close(
    zero.channels[0],
    [
      [0, 0],
      [0, 0],
    ],
    'constant channel',
  );
  f.dispose();
});

test('bad input is named', () => {
  const f = tf.zeros([1, 2, 2, 3]);
  assert.throws(() => kd.analysis.featureMapImages(tf.zeros([2, 3])), /conv output \[n, h, w, c\], got shape \[2,3\]/);
  assert.throws(() => kd.analysis.featureMapImages(f, { sample: 1 }), /sample must be an integer in \[0, 0\], got 1/);
  assert.throws(() => kd.analysis.featureMapImages(f, { channels: 0 }), /channels/);
  assert.throws(() => kd.analysis.featureMapImages(f, { p: -1 }), /p must be a positive/);
  f.dispose();
});
