/**
 * The live page's stroke → MNIST input (kernel/export/browser/digit-input.ts) on hand-computed cases: where a
 * drawn square, a wide and a tall bar, and an off-centre "Γ" land in the 28×28 field, the area-averaging weights,
 * and the temperature softmax / entropy the page shows.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { areaWeights, centreOfMass, entropyBits, softmax, toMnistInput } from '../../kernel/export/browser/digit-input';

/** A width × height canvas with `value` inside [x0, x1) × [y0, y1). */
function canvas(width: number, height: number, rects: [number, number, number, number][], value = 1): Float32Array {
  const c = new Float32Array(width * height);
  for (const [x0, y0, x1, y1] of rects)
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) c[y * width + x] = value;
  return c;
}

/** The expected field: `value` at rows [r0, r1) × columns [c0, c1), 0 elsewhere. */
function block(r0: number, r1: number, c0: number, c1: number, value = 1): Float32Array {
  const f = new Float32Array(784);
  for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) f[r * 28 + c] = value;
  return f;
}

function assertField(actual: Float32Array | null, expected: Float32Array, what: string, tol = 1e-6): void {
  assert.ok(actual, `${what}: an input`);
  assert.equal(actual.length, 784);
  for (let i = 0; i < 784; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}: pixel (row ${Math.floor(i / 28)}, col ${i % 28}) is ${actual[i]}, expected ${expected[i]}`,
    );
}

test('area weights: 3 pixels onto 2 split the middle one in halves', () => {
  const w = areaWeights(3, 2);
  // Target 0 spans [0, 1.5): all of pixel 0 and half of pixel 1, over a span of 1.5.
  assert.deepEqual(
    w.map((r) => r.map((v) => Number(v.toFixed(12)))),
    [
      [0.666666666667, 0.333333333333, 0],
      [0, 0.333333333333, 0.666666666667],
    ],
  );
  assert.deepEqual(areaWeights(2, 2), [
    [1, 0],
    [0, 1],
  ]);
});

test('a drawn square becomes the 20×20 block at rows and columns 4–23: centre of mass (14, 14)', () => {
  // 60×60 of ink anywhere on a 280×280 pad: scaled by 1/3 to 20×20, centre of mass (10, 10) moved to (14, 14).
  const x = toMnistInput(canvas(280, 280, [[100, 50, 160, 110]]), 280, 280);
  assertField(x, block(4, 24, 4, 24), 'square');
  assert.deepEqual(centreOfMass(x!, 28, 28), { x: 14, y: 14 });
  // Grey ink stays grey: averaging never leaves [0, 1].
  assertField(toMnistInput(canvas(280, 280, [[100, 50, 160, 110]], 0.5), 280, 280), block(4, 24, 4, 24, 0.5), 'grey');
});

test('aspect ratio kept: a 100×50 bar becomes 20×10 (rows 9–18), a 30×90 bar 7×20 with half-pixel edges', () => {
  assertField(toMnistInput(canvas(280, 280, [[20, 200, 120, 250]]), 280, 280), block(9, 19, 4, 24), 'wide bar');
  // 30×90 scaled by 20/90: 6.67 → 7 columns, 20 rows. Its centre of mass x = 3.5 must go to 14: a shift of 10.5,
  // so every column is split between two neighbours: columns 10 and 17 get half, 11–16 all of it.
  const tall = toMnistInput(canvas(280, 280, [[200, 100, 230, 190]]), 280, 280);
  const expected = block(4, 24, 11, 17);
  for (let r = 4; r < 24; r++) expected[r * 28 + 10] = expected[r * 28 + 17] = 0.5;
  assertField(tall, expected, 'tall bar');
});

test('an off-centre shape: a "Γ" is moved by a sub-pixel shift so its centre of mass is exactly (14, 14)', () => {
  // A 20×10 "Γ" (a top row of 20 pixels and a left column of 9 below it, 29 pixels) needs no scaling. Its centre
  // of mass, by hand: x = (Σ_{j=0}^{19} (j + 0.5) + 9 · 0.5) / 29 = 204.5 / 29 = 7.051724,
  // y = (20 · 0.5 + Σ_{i=1}^{9} (i + 0.5)) / 29 = 59.5 / 29 = 2.051724. The shifts to 14 are 6.948276 and
  // 11.948276: 6 and 11 whole pixels, and each pixel's ink split (1 − f) : f with f = 0.948276 between two neighbours.
  const x = toMnistInput(
    canvas(50, 40, [
      [10, 5, 30, 6],
      [10, 6, 11, 15],
    ]),
    50,
    40,
  )!;
  const f = 14 - 204.5 / 29 - 6;
  assert.ok(Math.abs(f - (14 - 59.5 / 29 - 11)) < 1e-12);
  // Pixel (row 11, col 6) gets only the corner's share (1 − f)²; (11, 7) the corner's (1 − f)·f plus its right
  // neighbour's (1 − f)², which add up to (1 − f); (12, 7) gets the corner's f², its two neighbours' f·(1 − f) each
  // (right along the row, down the column) and nothing else: f² + 2f(1 − f).
  const at = (r: number, c: number) => x[r * 28 + c];
  assert.ok(Math.abs(at(11, 6) - (1 - f) ** 2) < 1e-6, `corner ${at(11, 6)} vs ${(1 - f) ** 2}`);
  assert.ok(Math.abs(at(11, 7) - (1 - f)) < 1e-6, `next ${at(11, 7)} vs ${1 - f}`);
  assert.ok(Math.abs(at(12, 7) - (f * f + 2 * f * (1 - f))) < 1e-6, `inner ${at(12, 7)}`);
  assert.ok(Math.abs(x.reduce((a, v) => a + v, 0) - 29) < 1e-4, 'no ink lost');
  const c = centreOfMass(x, 28, 28)!;
  assert.ok(Math.abs(c.x - 14) < 1e-5 && Math.abs(c.y - 14) < 1e-5, `centre of mass (${c.x}, ${c.y})`);
});

test('a blank pad gives no input; a wrong-sized one is a clear error', () => {
  assert.equal(toMnistInput(new Float32Array(280 * 280), 280, 280), null);
  assert.throws(() => toMnistInput(new Float32Array(100), 280, 280), /expected 280×280 = 78400 values, got 100/);
});

test('temperature softmax and entropy, against closed forms', () => {
  // logits (0, ln 3): softmax (1/4, 3/4); at T = 2 the odds are √3 : 1.
  const p1 = softmax([0, Math.log(3)], 1);
  assert.ok(Math.abs(p1[0] - 0.25) < 1e-12 && Math.abs(p1[1] - 0.75) < 1e-12);
  const p2 = softmax([0, Math.log(3)], 2);
  assert.ok(Math.abs(p2[1] - Math.sqrt(3) / (1 + Math.sqrt(3))) < 1e-12);
  // Large logits stay finite (the max is subtracted first).
  assert.deepEqual(softmax([1000, 1000], 1), [0.5, 0.5]);
  assert.equal(entropyBits([0.5, 0.5]), 1);
  assert.ok(Math.abs(entropyBits(new Array(10).fill(0.1)) - Math.log2(10)) < 1e-12);
  assert.equal(entropyBits([1, 0, 0]), 0);
});
