/**
 * The grading API (check, checkClose, checkEqual, checkThrows) in process, with the bundles it displays captured:
 * what a test records when it passes, fails by assertion, throws, rejects, or only logs a warning.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { CHECK_MIME, CheckResult, gradingApi } from '../../kernel/assign/check-api';
import type { MimeBundle } from '../../kernel/display/types';

function api() {
  const shown: MimeBundle[] = [];
  return { shown, ...gradingApi((b) => shown.push(b)) };
}

test('check records a pass, a failed assertion, a thrown error and a thrown non-error, each as CHECK_MIME + text', () => {
  const a = api();
  const results = [
    a.check('passes', 2, () => {}),
    a.check('assertion', 1, () => a.checkEqual(1 + 1, 3)),
    a.check('throws', 1.5, () => {
      throw new RangeError('out of range');
    }),
    a.check('throws a string', 1, () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown non-error, on purpose
      throw 'oops';
    }),
  ];
  const expected: CheckResult[] = [
    { name: 'passes', points: 2, passed: true, message: '' },
    { name: 'assertion', points: 1, passed: false, message: 'checkEqual: got 2, expected 3' },
    { name: 'throws', points: 1.5, passed: false, message: 'RangeError: out of range' },
    { name: 'throws a string', points: 1, passed: false, message: "thrown: 'oops'" },
  ];
  assert.deepEqual(results, expected);
  assert.deepEqual(
    a.shown.map((b) => b.data[CHECK_MIME]),
    expected,
  );
  assert.deepEqual(
    a.shown.map((b) => b.data['text/plain']),
    [
      '✓ passes — 2/2 points',
      '✗ assertion — 0/1 point: checkEqual: got 2, expected 3',
      '✗ throws — 0/1.5 points: RangeError: out of range',
      "✗ throws a string — 0/1 point: thrown: 'oops'",
    ],
  );
  assert.match(String(a.shown[1].data['text/html']), /<b>assertion<\/b>/);
});

test('a test that only logs a warning passes; async tests resolve to their result once settled', async () => {
  const a = api();
  const warn = console.warn;
  console.warn = () => {};
  try {
    assert.equal(a.check('warns', 1, () => console.warn('deprecated')).passed, true);
  } finally {
    console.warn = warn;
  }
  const ok = a.check('async ok', 1, async () => {
    await new Promise((r) => setTimeout(r, 5));
  });
  const bad = a.check('async rejects', 1, async () => {
    await new Promise((r) => setTimeout(r, 5));
    throw new Error('late');
  });
  assert.ok(ok instanceof Promise && bad instanceof Promise);
  assert.equal(a.shown.length, 1, 'async results are shown when they settle');
  assert.deepEqual(await ok, { name: 'async ok', points: 1, passed: true, message: '' });
  assert.deepEqual(await bad, { name: 'async rejects', points: 1, passed: false, message: 'Error: late' });
  assert.equal(a.shown.length, 3);
});

test('check rejects a bad name, points or test function at once (an authoring error, not a failed test)', () => {
  const a = api();
  assert.throws(() => a.check('', 1, () => {}), {
    name: 'TypeError',
    message: "check: expected a non-empty test name, got ''",
  });
  assert.throws(() => a.check('t', -1, () => {}), { message: "check('t'): expected points >= 0, got -1" });
  assert.throws(() => a.check('t', NaN, () => {}), { message: "check('t'): expected points >= 0, got NaN" });
  assert.throws(() => a.check('t', 1, 5 as unknown as () => void), {
    message: "check('t'): expected a test function, got 5",
  });
  assert.equal(a.shown.length, 0);
});

test('checkClose: |actual − expected| <= atol + rtol·|expected| elementwise, on numbers, arrays and tensors', () => {
  const { checkClose } = api();
  checkClose(1 + 1e-6, 1); // 1e-6 <= 1e-8 + 1e-5
  checkClose(
    [
      [1, 2],
      [3, 4],
    ],
    [
      [1, 2],
      [3, 4 + 3e-5],
    ],
  ); // 3e-5 <= 1e-8 + 1e-5·4.00003
  checkClose(tf.tensor2d([[0.5, Infinity]]), [[0.5, Infinity]]);
  checkClose(0.11, 0.1, { atol: 0.02 });
  const fails = (f: () => void, message: string) => assert.throws(f, { name: 'CheckFailure', message });
  // 1e-4 > 1e-8 + 1e-5·1
  fails(
    () => checkClose(1.0001, 1),
    'checkClose: 1 of 1 value not close; worst: 1.0001, expected 1 (|diff| 0.000100 > atol 1e-8 + rtol 0.00001 · |expected|)',
  );
  // Index [1, 0] is the worst of two: |3.5 − 3| = 0.5 beats |2.1 − 2| = 0.1.
  fails(
    () =>
      checkClose(
        [
          [1, 2.1],
          [3.5, 4],
        ],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    'checkClose: 2 of 4 values not close; worst at [1, 0]: 3.5, expected 3 (|diff| 0.500 > atol 1e-8 + rtol 0.00001 · |expected|)',
  );
  fails(
    () => checkClose([NaN], [NaN]),
    'checkClose: 1 of 1 value not close; worst at [0]: NaN, expected NaN (|diff| NaN > atol 1e-8 + rtol 0.00001 · |expected|)',
  );
  fails(() => checkClose(tf.zeros([2, 3]), tf.zeros([3, 2])), 'checkClose: shape [2, 3], expected [3, 2]');
  assert.throws(() => checkClose([[1], [2, 3]], [[1], [2, 3]]), {
    name: 'TypeError',
    message: 'checkClose: actual[1]: ragged array (expected length 1)',
  });
  assert.throws(() => checkClose('1', 1), {
    name: 'TypeError',
    message: "checkClose: actual: expected a number, array or tensor, got '1'",
  });
});

test('checkEqual compares deeply and tensors by shape and values; checkThrows wants an error matching its pattern', async () => {
  const { checkEqual, checkThrows } = api();
  checkEqual({ a: [1, 2] }, { a: [1, 2] });
  checkEqual(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([1, 2], 'int32'));
  assert.throws(() => checkEqual(tf.tensor2d([[1, 2]]), tf.tensor1d([1, 2])), { name: 'CheckFailure' });
  // `(): void`: a function that only throws is typed `never`, which would pick the async overload.
  checkThrows((): void => {
    throw new Error('T must be > 0');
  }, /must be/);
  assert.throws(() => checkThrows(() => 1), { message: 'checkThrows: expected an error, none was thrown' });
  assert.throws(
    () =>
      checkThrows(() => {
        throw new TypeError('bad shape');
      }, 'temperature'),
    { message: "checkThrows: expected an error containing 'temperature', got TypeError: bad shape" },
  );
  await checkThrows(() => Promise.reject(new Error('no')), 'no');
  await assert.rejects(Promise.resolve(checkThrows(async () => {})), {
    message: 'checkThrows: expected an error, none was thrown',
  });
});
