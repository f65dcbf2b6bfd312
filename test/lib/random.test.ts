/**
 * lib/common/random.ts, kdlab's one seeded generator. The expected draws come from a separate implementation of
 * mulberry32 in Python's arbitrary-precision integers (reduced mod 2^32 by hand), not from this code.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mulberry32, permutation, SeededRandom } from '../../lib/common/random';

test('mulberry32: the reference sequence, seeds taken modulo 2^32, non-integer seeds refused', () => {
  const r = mulberry32(42);
  // Python: a += 0x6d2b79f5; t = imul(a ^ a>>15, a|1); t ^= t + imul(t ^ t>>7, t|61); (t ^ t>>14) / 2^32
  assert.deepEqual([r(), r(), r()], [0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  assert.equal(mulberry32(2 ** 32 + 42)(), 0.6011037519201636);
  assert.equal(mulberry32(-1)(), 0.8964226141106337);
  assert.throws(() => mulberry32(1.5), /seed must be a finite integer, got 1\.5/);
  assert.throws(() => mulberry32(NaN), /seed must be a finite integer, got NaN/);
});

test('permutation: a permutation of 0..n-1, seeded, and clear errors', () => {
  const p = permutation(1000, 5);
  assert.deepEqual(
    Array.from(p).sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(Array.from(permutation(1000, 5)), Array.from(p));
  assert.notDeepEqual(Array.from(p), Array.from(permutation(1000, 6)));
  assert.deepEqual(Array.from(permutation(0, 1)), []);
  assert.throws(() => permutation(-1, 0), /n must be a non-negative integer, got -1/);
});

test('SeededRandom.during: Math.random draws the seeded stream inside, and is restored after, even on a throw', () => {
  const original = Math.random;
  const a = new SeededRandom(7),
    b = new SeededRandom(7);
  const inside = a.during(() => [Math.random(), Math.random()]);
  assert.deepEqual(inside, [b.next(), b.next()]);
  assert.equal(Math.random, original);
  assert.throws(
    () =>
      a.during(() => {
        throw new Error('step failed');
      }),
    /step failed/,
  );
  assert.equal(Math.random, original);
  // the step stream is not the plain mulberry32(seed) stream that data batching also derives from the seed
  assert.notEqual(new SeededRandom(7).next(), mulberry32(7)());
});

test('SeededRandom.during with a frozen Math (kdlab assign grade): runs the function as it is and warns once', () => {
  // A child process, since freezing this process's Math would leave it frozen for the other tests.
  const lib = JSON.stringify(path.resolve(__dirname, '..', '..', 'lib', 'common', 'random.js'));
  const script = `
    const { SeededRandom } = require(${lib});
    Object.freeze(Math);
    const r = new SeededRandom(3);
    const a = r.during(() => Math.random());
    const b = r.during(() => 40 + 2);
    console.log(JSON.stringify({ a: typeof a, b, random: Math.random === Math.random }));`;
  const p = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(p.status, 0, p.stderr);
  assert.deepEqual(JSON.parse(p.stdout), { a: 'number', b: 42, random: true });
  assert.equal(p.stderr.match(/Math\.random is frozen here/g)?.length, 1, p.stderr);
});
