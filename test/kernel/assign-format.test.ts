/**
 * kdlab assign's authoring format, without a kernel: nbgrader metadata rules (hand-written bad cells, each with
 * the message it must produce), nbgrader's checksum (vectors computed independently with Python, see below),
 * solution regions and stubs, the hidden-tests file, and the student version's metadata.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cell, Notebook } from '../../kernel/runner/notebook';
import { metadataProblems } from '../../kernel/assign/metadata';
import { computeChecksum, pythonFloatStr } from '../../kernel/assign/checksum';
import { SolutionRegionError, stubSolution } from '../../kernel/assign/solution';
import { HiddenTestsError, parseHiddenTests, withHiddenTests } from '../../kernel/assign/hidden';
import { ReleaseError, studentVersion } from '../../kernel/assign/release';
import { plan } from '../../kernel/commands/assign';
import { decodeHeldOut, encodeHeldOut, heldOutKindOf } from '../../kernel/assign/held-out';

const nbg = (m: Record<string, unknown>) => ({ schema_version: 3, grade: false, solution: false, locked: false, ...m });
const code = (source: string, nbgrader?: unknown): Cell => ({
  cell_type: 'code',
  source,
  metadata: nbgrader === undefined ? {} : { nbgrader },
  outputs: [],
  execution_count: null,
});
const md = (source: string, nbgrader?: unknown): Cell => ({
  cell_type: 'markdown',
  source,
  metadata: nbgrader === undefined ? {} : { nbgrader },
});
const notebook = (...cells: Cell[]): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });

test('metadata: a valid notebook has no problems (cells without nbgrader metadata, unflagged cells without grade_id)', () => {
  const nb = notebook(
    md('# intro', nbg({ locked: true, grade_id: 'intro' })),
    code('let x = 1;'),
    code('// BEGIN SOLUTION\nx = 2;\n// END SOLUTION', nbg({ solution: true, grade_id: 'x_impl' })),
    code("check('x', 0, () => {});", nbg({ grade: true, grade_id: 'x_tests', points: 0 })),
    md('Why?', nbg({ grade: true, solution: true, grade_id: 'why', points: 2.5 })),
    code('x', nbg({})),
  );
  assert.deepEqual(metadataProblems(nb), []);
});

test('metadata: each broken rule gives a message naming the cell, its grade_id and what was expected', () => {
  const cases: [Cell, string][] = [
    [
      code('x', nbg({ solution: true })),
      `cell 1 (code): metadata.nbgrader.grade_id: required when grade, solution or locked is set`,
    ],
    [
      code('x', nbg({ grade: true, grade_id: 't' })),
      `cell 1 (code, grade_id 't'): metadata.nbgrader.points: required on a grade cell`,
    ],
    [
      code('x', nbg({ grade: true, grade_id: 't', points: -1 })),
      `cell 1 (code, grade_id 't'): metadata.nbgrader.points: expected a number >= 0, got -1`,
    ],
    [
      code('x', nbg({ grade: true, grade_id: 't', points: '3' })),
      `cell 1 (code, grade_id 't'): metadata.nbgrader.points: expected a number >= 0, got "3"`,
    ],
    [
      code('x', nbg({ grade_id: 'a b', locked: true })),
      `cell 1 (code, grade_id 'a b'): metadata.nbgrader.grade_id: expected a non-empty string of letters, digits, _ and -, got "a b"`,
    ],
    [
      code('x', nbg({ grade_id: '', locked: true })),
      `cell 1 (code, grade_id ''): metadata.nbgrader.grade_id: expected a non-empty string of letters, digits, _ and -, got ""`,
    ],
    [
      code('x', nbg({ locked: true, grade_id: 'r', point: 1, gradeid: 'r' })),
      `cell 1 (code, grade_id 'r'): metadata.nbgrader: unknown keys point, gradeid (allowed: schema_version, grade, solution, locked, task, grade_id, points, checksum, cell_type)`,
    ],
    [
      code('x', { ...nbg({ locked: true, grade_id: 'r' }), schema_version: 1 }),
      `cell 1 (code, grade_id 'r'): metadata.nbgrader.schema_version: expected 3, got 1 (upgrade with \`nbgrader update\`)`,
    ],
    [
      code('x', { grade: false, solution: false, locked: true, grade_id: 'r' }),
      `cell 1 (code, grade_id 'r'): metadata.nbgrader.schema_version: expected 3, got none`,
    ],
    [
      code('x', nbg({ grade: 'yes', grade_id: 'g', points: 1 })),
      `cell 1 (code, grade_id 'g'): metadata.nbgrader.grade: expected true or false, got "yes"`,
    ],
    [
      md('x', nbg({ grade: true, grade_id: 'm', points: 1 })),
      `cell 1 (markdown, grade_id 'm'): a markdown grade cell must also be a solution cell (an answer graded by hand)`,
    ],
    [
      md('x', nbg({ solution: true, grade_id: 'm' })),
      `cell 1 (markdown, grade_id 'm'): a markdown solution cell must also be a grade cell, with points (an answer graded by hand)`,
    ],
    [
      code('x', nbg({ locked: true, grade_id: 'r', cell_type: 'markdown' })),
      `cell 1 (code, grade_id 'r'): metadata.nbgrader.cell_type: records "markdown" but the cell is code`,
    ],
    [
      code('x', nbg({ locked: true, grade_id: 'r', checksum: 'abc' })),
      `cell 1 (code, grade_id 'r'): metadata.nbgrader.checksum: expected 32 hex digits, got "abc"`,
    ],
    [
      md('x', nbg({ task: true, grade_id: 'k', points: 1 })),
      `cell 1 (markdown, grade_id 'k'): metadata.nbgrader.task: task cells are not supported by kdlab assign (expected false or absent)`,
    ],
    [
      code('// BEGIN SOLUTION\nx\n// END SOLUTION'),
      `cell 1 (code): holds a BEGIN SOLUTION region but is not a solution cell; set metadata.nbgrader.solution: true`,
    ],
    [code('x', [1]), `cell 1 (code): metadata.nbgrader: expected an object, got [1]`],
  ];
  for (const [cell, message] of cases) assert.deepEqual(metadataProblems(notebook(cell)), [message]);
});

test('metadata: a grade_id used twice is reported at the second cell, naming the first; all problems are listed', () => {
  const nb = notebook(
    code('a', nbg({ solution: true, grade_id: 'same' })),
    md('text'),
    code('b', nbg({ grade: true, grade_id: 'same', points: 1 })),
    code('c', nbg({ grade: true, grade_id: 'other' })),
  );
  assert.deepEqual(metadataProblems(nb), [
    `cell 3 (code, grade_id 'same'): metadata.nbgrader.grade_id 'same' is already used by cell 1`,
    `cell 4 (code, grade_id 'other'): metadata.nbgrader.points: required on a grade cell`,
  ]);
});

test("pythonFloatStr is Python's str(float(x))", () => {
  // Expected values printed by: python3 -c "print([str(float(x)) for x in [3, 0.5, 1e16, 1e-5, 0.1+0.2,
  //   1.2345678901234568e17, 1e-4, -2.5, 1e15, 0]])"
  const cases: [number, string][] = [
    [3, '3.0'],
    [0.5, '0.5'],
    [1e16, '1e+16'],
    [1e-5, '1e-05'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1.2345678901234568e17, '1.2345678901234568e+17'],
    [1e-4, '0.0001'],
    [-2.5, '-2.5'],
    [1e15, '1000000000000000.0'],
    [0, '0.0'],
  ];
  for (const [x, s] of cases) assert.equal(pythonFloatStr(x), s, `str(float(${x}))`);
});

test("computeChecksum equals nbgrader's compute_checksum (vectors from the published algorithm, run in Python)", () => {
  // Expected values printed by (nbgrader/utils.py compute_checksum: md5 over the UTF-8 source, cell type,
  // str(is_grade), str(is_solution), str(is_locked), grade_id, and str(float(points)) for grade cells):
  //   python3 -c "import hashlib
  //   def cs(source, cell_type, grade, solution, locked, grade_id, points=None):
  //       m = hashlib.md5()
  //       for part in [source, cell_type, str(grade), str(solution), str(locked), grade_id] + ([str(float(points))] if grade else []):
  //           m.update(part.encode('utf-8'))
  //       return m.hexdigest()
  //   print(cs(\"check('a', 1, () => {});\", 'code', True, False, True, 'tests_a', 3))          # f59e542e…
  //   print(cs(\"check('a', 1, () => {});\", 'code', True, False, True, 'tests_a', 0.5))        # 456b37a6…
  //   print(cs(\"check('a', 1, () => {});\", 'code', True, False, True, 'tests_a', 1e16))       # b2067a4d…
  //   print(cs('function f(): number {\n  throw new Error(\"not implemented: f_impl\");\n}', 'code', False, True, False, 'f_impl'))
  //   print(cs('# Read me\n\nT² · ∑ p log p', 'markdown', False, False, True, 'intro'))
  //   print(cs('Why?\n\n_Write your answer here._', 'markdown', True, True, False, 'why', 2))"
  const tests = "check('a', 1, () => {});";
  // A grade cell is locked whatever its `locked` says (nbgrader's is_locked): str(True) is hashed.
  assert.equal(
    computeChecksum(code(tests, nbg({ grade: true, grade_id: 'tests_a', points: 3 }))),
    'f59e542e1e6d70c668897aac3cc4d5d4',
  );
  assert.equal(
    computeChecksum(code(tests, nbg({ grade: true, grade_id: 'tests_a', points: 0.5 }))),
    '456b37a63509b04337966d1e542b6888',
  );
  assert.equal(
    computeChecksum(code(tests, nbg({ grade: true, grade_id: 'tests_a', points: 1e16 }))),
    'b2067a4dbb4260f2fab079809ad8f6f8',
  );
  // A solution cell is never locked, even when marked so; its source given as a list of lines.
  assert.equal(
    computeChecksum({
      ...code('', nbg({ solution: true, locked: true, grade_id: 'f_impl' })),
      source: ['function f(): number {\n', '  throw new Error("not implemented: f_impl");\n', '}'],
    }),
    'a8f53fc8923888c67bbc57fada3af9f6',
  );
  assert.equal(
    computeChecksum(md('# Read me\n\nT² · ∑ p log p', nbg({ locked: true, grade_id: 'intro' }))),
    '8d66d13e0b878c2af99560077826eda2',
  );
  assert.equal(
    computeChecksum(
      md('Why?\n\n_Write your answer here._', nbg({ grade: true, solution: true, grade_id: 'why', points: 2 })),
    ),
    'b3eaa0da0dd04105debf3a5f66acf3d7',
  );
});

test('stubSolution: code regions become a throw at their indentation, markdown regions a placeholder', () => {
  const src = [
    'function f(x: number): number {',
    '  const y = 2;',
    '  // BEGIN SOLUTION',
    '  return x * y;',
    '  // END SOLUTION',
    '}',
  ].join('\n');
  assert.equal(
    stubSolution(src, 'code', 'f_impl'),
    ['function f(x: number): number {', '  const y = 2;', '  throw new Error("not implemented: f_impl");', '}'].join(
      '\n',
    ),
  );
  assert.equal(stubSolution('let answer = 42;', 'code', 'whole'), 'throw new Error("not implemented: whole");');
  assert.equal(
    stubSolution('Q?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->\nMore.', 'markdown', 'q'),
    'Q?\n_Write your answer here._\nMore.',
  );
  const bad = (s: string, type: 'code' | 'markdown', message: string) =>
    assert.throws(
      () => stubSolution(s, type, 'g'),
      (e: Error) => e instanceof SolutionRegionError && e.message === message,
    );
  bad(
    '// BEGIN SOLUTION\na\n// BEGIN SOLUTION\n// END SOLUTION',
    'code',
    'line 3: BEGIN SOLUTION inside the region begun on line 1',
  );
  bad('a\n// END SOLUTION', 'code', 'line 2: END SOLUTION without a BEGIN SOLUTION before it');
  bad('a\n  // BEGIN SOLUTION\nb', 'code', 'line 2: BEGIN SOLUTION is never ended (// END SOLUTION)');
  bad(
    '### BEGIN SOLUTION\n### END SOLUTION',
    'code',
    'line 1: expected `// BEGIN SOLUTION` alone on its line, got `### BEGIN SOLUTION`',
  );
  bad(
    '// BEGIN SOLUTION\n// END SOLUTION',
    'markdown',
    'line 1: expected `<!-- BEGIN SOLUTION -->` alone on its line, got `// BEGIN SOLUTION`',
  );
});

test('hidden tests: sections by grade_id; malformed markers, stray code, duplicates and unknown grade_ids are errors', () => {
  const h = parseHiddenTests(
    'a.hidden.ts',
    '// header\n\n// @hidden-tests t1\ncheck(1);\n\n// @hidden-tests t2\ncheck(2);\n',
  );
  assert.deepEqual(
    [...h.sections],
    [
      ['t1', 'check(1);\n'],
      ['t2', 'check(2);\n'],
    ],
  );
  const bad = (src: string, message: string) =>
    assert.throws(
      () => parseHiddenTests('a.hidden.ts', src),
      (e: Error) => e instanceof HiddenTestsError && e.message === message,
    );
  bad('check(0);\n// @hidden-tests t1\nx', 'a.hidden.ts:1: code before the first `// @hidden-tests <grade_id>` marker');
  bad('// @hidden-tests t 1\nx', 'a.hidden.ts:1: expected `// @hidden-tests <grade_id>`, got `// @hidden-tests t 1`');
  bad('// @hidden-tests t1\nx\n// @hidden-tests t1\ny', "a.hidden.ts:3: a second section for grade_id 't1'");
  bad('// @hidden-tests t1\n\n// @hidden-tests t2\ny', "a.hidden.ts: the section for grade_id 't1' is empty");

  const nb = notebook(
    code('f', nbg({ solution: true, grade_id: 'impl' })),
    code('tests', nbg({ grade: true, grade_id: 't1', points: 1 })),
    code('more'),
  );
  const merged = withHiddenTests(nb, parseHiddenTests('a.hidden.ts', '// @hidden-tests t1\ncheck(9);\n'), 'a.ipynb');
  assert.deepEqual(
    merged.cells.map((c) => [c.source, c.metadata.kdlab]),
    [
      ['f', undefined],
      ['tests', undefined],
      ['check(9);\n', { hidden_tests: 't1' }],
      ['more', undefined],
    ],
  );
  // A solution cell's grade_id is not a test cell's.
  assert.throws(() => withHiddenTests(nb, parseHiddenTests('a.hidden.ts', '// @hidden-tests impl\nx\n'), 'a.ipynb'), {
    message: "a.hidden.ts: grade_id 'impl' names no test cell of a.ipynb (test cells: 't1')",
  });
});

test("studentVersion: stubs, cleared outputs, nbgrader's locks and checksums; the source is left as it was", () => {
  const source = notebook(
    md('intro', nbg({ locked: true, grade_id: 'intro' })),
    {
      ...code(
        'function f(): number {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}',
        nbg({ solution: true, grade_id: 'f_impl' }),
      ),
      outputs: [{ output_type: 'stream', name: 'stdout', text: 'solution output' }],
      execution_count: 4,
    },
    code("check('f', 1, () => f());", nbg({ grade: true, grade_id: 'f_tests', points: 1, checksum: '0'.repeat(32) })),
    code('free'),
  );
  const before = JSON.stringify(source);
  const s = studentVersion(source, 'a.ipynb', new Map([['f_tests', 1]]));
  assert.equal(JSON.stringify(source), before);
  assert.equal(s.cells[1].source, 'function f(): number {\n  throw new Error("not implemented: f_impl");\n}');
  assert.deepEqual([s.cells[1].outputs, s.cells[1].execution_count], [[], null]);
  // nbgrader's LockCells defaults: read-only and grade cells uneditable and undeletable, solution cells undeletable.
  assert.deepEqual(
    s.cells.map((c) => [c.metadata.deletable, c.metadata.editable]),
    [
      [false, false],
      [false, undefined],
      [false, false],
      [undefined, undefined],
    ],
  );
  // Checksums of the released cells recomputed independently: the stubbed source is what is hashed.
  //   python3 -c "import hashlib; print(hashlib.md5(('function f(): number {\n  throw new Error(\"not implemented: f_impl\");\n}'
  //     + 'code' + 'False' + 'True' + 'False' + 'f_impl').encode()).hexdigest(), hashlib.md5(('check(\'f\', 1, () => f());'
  //     + 'code' + 'True' + 'False' + 'True' + 'f_tests' + str(float(1))).encode()).hexdigest(),
  //     hashlib.md5(('intro' + 'markdown' + 'False' + 'False' + 'True' + 'intro').encode()).hexdigest())"
  const meta = (i: number) => s.cells[i].metadata.nbgrader as Record<string, unknown>;
  assert.equal(meta(0).checksum, '93c3f96f60d9439575df04f6b67b5c40');
  assert.equal(meta(1).checksum, 'a8f53fc8923888c67bbc57fada3af9f6');
  assert.equal(meta(2).checksum, '36129a182cec8e085146b3a7997432c2');
  assert.deepEqual([meta(1).cell_type, meta(2).cell_type], ['code', 'code']);
  assert.deepEqual(s.cells[2].metadata.kdlab, { visible_points: 1 });
  assert.equal(s.cells[3].metadata.nbgrader, undefined);

  const broken = notebook(code('// BEGIN SOLUTION\nx', nbg({ solution: true, grade_id: 'g' })));
  assert.throws(
    () => studentVersion(broken, 'a.ipynb'),
    (e: Error) =>
      e instanceof ReleaseError &&
      e.message === "a.ipynb: cell 1 (code, grade_id 'g'): line 1: BEGIN SOLUTION is never ended (// END SOLUTION)",
  );
});

test('release plan: a folder keeps its layout in --out, and student versions already written inside it are not sources', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-assign-plan-'));
  try {
    for (const f of ['a.ipynb', 'part2/b.ipynb', 'release/a.ipynb', 'a.out.ipynb']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), '{}');
    }
    const out = path.join(dir, 'release');
    assert.deepEqual(plan({ command: 'release', inputs: [dir], out, timeoutS: 0 }), [
      { input: path.join(dir, 'a.ipynb'), output: path.join(out, 'a.ipynb') },
      { input: path.join(dir, 'part2', 'b.ipynb'), output: path.join(out, 'part2', 'b.ipynb') },
    ]);
    assert.throws(() => plan({ command: 'release', inputs: [path.join(dir, 'a.ipynb')], out: dir, timeoutS: 0 }), {
      message: `${path.join(dir, 'a.ipynb')}: the student version would overwrite the source; choose another --out`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('held-out set: the kind from notebook metadata (kdlab.held_out), an unknown one refused by name', () => {
  const nb = (metadata: Record<string, unknown>): Notebook => ({ nbformat: 4, nbformat_minor: 5, metadata, cells: [] });
  assert.equal(heldOutKindOf(nb({}), 'a.ipynb'), null);
  assert.equal(heldOutKindOf(nb({ kdlab: { held_out: 'fashion-mnist' } }), 'a.ipynb'), 'fashion-mnist');
  assert.throws(
    () => heldOutKindOf(nb({ kdlab: { held_out: 'mnist' } }), 'a.ipynb'),
    /a\.ipynb: invalid nbgrader metadata:\n {2}metadata\.kdlab\.held_out: expected one of 'fashion-mnist', got "mnist"/,
  );
});

test('held-out set: encoded as bytes and decoded to pixels / 255, a fresh copy per call', () => {
  // Two 1×3 images with pixel bytes 0, 51, 255 and 102, 204, 1.
  const bytes = [0, 51, 255, 102, 204, 1];
  const x = Float32Array.from(bytes, (b) => b / 255);
  const data = { x, y: Int32Array.from([3, 9]), n: 2, sampleShape: [1, 3, 1], classes: 10 };
  const get = decodeHeldOut(encodeHeldOut({ data, source: 'fashion-mnist', quick: true }));
  const a = get();
  assert.deepEqual(
    Array.from(a.data.x),
    bytes.map((b) => Math.fround(b / 255)),
  );
  assert.deepEqual(Array.from(a.data.y), [3, 9]);
  assert.deepEqual(
    [a.data.n, a.data.sampleShape, a.data.classes, a.source, a.quick],
    [2, [1, 3, 1], 10, 'fashion-mnist', true],
  );
  a.data.x.fill(0);
  a.data.y[0] = 0;
  assert.deepEqual(Array.from(get().data.y), [3, 9]);
  assert.equal(get().data.x[2], 1);
});
