/**
 * kd.terms (typed term constructors) and the options declarations behind them: a constructor builds the
 * Term a JSON config would spell, with the documented defaults; bad options are refused at run time with
 * a message naming the loss, the option and what was expected; the registry is built from the constructors.
 * Compile-time refusals (typos, wrong types) are in terms.types.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as kd from '../../lib';
import { defineOptions, fraction, nonNegative, oneOf, option, positive } from '../../lib/losses/options';
import * as R from '../support/reference';
import { assertClose } from '../support/gradcheck';

const s = [
  [0.5, -1, 2],
  [1, 0, -0.5],
  [2, 2, 0],
  [-1, 0.3, 0.2],
];
const t = [
  [1, -2, 1],
  [0, 0.5, -1],
  [1, 3, 0.5],
  [-2, 1, 0],
];
const lab = [2, 0, 1, 1];

/** The value of a Term's loss, evaluated the way the Distiller does (registry lookup by name, options from the term). */
function termValue(
  term: kd.distill.Term,
  st: tf.Tensor | tf.Tensor[],
  te: tf.Tensor | tf.Tensor[],
  labels?: tf.Tensor,
): number {
  assert.equal(typeof term.loss, 'string');
  return tf.tidy(
    () =>
      kd.losses.registry
        .get(term.loss as string)(st, te, { labels, options: term.options })
        .dataSync()[0],
  );
}

test('constructors build the JSON-form Term, every option at its given value or documented default', () => {
  assert.deepEqual(kd.terms.hinton(), { loss: 'hinton', options: { temperature: 4, alpha: 0.9 } });
  assert.deepEqual(kd.terms.hinton({ alpha: 0.5, weight: 2 }), {
    loss: 'hinton',
    weight: 2,
    options: { temperature: 4, alpha: 0.5 },
  });
  assert.deepEqual(kd.terms.kd({ temperature: 2, name: 'soft' }), {
    loss: 'kd',
    name: 'soft',
    options: { temperature: 2 },
  });
  assert.deepEqual(kd.terms.attention(), { loss: 'attention', options: { p: 2 } });
  assert.deepEqual(kd.terms.rkd({ angleWeight: 0 }), { loss: 'rkd', options: { distanceWeight: 25, angleWeight: 0 } });
  assert.deepEqual(kd.terms.irg(), {
    loss: 'irg',
    options: { vertexWeight: 0.1, edgeWeight: 5, transformWeight: 5, transformPairs: [] },
  });
  assert.deepEqual(kd.terms.irg({ vertexWeight: 0, transformPairs: [[0, 1]] }).options, {
    vertexWeight: 0,
    edgeWeight: 5,
    transformWeight: 5,
    transformPairs: [[0, 1]],
  });
  assert.deepEqual(kd.terms.multiTeacher({ teacherIndex: 1 }), {
    loss: 'multiTeacher',
    teacherIndex: 1,
    options: { temperature: 4, weighting: 'mean' },
  });
  // losses without options carry none; the Term fields pass through unchanged
  const adapter = kd.models.adapter({ from: [3], to: [3] });
  const fit = kd.terms.fitnet({ studentLayer: 'a', teacherLayer: ['b'], adapter, weight: 0.5 });
  assert.deepEqual(Object.keys(fit).sort(), ['adapter', 'loss', 'studentLayer', 'teacherLayer', 'weight']);
  assert.equal(fit.adapter, adapter);
  assert.deepEqual(kd.terms.absolute(), { loss: 'absolute' });
  assert.deepEqual(kd.terms.relative({ weight: 3 }), { loss: 'relative', weight: 3 });
  assert.deepEqual(kd.terms.rkdDistance(), { loss: 'rkdDistance' });
  assert.deepEqual(kd.terms.rkdAngle(), { loss: 'rkdAngle' });
  adapter.dispose();
});

test('a constructed term computes the reference loss at the defaults (T = 4, alpha = 0.9, RKD 25/50, IRG 0.1/5)', async () => {
  await tf.setBackend('cpu');
  const t2 = t.map((r) => r.map((v) => v * 0.5 + 0.1));
  tf.tidy(() => {
    const S = tf.tensor2d(s);
    const T = tf.tensor2d(t);
    const Y = tf.tensor1d(lab, 'int32');
    assertClose(termValue(kd.terms.kd(), S, T), R.kdLoss(s, t, 4), { rtol: 1e-5 });
    assertClose(termValue(kd.terms.hinton(), S, T, Y), R.hintonLoss(s, t, lab, 4, 0.9), { rtol: 1e-5 });
    assertClose(termValue(kd.terms.hinton({ temperature: 2, alpha: 0.3 }), S, T, Y), R.hintonLoss(s, t, lab, 2, 0.3), {
      rtol: 1e-5,
    });
    assertClose(termValue(kd.terms.rkd(), S, T), R.rkdLoss(s, t, 25, 50), { rtol: 1e-4 });
    assertClose(termValue(kd.terms.irg(), [T, S], [S, T]), R.irgLoss([t, s], [s, t], 0.1, 5), { rtol: 1e-5 });
    // the transformation term through the typed term: pair (0, 1) of [t, s] / [s, t], widths equal per network
    assertClose(
      termValue(kd.terms.irg({ transformWeight: 2, transformPairs: [[0, 1]] }), [T, S], [S, T]),
      R.irgLoss([t, s], [s, t], 0.1, 5, { transformWeight: 2, transformPairs: [[0, 1]] }),
      { rtol: 1e-5 },
    );
    assertClose(
      termValue(kd.terms.multiTeacher({ weighting: 'confidence', temperature: 3 }), S, [T, tf.tensor2d(t2)], Y),
      R.multiTeacherKdLoss(s, [t, t2], 3, 'confidence', lab),
      { rtol: 1e-5 },
    );
    assertClose(termValue(kd.terms.fitnet(), S, T), R.fitnetLoss(s.flat(), t.flat()), { rtol: 1e-5 });
  });
});

test('bad options are refused when the term is built, naming the loss, the option and what was expected', () => {
  /** [call, parts the message must contain] */
  const cases: [() => unknown, string[]][] = [
    [() => kd.terms.hinton({ alpha: 1.5 }), ['kd.terms.hinton', 'alpha', 'a number in [0, 1]', 'got 1.5']],
    [
      () => kd.terms.hinton({ temperature: '4' as never }),
      ['kd.terms.hinton', 'temperature', 'a finite number > 0', "got '4'"],
    ],
    [
      () => kd.terms.kd({ temprature: 2 } as never),
      ['kd.terms.kd', "unknown option 'temprature'", 'temperature', 'weight', 'teacherLayer'],
    ],
    [() => kd.terms.rkd({ distanceWeight: -1 }), ['kd.terms.rkd', 'distanceWeight', '>= 0', 'got -1']],
    [() => kd.terms.attention({ p: 0 }), ['kd.terms.attention', 'p', '> 0', 'got 0']],
    [() => kd.terms.irg({ edgeWeight: NaN }), ['kd.terms.irg', 'edgeWeight', 'got NaN']],
    [() => kd.terms.irg({ transformWeight: -2 }), ['kd.terms.irg', 'transformWeight', '>= 0', 'got -2']],
    [
      () => kd.terms.irg({ transformPairs: [[0, 0]] }),
      ['kd.terms.irg', 'transformPairs', 'two different layer indices', 'array of length 1'],
    ],
    [
      () => kd.terms.multiTeacher({ weighting: 'max' as never }),
      ['kd.terms.multiTeacher', 'weighting', "'entropy'", "got 'max'"],
    ],
    [() => kd.terms.fitnet({ p: 2 } as never), ['kd.terms.fitnet', "unknown option 'p'", 'studentLayer']],
    [() => kd.terms.kd([1] as never), ['kd.terms.kd', 'plain object', 'array of length 1']],
  ];
  for (const [call, parts] of cases) {
    assert.throws(call, (e: Error) => {
      for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" should contain ${p}`);
      return true;
    });
  }
});

test('the JSON form gets the same run-time checks, from the loss itself, at the first use', async () => {
  await tf.setBackend('cpu');
  const S = tf.tensor2d(s);
  const Y = tf.tensor1d(lab, 'int32');
  const hinton = kd.losses.registry.get('hinton');
  assert.throws(
    () => hinton(S, S, { labels: Y, options: { alpha: 2 } }),
    /^Error: hintonLoss: alpha must be a number in \[0, 1\], got 2$/,
  );
  assert.throws(
    () => hinton(S, S, { labels: Y, options: { alpha: 'high' } }),
    /hintonLoss: alpha must be a number in \[0, 1\], got 'high'/,
  );
  assert.throws(
    () => kd.losses.registry.get('irg')(S, S, { options: { vertexweight: 1 } }),
    /irgLoss: unknown option 'vertexweight'; expected one of: vertexWeight, edgeWeight/,
  );
  assert.throws(
    () => kd.losses.tripletLoss(S, tf.tensor1d([0, 0, 1, 1]), { mining: 'hard' as never }),
    /tripletLoss: mining must be one of 'batchHard', 'semiHard', 'distanceWeighted', got 'hard'/,
  );
  tf.dispose([S, Y]);
});

test("the registry holds exactly the constructors, under the constructors' names", () => {
  const names = Object.keys(kd.terms);
  assert.deepEqual(names, [
    'kd',
    'hinton',
    'fitnet',
    'attention',
    'absolute',
    'relative',
    'rkd',
    'rkdDistance',
    'rkdAngle',
    'multiTeacher',
    'irg',
    'graphSmoothedKd',
  ]);
  for (const [key, ctor] of Object.entries(kd.terms)) {
    assert.equal(ctor.lossName, key);
    assert.equal(kd.losses.registry.get(key), ctor.loss);
  }
  assert.deepEqual(kd.losses.registry.names().slice(0, names.length), names);
});

test('defineOptions: defaults, allowed names, checks and messages from one declaration', () => {
  const decl = defineOptions('myLoss', {
    t: positive(4),
    w: nonNegative(0),
    a: fraction(0.5),
    mode: oneOf(['x', 'y'], 'x'),
    list: option<number[]>([], 'an array of numbers', (v) => Array.isArray(v) && v.every((n) => typeof n === 'number')),
  });
  assert.deepEqual(decl.names, ['t', 'w', 'a', 'mode', 'list']);
  assert.deepEqual(decl.resolve(undefined), { t: 4, w: 0, a: 0.5, mode: 'x', list: [] });
  assert.deepEqual(decl.resolve({ t: 1, mode: 'y', w: undefined }), { t: 1, w: 0, a: 0.5, mode: 'y', list: [] });
  const refused: [unknown, string][] = [
    [{ t: 0 }, 'myLoss: t must be a finite number > 0, got 0'],
    [{ t: Infinity }, 'myLoss: t must be a finite number > 0, got Infinity'],
    [{ w: -0.5 }, 'myLoss: w must be a finite number >= 0, got -0.5'],
    [{ a: 1.01 }, 'myLoss: a must be a number in [0, 1], got 1.01'],
    [{ mode: 'z' }, "myLoss: mode must be one of 'x', 'y', got 'z'"],
    [{ list: [1, '2'] }, 'myLoss: list must be an array of numbers, got an array of length 2'],
    [{ tt: 1 }, "myLoss: unknown option 'tt'; expected one of: t, w, a, mode, list"],
    [3, 'myLoss: options must be a plain object, got 3'],
  ];
  for (const [given, message] of refused) assert.throws(() => decl.resolve(given), { message });
  assert.throws(() => decl.resolve({ a: -1 }, 'kd.terms.mine'), {
    message: 'kd.terms.mine: a must be a number in [0, 1], got -1',
  });
});
