/**
 * `kdlab assign release` end to end (real kernels, cpu backend): assignment A1's student version, and the
 * self-check refusing a source whose solution fails its tests, tests the stub passes, points that do not add
 * up and a stub that does not type-check. Errors found without a kernel come first and cost none.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestKernelspec } from '../support/test-kernelspec';
import { kdlabAssign, nbCell, writeAssignment } from '../support/kdlab-assign';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const A1 = path.join(ROOT, 'notebooks', 'assignments', 'a1-temperature-softmax');
const { tmp, jupyterPath } = makeTestKernelspec('kdlab-assign-release-');
const opts = { tmp, jupyterPath };
const src = (c: { source: string | string[] }) => [c.source].flat().join('');

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('release A1: stubs, cleared outputs, locked test cells, checksums, and no hidden test in what is written', async () => {
  const out = path.join(tmp, 'a1-out');
  const r = await kdlabAssign(['release', A1, '--out', out], opts);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /self-check passed \(10 visible points\)/);
  // Only the student notebook: not the hidden tests, not the instructor's README.
  assert.deepEqual(fs.readdirSync(out), ['a1-temperature-softmax.ipynb']);
  const written = fs.readFileSync(path.join(out, 'a1-temperature-softmax.ipynb'), 'utf8');
  const nb = JSON.parse(written);
  const byId = new Map<string, any>(nb.cells.map((c: any) => [c.metadata.nbgrader?.grade_id, c]));
  assert.equal(
    src(byId.get('softmax_impl')),
    '/** softmax(logits / T) over the last axis of [N, C] logits; finite for any finite logits. */\n' +
      'function softmaxT(logits: tf.Tensor2D, T: number): tf.Tensor2D {\n' +
      '  throw new Error("not implemented: softmax_impl");\n}',
  );
  assert.match(src(byId.get('kdloss_impl')), /^ {2}throw new Error\("not implemented: kdloss_impl"\);$/m);
  assert.doesNotMatch(src(byId.get('kdloss_impl')), /logSumExp/);
  const why = src(byId.get('why_t_squared'));
  assert.match(why, /\n_Write your answer here\._$/);
  assert.doesNotMatch(why, /SOLUTION|1\/T\^2/);
  for (const c of nb.cells) {
    if (c.cell_type === 'code') assert.deepEqual([c.outputs, c.execution_count], [[], null]);
    assert.match(c.metadata.nbgrader.checksum, /^[0-9a-f]{32}$/);
    assert.equal(c.metadata.nbgrader.cell_type, c.cell_type);
  }
  for (const id of ['softmax_tests', 'kdloss_tests']) {
    const m = byId.get(id).metadata;
    assert.deepEqual([m.editable, m.deletable, m.kdlab], [false, false, { visible_points: 5 }]);
  }
  // The hidden tests' names (read from their file) and their calls of the library are nowhere in it.
  const hidden = fs.readFileSync(path.join(A1, 'a1-temperature-softmax.hidden.ts'), 'utf8');
  const names = [...hidden.matchAll(/check\(\s*'([^']+)'/g)].map((m) => m[1]);
  assert.equal(names.length, 4);
  for (const name of names) assert.ok(!written.includes(name), `hidden test released: ${name}`);
  assert.doesNotMatch(written, /@hidden-tests|hidden_tests|kd\.losses\.(softmaxWithTemperature|kdLoss)\(/);
});

test('release refuses, naming each failing test, when the solution fails a test or the stub passes one', async () => {
  const dir = path.join(tmp, 'refused');
  const file = writeAssignment(
    path.join(dir, 'bad.ipynb'),
    [
      nbCell(
        'code',
        'function double(x: number): number {\n  // BEGIN SOLUTION\n  return x * 3;\n  // END SOLUTION\n}',
        'double_impl',
        { solution: true },
      ),
      nbCell(
        'code',
        "check('double(2) is 4', 1, () => checkEqual(double(2), 4));\n" +
          "check('double is a function', 1, () => checkEqual(typeof double, 'function'));",
        'double_tests',
        { grade: true, points: 3 },
      ),
      nbCell(
        'code',
        'function triple(x: number): number {\n  // BEGIN SOLUTION\n  const y = 3 * x;\n  // END SOLUTION\n  return y;\n}',
        'triple_impl',
        { solution: true },
      ),
    ],
    "// @hidden-tests double_tests\ncheck('double(0) is 0', 1, () => checkEqual(double(0), 0));\n" +
      "check('double(-1) is -2', 1, () => checkEqual(double(-1), -2));\n",
  );
  const out = path.join(tmp, 'refused-out');
  const r = await kdlabAssign(['release', file, '--out', out], opts);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(fs.existsSync(out), false, 'nothing is written');
  const lines = r.stderr.slice(r.stderr.indexOf('refused')).split('\n').slice(1, -1);
  // In the executed notebooks the hidden tests are cell 3, right after their test cell (cell 2).
  assert.deepEqual(lines.slice(0, 3), [
    "  source: test 'double(2) is 4' (double_tests) failed: checkEqual: got 6, expected 4",
    "  source: test 'double(-1) is -2' (double_tests, hidden) failed: checkEqual: got -3, expected -2",
    "  source: cell 2 (code, grade_id 'double_tests'): its tests are worth 2 visible + 2 hidden = 4 points, but metadata.nbgrader.points is 3.0",
  ]);
  assert.match(
    lines[3],
    /^ {2}student version: cell 4 \(code, grade_id 'triple_impl'\) does not type-check: .*Cannot find name 'y'/,
  );
  assert.deepEqual(lines.slice(4), [
    "  student version: test 'double is a function' (double_tests) passes without the solution; it must fail on the stub",
  ]);
});

test('errors found before any kernel starts: an unknown grade_id in the hidden tests, bad metadata, a missing source', async () => {
  const dir = path.join(tmp, 'early');
  const cells = [
    nbCell('code', 'function f() {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}', 'f_impl', {
      solution: true,
    }),
    nbCell('code', "check('f', 1, () => checkEqual(f(), 1));", 'f_tests', { grade: true, points: 1 }),
  ];
  const unknown = writeAssignment(path.join(dir, 'unknown.ipynb'), cells, '// @hidden-tests f_test\ncheck(1);\n');
  let r = await kdlabAssign(['release', unknown, '--out', path.join(tmp, 'early-out')], opts);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /unknown\.hidden\.ts: grade_id 'f_test' names no test cell of .*unknown\.ipynb \(test cells: 'f_tests'\)/,
  );
  assert.doesNotMatch(r.stderr, /code cell 1\/2/, 'no kernel ran');

  const badMeta = writeAssignment(path.join(dir, 'meta.ipynb'), [
    nbCell('code', "check('f', 1, () => {});", 'f_tests', { grade: true }),
  ]);
  r = await kdlabAssign(['release', badMeta, '--out', path.join(tmp, 'early-out')], opts);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /meta\.ipynb: invalid nbgrader metadata:\n {2}cell 1 \(code, grade_id 'f_tests'\): metadata\.nbgrader\.points: required on a grade cell/,
  );

  r = await kdlabAssign(['release', path.join(dir, 'nope.ipynb'), '--out', path.join(tmp, 'early-out')], opts);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope\.ipynb: no such notebook or folder/);
  r = await kdlabAssign(['release', unknown], opts);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /release: --out DIR is required/);
  assert.equal(fs.existsSync(path.join(tmp, 'early-out')), false);
});
