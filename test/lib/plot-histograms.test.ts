/** kd.plot.histograms: bin fractions counted by hand, shared bins across series, and bad input named. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as kd from '../../lib';

interface Line {
  name: string;
  x: number[];
  y: number[];
}
const lines = (f: kd.plot.Figure) => (f.toJSON() as unknown as { data: Line[] }).data;

test('fractions per bin, the last bin closed at high', () => {
  // bins [0, 0.5) and [0.5, 1]: {0, 0.1} and {0.5, 0.99, 1}
  const f = kd.plot.histograms({ a: [0, 0.1, 0.5, 0.99, 1] }, { bins: 2, range: [0, 1] });
  const [a] = lines(f);
  assert.deepEqual(a.x, [0.25, 0.75]);
  assert.deepEqual(a.y, [0.4, 0.6]);
});

test('series of different sizes share the bins of the default range', () => {
  // range [−1, 3] from all values, 4 bins of width 1: a = {−1, 0, 0.5} → [1, 2, 0, 0] / 3; b = {3, 2.5} → [0, 0, 0, 2] / 2
  const [a, b] = lines(kd.plot.histograms({ a: [-1, 0, 0.5], b: [3, 2.5] }, { bins: 4 }));
  assert.deepEqual(a.x, [-0.5, 0.5, 1.5, 2.5]);
  assert.deepEqual(a.y, [1 / 3, 2 / 3, 0, 0]);
  assert.deepEqual(b.y, [0, 0, 0, 1]);
  assert.deepEqual([a.name, b.name], ['a', 'b']);
});

test('bad input is named', () => {
  assert.throws(
    () => kd.plot.histograms({ a: [0, 2] }, { range: [0, 1] }),
    /"a"\[1\] = 2 lies outside the range \[0, 1\]/,
  );
  assert.throws(() => kd.plot.histograms({ a: [] }), /"a": expected at least 1 value/);
  assert.throws(() => kd.plot.histograms({}), /at least one series/);
  assert.throws(() => kd.plot.histograms({ a: [1] }, { bins: 0 }), /bins must be an integer >= 1, got 0/);
  assert.throws(() => kd.plot.histograms({ a: [1, NaN] }), /histograms: "a"/);
});
