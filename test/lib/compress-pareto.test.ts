/** kd.compress.paretoFront against hand-worked sets and a brute-force definition. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

test('hand-worked front: dominated points drop out, ties on one axis decide by the other', () => {
  const pts = [
    { bytes: 100, accuracy: 0.9 }, // 0 front
    { bytes: 200, accuracy: 0.85 }, // 1 dominated by 0
    { bytes: 400, accuracy: 0.95 }, // 2 front
    { bytes: 400, accuracy: 0.94 }, // 3 same size, less accurate: dominated by 2
    { bytes: 50, accuracy: 0.5 }, // 4 front (smallest)
    { bytes: 800, accuracy: 0.95 }, // 5 same accuracy, larger: dominated by 2
    { bytes: 100, accuracy: 0.9 }, // 6 equal to 0: both kept
  ];
  assert.deepEqual(kd.compress.paretoFront(pts), [0, 2, 4, 6]);
});

test('agrees with the definition on random sets', () => {
  let s = 7;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  for (let trial = 0; trial < 20; trial++) {
    const pts = Array.from({ length: 12 }, () => ({
      bytes: Math.floor(rand() * 10),
      accuracy: Math.floor(rand() * 10) / 10,
    }));
    const expected: number[] = [];
    for (let i = 0; i < pts.length; i++) {
      let dominated = false;
      for (let j = 0; j < pts.length; j++) {
        const better = pts[j].bytes <= pts[i].bytes && pts[j].accuracy >= pts[i].accuracy;
        const strictly = pts[j].bytes < pts[i].bytes || pts[j].accuracy > pts[i].accuracy;
        if (better && strictly) dominated = true;
      }
      if (!dominated) expected.push(i);
    }
    assert.deepEqual(kd.compress.paretoFront(pts), expected);
  }
});

test('a point without accuracy is an error that says why', () => {
  assert.throws(() => kd.compress.paretoFront([{ bytes: 1, accuracy: null }]), /points\[0\].*accuracy.*test set/);
  assert.throws(() => kd.compress.paretoFront([{ bytes: -1, accuracy: 0.5 }]), /bytes ≥ 0/);
});
