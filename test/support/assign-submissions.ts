/**
 * Submissions for `kdlab assign grade`'s tests: an assignment's student version with some cells replaced (by
 * grade_id), cells added after a graded cell, or other edits — and the score each deserves, counted by hand.
 */
import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Notebook, readNotebook, text, writeNotebook } from '../../kernel/runner/notebook';
import { studentVersion } from '../../kernel/assign/release';
import type { Gradebook } from '../../kernel/assign/gradebook';
import { type AssignRun, kdlabAssign } from './kdlab-assign';
import { makeTestKernelspec } from './test-kernelspec';

export interface Submission {
  id: string;
  /** Handed in as `<id>/<assignment>.ipynb` rather than `<id>.ipynb`. */
  inFolder?: boolean;
  /** grade_id → new source; null deletes the cell. CORRECT stands for the source's solution. */
  cells?: Record<string, string | null>;
  /** Cells added (no nbgrader metadata) right after the cell with this grade_id. */
  added?: { after: string; source: string }[];
  /** Any other change to the notebook. */
  edit?: (nb: Notebook) => void;
  /** Points per graded test cell (grade_id → points), counted by hand. */
  expected: Record<string, number>;
  /** Expected tamper flags, as `${grade_id}: ${kind}`. */
  tamper?: string[];
}

export const CORRECT = 'CORRECT';

export const idOf = (c: Notebook['cells'][number]) =>
  (c.metadata.nbgrader as { grade_id?: string } | undefined)?.grade_id;

/** The notebook a student hands in: the student version of the source at `sourcePath`, with `f`'s changes. */
export function submissionNotebook(f: Submission, sourcePath: string): Notebook {
  const source = readNotebook(sourcePath);
  const nb = studentVersion(source, sourcePath);
  for (const [id, src] of Object.entries(f.cells ?? {})) {
    const i = nb.cells.findIndex((c) => idOf(c) === id);
    if (i < 0) throw new Error(`submission '${f.id}': the source has no cell '${id}'`);
    if (src === null) nb.cells.splice(i, 1);
    else nb.cells[i].source = src === CORRECT ? text(source.cells.find((c) => idOf(c) === id)!.source) : src;
  }
  for (const a of [...(f.added ?? [])].reverse()) {
    const i = nb.cells.findIndex((c) => idOf(c) === a.after);
    nb.cells.splice(i + 1, 0, {
      cell_type: 'code',
      metadata: {},
      source: a.source,
      outputs: [],
      execution_count: null,
    });
  }
  f.edit?.(nb);
  return nb;
}

/**
 * One assignment end to end, as an instructor runs it: `release` (its self-check executes the source and the stub
 * with the hidden tests) and `grade` over `subs` (cpu backend, per-cell timeout 60 s, two at a time); `args` are
 * added to both commands (e.g. `--quick`).
 */
export async function releaseAndGrade(
  dir: string,
  subs: Submission[],
  opts: { tmp: string; jupyterPath: string; args?: string[] },
): Promise<{ release: AssignRun; grade: AssignRun; book: Gradebook }> {
  const name = path.basename(dir);
  const source = path.join(dir, `${name}.ipynb`);
  const args = opts.args ?? [];
  const release = await kdlabAssign(['release', dir, '--out', path.join(opts.tmp, 'release'), ...args], opts);
  const folder = path.join(opts.tmp, 'submissions');
  for (const f of subs) {
    const file = f.inFolder ? path.join(folder, f.id, `${name}.ipynb`) : path.join(folder, `${f.id}.ipynb`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeNotebook(file, submissionNotebook(f, source));
  }
  const out = path.join(opts.tmp, 'graded');
  const grade = await kdlabAssign(
    ['grade', folder, '--source', source, '--out', out, '--timeout', '60', '--jobs', '2', ...args],
    opts,
  );
  const book = JSON.parse(fs.readFileSync(path.join(out, 'gradebook.json'), 'utf8')) as Gradebook;
  return { release, grade, book };
}

/**
 * The tests of one assignment (registered with node:test): release's self-check passes with `visiblePoints` and
 * writes only the student version; each submission scores its hand-counted `expected` of `max`, without tamper flags.
 * `args` go to release and grade. Returns the run (once the tests have started) and where the graded notebooks are,
 * for a test file's own assertions.
 */
export function assignmentTests(
  label: string,
  dir: string,
  visiblePoints: number,
  max: number,
  subs: Submission[],
  args: string[] = [],
): { run: () => { release: AssignRun; grade: AssignRun; book: Gradebook }; gradedNotebook: (id: string) => Notebook } {
  const name = path.basename(dir);
  const opts = makeTestKernelspec(`kdlab-assign-${name}-`);
  test.after(() => fs.rmSync(opts.tmp, { recursive: true, force: true }));
  let run: { release: AssignRun; grade: AssignRun; book: Gradebook };
  before(async () => (run = await releaseAndGrade(dir, subs, { ...opts, args })));

  test(`${label} release: the self-check passes (${visiblePoints} visible points), only the student version written`, () => {
    assert.equal(run.release.code, 0, run.release.stderr);
    assert.match(run.release.stderr, new RegExp(`self-check passed \\(${visiblePoints} visible points\\)`));
    assert.deepEqual(fs.readdirSync(path.join(opts.tmp, 'release')), [`${name}.ipynb`]);
  });
  for (const f of subs)
    test(`${label} grade: '${f.id}' scores ${JSON.stringify(f.expected)} of ${max}`, () => {
      assert.equal(run.grade.code, 0, run.grade.stderr);
      const s = run.book.students.find((x) => x.id === f.id);
      assert.ok(s, `no gradebook row for ${f.id}:\n${run.grade.stderr}`);
      const lost = s.tests.filter((t) => t.points < t.max);
      assert.deepEqual(s.cells, f.expected, JSON.stringify(lost, null, 1));
      assert.equal(s.max, max);
      assert.deepEqual(s.tamper, []);
    });
  return {
    run: () => run,
    gradedNotebook: (id) => readNotebook(path.join(opts.tmp, 'graded', 'graded', `${id}.ipynb`)),
  };
}
