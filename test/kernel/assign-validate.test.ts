/**
 * `kdlab assign validate` end to end (real kernels, cpu backend): the per-test table and the visible score of
 * A1's source, its student version, and a partly solved one; and, on a small notebook, a test that only warns
 * (passes), an async test, and a test cell that fails before its checks run (loses their points). The student
 * versions are made in process (studentVersion, with the visible points written by hand) so that these runs
 * need no release self-check; expected scores are counted by hand from the notebooks' tests.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestKernelspec } from '../support/test-kernelspec';
import { kdlabAssign, nbCell, writeAssignment } from '../support/kdlab-assign';
import { readNotebook, writeNotebook } from '../../kernel/runner/notebook';
import { studentVersion } from '../../kernel/assign/release';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const A1 = path.join(ROOT, 'notebooks', 'assignments', 'a1-temperature-softmax', 'a1-temperature-softmax.ipynb');
const { tmp, jupyterPath } = makeTestKernelspec('kdlab-assign-validate-');
const opts = { tmp, jupyterPath };

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The table's rows as [result, points, cell, test, message], and the summary lines after it. */
function parse(stdout: string): { rows: string[][]; summary: string[] } {
  const lines = stdout.trimEnd().split('\n');
  const header = lines.findIndex((l) => l.startsWith('result'));
  const end = lines.findIndex((l) => l.startsWith('visible score'));
  assert.ok(header >= 0 && end > header, stdout);
  return { rows: lines.slice(header + 1, end).map((l) => l.split(/ {2,}/)), summary: lines.slice(end) };
}

/** A1's student version, with `solve` applied to its cells (grade_id → new source). */
function a1Student(name: string, solve: Record<string, string> = {}): string {
  const nb = studentVersion(
    readNotebook(A1),
    A1,
    new Map([
      ['softmax_tests', 5],
      ['kdloss_tests', 5],
    ]),
  );
  for (const c of nb.cells) {
    const id = (c.metadata.nbgrader as { grade_id?: string } | undefined)?.grade_id;
    if (id && solve[id] !== undefined) c.source = solve[id];
  }
  const file = path.join(tmp, name, 'a1-temperature-softmax.ipynb');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeNotebook(file, nb);
  return file;
}

test('A1 source: every visible test passes, 10/10 (5 + 5), and the 2 hand-graded points are named', async () => {
  const r = await kdlabAssign(['validate', A1], opts);
  assert.equal(r.code, 0, r.stderr);
  const { rows, summary } = parse(r.stdout);
  assert.equal(rows.length, 10);
  for (const row of rows) assert.deepEqual([row[0], row[1], row.length], ['ok', '1/1', 4], row.join(' | '));
  assert.deepEqual(
    rows.map((row) => row[2]),
    [...Array(5).fill('softmax_tests'), ...Array(5).fill('kdloss_tests')],
  );
  assert.deepEqual(summary, ['visible score: 10/10', 'not scored here: 2 points of answers graded by hand']);
});

test('A1 student version: every visible test fails with the stub error, 0/10', async () => {
  const r = await kdlabAssign(['validate', a1Student('stub')], opts);
  assert.equal(r.code, 1, r.stderr);
  const { rows, summary } = parse(r.stdout);
  assert.equal(rows.length, 10);
  for (const [i, row] of rows.entries()) {
    const impl = i < 5 ? 'softmax_impl' : 'kdloss_impl';
    assert.deepEqual([row[0], row[1], row[4]], ['FAIL', '0/1', `Error: not implemented: ${impl}`]);
  }
  assert.deepEqual(summary, ['visible score: 0/10', 'not scored here: 2 points of answers graded by hand']);
});

test('A1 with the softmax solved (another way) and a self-awarded check in a solution cell: 5/10', async () => {
  const softmax = [
    'function softmaxT(logits: tf.Tensor2D, T: number): tf.Tensor2D {',
    '  return tf.tidy(() => {',
    '    const z = tf.div(logits, T);',
    '    return tf.exp(tf.sub(z, tf.logSumExp(z, -1, true))) as tf.Tensor2D;',
    '  });',
    '}',
    "check('free points', 100, () => {});",
  ].join('\n');
  const r = await kdlabAssign(['validate', a1Student('partial', { softmax_impl: softmax })], opts);
  assert.equal(r.code, 1, r.stderr);
  const { rows, summary } = parse(r.stdout);
  assert.deepEqual(
    rows.map((row) => [row[0], row[2]]),
    [...Array(5).fill(['ok', 'softmax_tests']), ...Array(5).fill(['FAIL', 'kdloss_tests'])],
  );
  assert.ok(!r.stdout.includes('free points'), 'a check outside the test cells is not scored');
  assert.equal(summary[0], 'visible score: 5/10');
});

test('a test that warns passes, an awaited async test counts, a test cell that stops early loses its visible points', async () => {
  const cells = [
    nbCell('code', 'function f(): number {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}', 'f_impl', {
      solution: true,
    }),
    nbCell(
      'code',
      [
        'const v = f();',
        "check('f() is 1', 1, () => checkEqual(v, 1));",
        "check('warns but passes', 1, () => {",
        "  console.warn('careful');",
        "  process.stderr.write('stderr too\\n');",
        '});',
        "await check('async', 1, async () => {",
        '  await new Promise((r) => setTimeout(r, 10));',
        '  checkEqual(f(), 1);',
        '});',
      ].join('\n'),
      'f_tests',
      { grade: true, points: 3 },
    ),
  ];
  const source = writeAssignment(path.join(tmp, 'small', 'small.ipynb'), cells);
  let r = await kdlabAssign(['validate', source], opts);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  let p = parse(r.stdout);
  assert.deepEqual(
    p.rows.map((row) => row.slice(0, 4)),
    [
      ['ok', '1/1', 'f_tests', 'f() is 1'],
      ['ok', '1/1', 'f_tests', 'warns but passes'],
      ['ok', '1/1', 'f_tests', 'async'],
    ],
  );
  assert.deepEqual(p.summary, ['visible score: 3/3']);

  const student = path.join(tmp, 'small-student', 'small.ipynb');
  fs.mkdirSync(path.dirname(student), { recursive: true });
  writeNotebook(student, studentVersion(readNotebook(source), source, new Map([['f_tests', 3]])));
  r = await kdlabAssign(['validate', student], opts);
  assert.equal(r.code, 1);
  p = parse(r.stdout);
  assert.deepEqual(p.rows, [
    ['FAIL', '0/3', 'f_tests', "(cell 2 (code, grade_id 'f_tests') stopped)", 'Error: not implemented: f_impl'],
  ]);
  assert.deepEqual(p.summary, ['visible score: 0/3']);
});
