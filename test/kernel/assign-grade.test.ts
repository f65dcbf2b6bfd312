/**
 * `kdlab assign grade` end to end on A1 (real sandboxed kernels, cpu backend): one grading run over honest and
 * hostile submissions (test/kernel/fixtures/a1-submissions.ts, expected scores counted by hand), shared by the
 * assertions below; then the command's errors, which cost no kernel. A feedback page in Chromium:
 * ./assign-feedback-browser.test.ts. Per-cell timeout 15 s, heap cap 512 MB, two submissions at a time.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestKernelspec } from '../support/test-kernelspec';
import { AssignRun, kdlabAssign } from '../support/kdlab-assign';
import { readNotebook, text, writeNotebook } from '../../kernel/runner/notebook';
import { restoreSubmission } from '../../kernel/assign/restore';
import { hiddenOf } from '../../kernel/assign/hidden';
import type { Gradebook } from '../../kernel/assign/gradebook';
import { escapeHtml } from '../../kernel/display/html';
import { a1SubmissionNotebook, a1Submissions } from './fixtures/a1-submissions';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DIR = path.join(ROOT, 'notebooks', 'assignments', 'a1-temperature-softmax');
const A1 = path.join(DIR, 'a1-temperature-softmax.ipynb');
const HIDDEN = path.join(DIR, 'a1-temperature-softmax.hidden.ts');
const { tmp, jupyterPath } = makeTestKernelspec('kdlab-assign-grade-');
const opts = { tmp, jupyterPath };
const subs = path.join(tmp, 'submissions');
const out = path.join(tmp, 'out');
const fixtures = a1Submissions(HIDDEN);

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

import { idOf } from './fixtures/a1-submissions';

/** Processes whose command line mentions `s` (kernels of this run have its TMPDIR in theirs). */
function processesMentioning(s: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(s)) found.push(`${pid}: ${cmd.slice(0, 200)}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

let run: AssignRun;
let book: Gradebook;
let seconds = 0;

before(async () => {
  fs.mkdirSync(subs, { recursive: true });
  for (const f of fixtures) {
    const file = f.inFolder ? path.join(subs, f.id, 'a1.ipynb') : path.join(subs, `${f.id}.ipynb`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeNotebook(file, a1SubmissionNotebook(f, A1));
  }
  // A student who handed in something else.
  fs.writeFileSync(path.join(subs, 'not-a-notebook.ipynb'), 'print("hello")\n');
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  run = await kdlabAssign(
    ['grade', subs, '--source', A1, '--out', out, '--timeout', '15', '--memory', '512', '--jobs', '2'],
    opts,
  );
  seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stderr.write(
    `grading run: ${seconds.toFixed(1)} s wall (this process ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU), ` +
      `loadavg ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}\n`,
  );
  book = JSON.parse(fs.readFileSync(path.join(out, 'gradebook.json'), 'utf8')) as Gradebook;
});

const student = (id: string) => {
  const s = book.students.find((x) => x.id === id);
  assert.ok(s, `no gradebook row for ${id}:\n${run.stderr}`);
  return s;
};

test('grade: exit 1 (one submission is not a notebook), every other one graded', () => {
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`${fixtures.length}/${fixtures.length + 1} submissions graded`));
  const bad = student('not-a-notebook');
  assert.equal(bad.points, null);
  assert.match(bad.error!, /not a notebook: .*not-a-notebook\.ipynb: not a valid notebook/);
});

for (const f of fixtures)
  test(`grade: '${f.id}' scores softmax ${f.expected.softmax_tests}/8, kdloss ${f.expected.kdloss_tests}/9`, () => {
    const s = student(f.id);
    assert.deepEqual(
      s.cells,
      f.expected,
      JSON.stringify(
        s.tests.filter((t) => t.points < t.max),
        null,
        1,
      ),
    );
    assert.equal(s.points, f.expected.softmax_tests + f.expected.kdloss_tests);
    assert.equal(s.max, 17);
    assert.deepEqual(s.tamper.map((t) => `${t.gradeId}: ${t.kind}`).sort(), [...(f.tamper ?? [])].sort());
  });

test('grade: per-test rows say why points were lost (timeout, dead kernel, error)', () => {
  const lost = (id: string) => student(id).tests.filter((t) => t.points < t.max);
  assert.ok(lost('endless-loop').some((t) => /CellTimeoutError: timed out after 15 s/.test(t.message)));
  for (const id of ['process-exit', 'out-of-memory']) {
    const notRun = lost(id).find((t) => t.gradeId === 'softmax_tests');
    assert.match(notRun!.message, /not run: the kernel died/, id);
    assert.equal(notRun!.max, 3, id); // the hidden softmax tests, which run last
  }
  const empty = lost('empty');
  assert.equal(empty.filter((t) => t.hidden).length, 4);
  assert.ok(
    empty.every((t) => t.points === 0 && /not implemented/.test(t.message)),
    JSON.stringify(empty),
  );
  assert.match(student('fake-results').notes.join('\n'), /test results? not from the grader's tests ignored/);
});

test('grade: the hidden-tests file is not readable from a submission, nor by a process it starts', () => {
  const nb = readNotebook(path.join(out, 'graded', 'fake-results.ipynb'));
  const printed = nb.cells
    .flatMap((c) => c.outputs ?? [])
    .map((o) => (o.output_type === 'stream' ? text(o.text) : ''))
    .join('');
  assert.equal(printed.match(/refused: ERR_ACCESS_DENIED/g)?.length, 3, printed);
  assert.ok(!printed.includes('@hidden-tests'), printed);
});

test('grade: a 100 MB output is capped in the graded notebook', () => {
  assert.ok(fs.statSync(path.join(out, 'graded', 'endless-loop.ipynb')).size < 8e6);
});

test('grade: no kernel process is left behind', () => {
  assert.deepEqual(processesMentioning(tmp), []);
});

test('grade: gradebook.csv has a row per submission with the cell scores', () => {
  const lines = fs.readFileSync(path.join(out, 'gradebook.csv'), 'utf8').trimEnd().split('\r\n');
  assert.equal(lines[0], 'student_id,points,max,softmax_tests,kdloss_tests,manual_max,tamper,error');
  assert.equal(lines.length, fixtures.length + 2);
  assert.ok(lines.includes('correct,17,17,8,9,2,,'), lines.join('\n'));
  assert.ok(lines.includes('partial,8,17,8,0,2,,'), lines.join('\n')); // handed in as partial/a1.ipynb
});

test('grade: feedback pages hold no line of the hidden tests; the report holds both figures', () => {
  const secret = fs
    .readFileSync(HIDDEN, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 24 && !l.startsWith('//'));
  assert.ok(secret.length > 10);
  for (const f of fixtures) {
    const html = fs.readFileSync(path.join(out, 'feedback', `${f.id}.html`), 'utf8');
    for (const line of secret) assert.ok(!html.includes(line) && !html.includes(escapeHtml(line)), `${f.id}: ${line}`);
    assert.ok(!/<script|https?:\/\//i.test(html.replace(/<pre[\s\S]*?<\/pre>/g, '')), f.id);
  }
  const report = readNotebook(path.join(out, 'report.ipynb'));
  const figures = report.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'display_data');
  assert.equal(figures.length, 2);
});

test('grade: a missing source, a hidden grade_id the source lacks: clear errors, no kernel', async () => {
  const missing = await kdlabAssign(['grade', subs, '--source', path.join(tmp, 'nope.ipynb'), '--out', out], opts);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--source .*nope\.ipynb: no such notebook/);
  const src = path.join(tmp, 'src', 'a1.ipynb');
  fs.mkdirSync(path.dirname(src));
  fs.copyFileSync(A1, src);
  fs.writeFileSync(src.replace(/\.ipynb$/, '.hidden.ts'), "// @hidden-tests no_such_cell\ncheck('x', 1, () => {});\n");
  const unknown = await kdlabAssign(['grade', subs, '--source', src, '--out', path.join(tmp, 'out2')], opts);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /grade_id 'no_such_cell' names no test cell of .*a1\.ipynb/);
  assert.ok(!fs.existsSync(path.join(tmp, 'out2', 'gradebook.json')));
});

test("restore (no kernel): a student cannot mark a cell as the grader's hidden tests (they run sealed)", () => {
  const nb = a1SubmissionNotebook({ id: 'x', expected: { softmax_tests: 0, kdloss_tests: 0 } }, A1);
  const forged = { kdlab: { hidden_tests: 'softmax_tests' } };
  nb.cells.find((c) => idOf(c) === 'softmax_impl')!.metadata.kdlab = forged.kdlab;
  nb.cells.push({
    cell_type: 'code',
    metadata: structuredClone(forged),
    source: 'check("x", 3, () => {});',
    outputs: [],
    execution_count: null,
  });
  const manual = nb.cells.find((c) => idOf(c) === 'why_t_squared')!;
  (manual.metadata.nbgrader as { points: number }).points = 20;
  const { notebook, tamper } = restoreSubmission(readNotebook(A1), nb);
  assert.deepEqual(
    notebook.cells.filter((c) => hiddenOf(c) !== undefined),
    [],
  );
  assert.equal(notebook.cells.length, readNotebook(A1).cells.length + 1);
  assert.deepEqual(
    tamper.map((t) => `${t.gradeId}: ${t.kind}: ${t.detail}`),
    ['why_t_squared: points: points changed from 2.0 to 20'],
  );
});
