/**
 * kd.losses argument validation (every rule of issue 2 §3: the message names the argument and gives
 * expected vs actual, and nothing leaks when it throws) and the name → loss registry.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as L from '../../lib/losses';
import * as R from '../support/reference';
import { assertClose } from '../support/gradcheck';
import * as backend from '../../lib/backend';
import { testBackends } from '../support/backends';

/** [what, call, patterns the message must contain] */
type Rule = [string, () => unknown, (string | RegExp)[]];

test('invalid arguments throw errors naming the argument with expected vs actual', async (tb) => {
  await tf.setBackend('cpu');
  const a = tf.ones([4, 5]);
  const b = tf.ones([4, 5]);
  const wide = tf.ones([4, 6]);
  const rank3 = tf.ones([4, 5, 1]);
  const empty = tf.ones([0, 5]);
  const emptyT = tf.ones([0, 6]);
  const f4 = tf.ones([4, 3, 3, 2]);
  const y = tf.tensor1d([0, 1, 2, 3], 'int32');
  const small = tf.ones([3, 2]);
  const rules: Rule[] = [
    ['rank mismatch', () => L.kdLoss(a, rank3), ['kdLoss', 'teacherLogits', 'rank 2', 'rank 3']],
    ['student rank', () => L.kdLoss(rank3, a), ['studentLogits', 'rank 2', 'got rank 3']],
    ['shape mismatch', () => L.kdLoss(a, wide), ['teacherLogits', 'shape [4,5]', 'got [4,6]']],
    ['T = 0', () => L.kdLoss(a, b, { temperature: 0 }), ['temperature', '> 0', 'got 0']],
    ['T < 0', () => L.softmaxWithTemperature(a, -2), ['softmaxWithTemperature', 'temperature', 'got -2']],
    ['T NaN', () => L.hintonLoss(a, b, y, { temperature: NaN }), ['hintonLoss', 'temperature', 'got NaN']],
    ['alpha > 1', () => L.hintonLoss(a, b, y, { alpha: 1.5 }), ['hintonLoss', 'alpha', '[0, 1]', 'got 1.5']],
    ['alpha < 0', () => L.hintonLoss(a, b, y, { alpha: -0.1 }), ['alpha', 'got -0.1']],
    ['hinton shape', () => L.hintonLoss(a, wide, y), ['hintonLoss', 'teacherLogits', 'shape [4,5]', 'got [4,6]']],
    [
      'hinton missing labels',
      () => L.hintonLoss(a, b, undefined as unknown as tf.Tensor),
      ['hintonLoss', 'labels', 'got undefined'],
    ],
    ['empty batch', () => L.kdLoss(empty, empty), ['studentLogits', 'empty batch', 'got shape [0,5]']],
    ['empty batch relational', () => L.rkdLoss(empty, emptyT), ['rkdLoss', 's', 'empty batch']],
    [
      'labels out of range',
      () => L.crossEntropy(a, tf.tensor1d([0, 1, 2, 5], 'int32')),
      ['labels[3]', '[0, 4]', 'got 5'],
    ],
    ['labels wrong batch', () => L.crossEntropy(a, tf.tensor1d([0, 1], 'int32')), ['labels', 'batch size 4', 'got 2']],
    ['one-hot wrong width', () => L.crossEntropy(a, tf.ones([4, 3])), ['labels', '[4,5]', 'got [4,3]']],
    [
      'not a tensor',
      () => L.fitnetLoss([1, 2] as unknown as tf.Tensor, a),
      ['fitnetLoss', 'studentFeat', 'tf.Tensor', 'array of length 2'],
    ],
    ['fitnet shape', () => L.fitnetLoss(a, wide), ['fitnetLoss', 'teacherFeat', '[4,5]', 'got [4,6]']],
    [
      'attention rank',
      () => L.attentionTransferLoss(a, f4),
      ['attentionTransferLoss', 'studentFeat', 'rank 4', 'got rank 2'],
    ],
    [
      'attention batch',
      () => L.attentionTransferLoss(f4, tf.ones([2, 3, 3, 2])),
      ['teacherFeat', 'batch size 4', 'got 2'],
    ],
    ['attention p', () => L.attentionTransferLoss(f4, f4, { p: 0 }), ['attentionTransferLoss', 'p', '> 0', 'got 0']],
    ['absolute shape', () => L.absoluteTeacherLoss(a, wide), ['absoluteTeacherLoss', 'tEmb', '[4,5]', 'got [4,6]']],
    [
      'relative batch',
      () => L.relativeTeacherLoss(a, tf.ones([3, 5])),
      ['relativeTeacherLoss', 'tEmb', 'batch size 4', 'got 3'],
    ],
    ['rkd batch', () => L.rkdDistanceLoss(a, tf.ones([3, 6])), ['rkdDistanceLoss', 't', 'batch size 4', 'got 3']],
    ['rkd rank', () => L.rkdAngleLoss(tf.ones([4]), a), ['rkdAngleLoss', 's', 'rank >= 2', 'got rank 1']],
    ['rkd weight', () => L.rkdLoss(a, wide, { angleWeight: -1 }), ['rkdLoss', 'angleWeight', '>= 0', 'got -1']],
    [
      'unknown option',
      () => L.kdLoss(a, b, { temprature: 2 } as never),
      ['kdLoss', "unknown option 'temprature'", 'temperature'],
    ],
    [
      'empty teacher list',
      () => L.multiTeacherKdLoss(a, []),
      ['multiTeacherKdLoss', 'teacherLogitsList', 'non-empty', 'array of length 0'],
    ],
    ['teacher shape', () => L.multiTeacherKdLoss(a, [b, wide]), ['teacherLogitsList[1]', 'shape [4,5]', 'got [4,6]']],
    [
      'weights length',
      () => L.multiTeacherKdLoss(a, [b, b], { weighting: [1, 2, 3] }),
      ['weighting', 'expected length 2', 'got length 3'],
    ],
    [
      'negative weight',
      () => L.multiTeacherKdLoss(a, [b, b], { weighting: [1, -2] }),
      ['weighting[1]', '>= 0', 'got -2'],
    ],
    [
      'zero weights',
      () => L.multiTeacherKdLoss(a, [b, b], { weighting: [0, 0] }),
      ['weighting', 'positive sum', 'got 0'],
    ],
    [
      'unknown weighting',
      () => L.multiTeacherKdLoss(a, [b, b], { weighting: 'max' as never }),
      ['weighting', "'confidence'", "got 'max'"],
    ],
    [
      'confidence without labels',
      () => L.multiTeacherKdLoss(a, [b, b], { weighting: 'confidence' }),
      ['labels', 'required', "'confidence'", 'got undefined'],
    ],
    [
      'multi T',
      () => L.multiTeacherKdLoss(a, [b], { temperature: -1 }),
      ['multiTeacherKdLoss', 'temperature', 'got -1'],
    ],
    ['irg lengths', () => L.irgLoss([a, b], [b]), ['irgLoss', 'teacher', 'expected 2', 'got 1']],
    [
      'irg vertex shape',
      () => L.irgLoss(a, wide),
      ['irgLoss', 'teacher[0]', 'shape [4,5]', 'vertex term', 'got [4,6]', 'vertexWeight: 0'],
    ],
    [
      'irg transform pair index',
      () => L.irgLoss([a, b], [a, b], { transformPairs: [[0, 5]] }),
      ['irgLoss', 'transformPairs[0]', '(0 to 1)', 'got [0, 5]'],
    ],
    [
      'irg transform pair widths',
      () => L.irgLoss([wide, a], [a, b], { transformPairs: [[0, 1]] }),
      ['irgLoss', 'transformPairs[0]', 'student[0]', 'student[1]', 'same per-sample size', 'got 6', 'and 5'],
    ],
    [
      'irg transformPairs kind',
      () => L.irgLoss(a, b, { transformPairs: [[0, -1]] }),
      ['irgLoss', 'transformPairs', '[a, b] pairs', 'array of length 1'],
    ],
    [
      'weights teacher shape',
      () => L.multiTeacherWeights([b, wide]),
      ['multiTeacherWeights', 'teacherLogitsList[1]', 'shape [4,5]', 'got [4,6]'],
    ],
    [
      'weights option',
      () => L.multiTeacherWeights([b], { temperature: 0 }),
      ['multiTeacherWeights', 'temperature', 'got 0'],
    ],
    ['irg batch', () => L.irgLoss([small, a], [small, b]), ['irgLoss', 'student[1]', 'batch size 3', 'got 4']],
    ['irg empty', () => L.irgLoss([], []), ['irgLoss', 'student', 'non-empty', 'array of length 0']],
    ['irg weight', () => L.irgLoss(a, b, { edgeWeight: NaN }), ['irgLoss', 'edgeWeight', 'got NaN']],
  ];
  for (const [what, call, patterns] of rules) {
    await tb.test(what, () => {
      const before = tf.memory().numTensors;
      let message = '';
      assert.throws(call, (e: Error) => ((message = e.message), true), `${what}: expected a throw`);
      for (const p of patterns) {
        const ok = typeof p === 'string' ? message.includes(p) : p.test(message);
        assert.ok(ok, `${what}: message "${message}" should contain ${p}`);
      }
      // tensors created by the rule itself (inline labels) are the only allowed difference
      assert.ok(tf.memory().numTensors - before <= 1, `${what}: leaked ${tf.memory().numTensors - before} tensors`);
    });
  }
  tf.dispose([a, b, wide, rank3, empty, emptyT, f4, y, small]);
});

test('NaN and ±Infinity inputs are refused, naming the argument and the first bad index, on every backend', async (top) => {
  for (const name of await testBackends()) {
    await top.test(name, async (tb) => {
      await backend.init(name);
      /** A [rows, cols] tensor of ones with `bad` at the listed [row, col] positions. */
      const m = (rows: number, cols: number, ...bad: [number, number, number][]) => {
        const v = new Array(rows * cols).fill(1).map((x, i) => x + (i % 7) / 10);
        for (const [r, c, x] of bad) v[r * cols + c] = x;
        return tf.tensor2d(v, [rows, cols]);
      };
      const ok = m(4, 5);
      const y = tf.tensor1d([0, 1, 2, 3], 'int32');
      const f4 = (bad?: number) =>
        tf.tensor4d(
          Array.from({ length: 4 * 2 * 2 * 3 }, (_, i) => (i === 17 ? (bad ?? 1) : 1 + (i % 5) / 10)),
          [4, 2, 2, 3],
        );
      const rules: Rule[] = [
        ['kd student NaN', () => L.kdLoss(m(4, 5, [2, 3, NaN]), ok), ['kdLoss: studentLogits[2,3] is NaN', 'finite']],
        [
          'kd student -Infinity',
          () => L.kdLoss(m(4, 5, [1, 0, -Infinity]), ok),
          ['kdLoss: studentLogits[1,0] is -Infinity'],
        ],
        [
          'kd teacher Infinity',
          () => L.kdLoss(ok, m(4, 5, [3, 4, Infinity])),
          ['kdLoss: teacherLogits[3,4] is Infinity', '-Infinity (probability 0)'],
        ],
        [
          'kd teacher NaN after a -Infinity',
          () => L.kdLoss(ok, m(4, 5, [0, 1, -Infinity], [0, 2, NaN])),
          ['teacherLogits[0,2] is NaN'],
        ],
        [
          'kd teacher row all -Infinity',
          () => L.kdLoss(ok, m(4, 5, ...[0, 1, 2, 3, 4].map((c): [number, number, number] => [2, c, -Infinity]))),
          ['kdLoss: teacherLogits[2] is -Infinity everywhere', 'at least one finite value per row'],
        ],
        [
          'crossEntropy logits',
          () => L.crossEntropy(m(4, 5, [1, 1, Infinity]), y),
          ['crossEntropy: logits[1,1] is Infinity'],
        ],
        ['hinton student', () => L.hintonLoss(m(4, 5, [0, 4, NaN]), ok, y), ['hintonLoss: studentLogits[0,4] is NaN']],
        [
          'hinton negative soft label',
          () =>
            L.hintonLoss(
              ok,
              ok,
              tf.tensor2d([
                [0.5, 0.5, 0, 0, 0],
                [1, 0, 0, 0, 0],
                [0, 1.2, -0.2, 0, 0],
                [0, 0, 0, 0, 1],
              ]),
            ),
          ['hintonLoss: labels[2,2]', 'probability >= 0', 'got -0.2'],
        ],
        [
          'crossEntropy NaN soft label',
          () => L.crossEntropy(ok, m(4, 5, [3, 0, NaN])),
          ['crossEntropy: labels[3,0]', 'got NaN'],
        ],
        [
          'softmaxWithTemperature NaN',
          () => L.softmaxWithTemperature(m(4, 5, [1, 2, NaN]), 2),
          ['softmaxWithTemperature: logits[1,2] is NaN'],
        ],
        [
          'multiTeacher teacher 1',
          () => L.multiTeacherKdLoss(ok, [ok, m(4, 5, [2, 2, Infinity])]),
          ['multiTeacherKdLoss: teacherLogitsList[1][2,2] is Infinity'],
        ],
        [
          'multiTeacher entropy student',
          () => L.multiTeacherKdLoss(m(4, 5, [3, 3, NaN]), [ok, ok], { weighting: 'entropy' }),
          ['multiTeacherKdLoss: studentLogits[3,3] is NaN'],
        ],
        [
          'fitnet teacher',
          () => L.fitnetLoss(ok, m(4, 5, [0, 0, -Infinity])),
          ['fitnetLoss: teacherFeat[0,0] is -Infinity'],
        ],
        [
          'attention student',
          () => L.attentionTransferLoss(f4(NaN), f4()),
          ['attentionTransferLoss: studentFeat[1,0,1,2] is NaN'],
        ],
        [
          'absolute',
          () => L.absoluteTeacherLoss(m(4, 5, [2, 1, Infinity]), ok),
          ['absoluteTeacherLoss: sEmb[2,1] is Infinity'],
        ],
        ['relative', () => L.relativeTeacherLoss(ok, m(4, 5, [3, 2, NaN])), ['relativeTeacherLoss: tEmb[3,2] is NaN']],
        ['rkd', () => L.rkdLoss(m(4, 5, [1, 4, -Infinity]), ok), ['rkdLoss: s[1,4] is -Infinity']],
        ['rkdAngle', () => L.rkdAngleLoss(ok, m(4, 5, [0, 3, NaN])), ['rkdAngleLoss: t[0,3] is NaN']],
        ['irg pair 0', () => L.irgLoss([m(4, 3, [2, 0, NaN]), ok], [m(4, 3), ok]), ['irgLoss: student[0][2,0] is NaN']],
        ['irg single', () => L.irgLoss(ok, m(4, 5, [1, 1, Infinity])), ['irgLoss: teacher[1,1] is Infinity']],
      ];
      for (const [what, call, patterns] of rules) {
        await tb.test(what, () => {
          const before = tf.memory().numTensors;
          let message = '';
          assert.throws(
            () => tf.tidy(call as () => tf.Tensor),
            (e: Error) => ((message = e.message), true),
            `${what}: expected a throw`,
          );
          for (const p of patterns) {
            const found = typeof p === 'string' ? message.includes(p) : p.test(message);
            assert.ok(found, `${what}: message "${message}" should contain ${p}`);
          }
          assert.equal(tf.memory().numTensors, before, `${what}: leaked ${tf.memory().numTensors - before} tensors`);
        });
      }
      tf.dispose([ok, y]);
    });
  }
});

test('registry: names, lookup, uniform TermLoss signature, user registration', async (tb) => {
  await tf.setBackend('cpu');
  const expectedNames = [
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
  ];
  await tb.test('all built-in names are registered', () => {
    for (const n of expectedNames) assert.ok(L.registry.names().includes(n), n);
  });
  await tb.test('unknown name lists the known names', () => {
    assert.throws(
      () => L.registry.get('kdd'),
      (e: Error) => e.message.includes("'kdd'") && expectedNames.every((n) => e.message.includes(n)),
    );
  });
  await tb.test('terms compute the same values as the reference', () => {
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
    const t2 = t.map((r) => r.map((v) => v * 0.5 + 0.1));
    const val = (name: string, st: tf.Tensor | tf.Tensor[], te: tf.Tensor | tf.Tensor[], ctx: L.TermContext): number =>
      tf.tidy(() => L.registry.get(name)(st, te, ctx).dataSync()[0]);
    tf.tidy(() => {
      const S = tf.tensor2d(s);
      const T = tf.tensor2d(t);
      const Y = tf.tensor1d(lab, 'int32');
      assertClose(val('kd', S, T, { options: { temperature: 2 } }), R.kdLoss(s, t, 2), { rtol: 1e-5 });
      assertClose(val('kd', [S], [T], {}), R.kdLoss(s, t, 4), { rtol: 1e-5 }, 'one-element arrays are unwrapped');
      assertClose(val('hinton', S, T, { labels: Y, options: { alpha: 0.3 } }), R.hintonLoss(s, t, lab, 4, 0.3), {
        rtol: 1e-5,
      });
      assertClose(val('fitnet', S, T, {}), R.fitnetLoss(s.flat(), t.flat()), { rtol: 1e-5 });
      assertClose(val('absolute', S, T, {}), R.absoluteTeacherLoss(s, t), { rtol: 1e-5 });
      assertClose(val('relative', S, T, {}), R.relativeTeacherLoss(s, t), { rtol: 1e-5 });
      assertClose(val('rkd', S, T, { options: { angleWeight: 1 } }), R.rkdLoss(s, t, 25, 1), { rtol: 1e-4 });
      assertClose(val('rkdDistance', S, T, {}), R.rkdDistanceLoss(s, t), { rtol: 1e-4 });
      assertClose(val('rkdAngle', S, T, {}), R.rkdAngleLoss(s, t), { rtol: 1e-4 });
      const f = (m: number[][]) => tf.tensor4d(m.flat(), [4, 1, 3, 1]);
      assertClose(
        val('attention', f(s), f(t), {}),
        R.attentionTransferLoss(
          s.map((r) => [r.map((v) => [v])]),
          t.map((r) => [r.map((v) => [v])]),
        ),
        { rtol: 1e-4, atol: 1e-6 },
      );
      // multiTeacher: teacher is a tensor per teacher; ctx.labels feeds 'confidence'
      assertClose(
        val('multiTeacher', S, [T, tf.tensor2d(t2)], {
          labels: Y,
          options: { weighting: 'confidence', temperature: 3 },
        }),
        R.multiTeacherKdLoss(s, [t, t2], 3, 'confidence', lab),
        { rtol: 1e-5 },
      );
      // irg: arrays of (features..., logits) pairs, or single tensors
      assertClose(val('irg', [T, S], [S, T], { options: { edgeWeight: 1 } }), R.irgLoss([t, s], [s, t], 0.1, 1), {
        rtol: 1e-5,
      });
      assertClose(val('irg', S, T, {}), R.irgLoss([s], [t]), { rtol: 1e-5 });
    });
  });
  await tb.test('term misuse is reported', () => {
    const S = tf.ones([2, 3]);
    assert.throws(() => L.registry.get('hinton')(S, S, {}), /hinton.*labels/);
    assert.throws(() => L.registry.get('kd')([S, S], S, {}), /'kd'.*student.*single tf\.Tensor.*length 2/);
    assert.throws(() => L.registry.get('fitnet')(S, S, { options: { p: 2 } }), /'fitnet'.*no options.*p/);
    assert.throws(() => L.registry.get('rkd')(S, S, { options: { weight: 2 } }), /unknown option 'weight'/);
    S.dispose();
  });
  await tb.test('register: user terms, built-ins protected', () => {
    const custom: L.TermLoss = (s, t) => tf.tidy(() => tf.sum(tf.sub(s as tf.Tensor, t as tf.Tensor)));
    L.registry.register('myDiff', custom);
    L.registry.register('myDiff', custom); // re-running a notebook cell is fine
    assert.ok(L.registry.has('myDiff'));
    assert.equal(L.registry.get('myDiff'), custom);
    assert.throws(() => L.registry.register('kd', custom), /'kd' is a built-in/);
    assert.throws(() => L.registry.register('', custom), /name must be a non-empty string/);
    assert.throws(() => L.registry.register('x', 3 as never), /fn must be a function.*got 3/);
  });
});
