/**
 * Grading one submission: restored from the source (restore.ts), hidden tests appended, run through the runner
 * in a fresh sandboxed kernel (sandbox.ts) in grading mode (seal.ts), and scored from the signed results of the
 * sealed test cells only. Per test cell: the points of its passed tests, at most its nbgrader points; points its
 * tests did not report (the cell raised, timed out, or the kernel died before it) score 0, with the reason.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KernelSpec } from '../runner/kernelspec';
import { Cell, Notebook, isRecord } from '../runner/notebook';
import { CHECK_MIME, signedPayload } from './check-api';
import { executeAssignment } from './execute';
import { HiddenTests, hiddenOf, withHiddenTests } from './hidden';
import { cellLabel, gradeIdOf, isManualCell, isTestCell, nbgraderOf } from './metadata';
import { Tamper, restoreSubmission } from './restore';
import { sandboxedSpec } from './sandbox';
import type { PreparedHeldOut } from './held-out';
import { signWith } from './seal';

export interface TestRow {
  gradeId: string;
  name: string;
  hidden: boolean;
  points: number;
  max: number;
  message: string;
}

export interface StudentGrade {
  id: string;
  file: string;
  points: number;
  max: number;
  /** Points of answers graded by hand (not in `points` or `max`). */
  manualMax: number;
  /** Per test cell, in the notebook's order. */
  cells: { gradeId: string; points: number; max: number }[];
  tests: TestRow[];
  tamper: Tamper[];
  /** Errors in the student's own cells, a kernel that died, results that were ignored. */
  notes: string[];
  /** The executed notebook, hidden-test cells included (for the instructor). */
  graded: Notebook;
}

export interface GradeOptions {
  spec: KernelSpec;
  timeoutS: number;
  memoryMB: number;
  log: (line: string) => void;
  /** Characters of output kept per cell. */
  outputCap?: number;
  /** The assignment's held-out set, for the sealed tests (held-out.ts). */
  heldOut?: PreparedHeldOut | null;
  /** Run with --param quick=true. */
  quick?: boolean;
}

/** The label a test cell runs sealed under: its grade_id, with ':hidden' for the hidden tests extending it. */
const labelOf = (cell: Cell): string | undefined => {
  const h = hiddenOf(cell);
  if (h !== undefined) return `${h}:hidden`;
  return isTestCell(cell) ? gradeIdOf(cell) : undefined;
};

export async function gradeSubmission(
  id: string,
  file: string,
  submission: Notebook,
  source: Notebook,
  sourceFile: string,
  hidden: HiddenTests | null,
  opts: GradeOptions,
): Promise<StudentGrade> {
  const { notebook: restored, tamper } = restoreSubmission(source, submission);
  // Hidden tests last, so that what the student cells and visible tests print comes before their code reached
  // the kernel (a timer can still print later: the feedback page withholds text quoting them).
  const withHidden = hidden ? withHiddenTests(restored, hidden, sourceFile) : restored;
  const isHidden = (c: Cell) => hiddenOf(c) !== undefined;
  const nb = {
    ...withHidden,
    cells: [...withHidden.cells.filter((c) => !isHidden(c)), ...withHidden.cells.filter(isHidden)],
  };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-grade-'));
  const key = crypto.randomBytes(32).toString('hex');
  try {
    // A submission in a folder of its own may bring files it reads (data); nothing else is visible to it.
    if (path.basename(path.dirname(file)) === id) copyData(path.dirname(file), work);
    const run = await executeAssignment(nb, {
      spec: sandboxedSpec(opts.spec, work, opts.memoryMB, opts.heldOut?.reads),
      cwd: work,
      timeoutS: opts.timeoutS,
      log: opts.log,
      name: id,
      runner: {
        continueAfterTimeout: true,
        requestMetadata: (cell) => {
          const label = labelOf(cell);
          return label === undefined ? undefined : { kdlab_sealed: label };
        },
        connection: { kdlab_grading_key: key, ...(opts.heldOut ? { kdlab_held_out: opts.heldOut.payload } : {}) },
        params: opts.quick ? { quick: true } : {},
        outputCap: opts.outputCap,
      },
    });
    return { id, file, ...score(run.notebook, run.failure, signWith(key)), tamper, graded: run.notebook };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function copyData(from: string, to: string): void {
  for (const e of fs.readdirSync(from, { withFileTypes: true }))
    if (!e.name.endsWith('.ipynb') && !e.name.startsWith('.'))
      fs.cpSync(path.join(from, e.name), path.join(to, e.name), { recursive: true });
}

/** Index among all cells of the `n`-th (1-based) code cell. */
function nthCodeCell(nb: Notebook, n: number): number {
  let seen = 0;
  return nb.cells.findIndex((c) => c.cell_type === 'code' && ++seen === n);
}

function score(
  nb: Notebook,
  failure: { kind: string; message: string; cell?: { number: number } } | undefined,
  sign: (payload: string) => string,
): Omit<StudentGrade, 'id' | 'file' | 'tamper' | 'graded'> {
  const tests: TestRow[] = [];
  const notes: string[] = [];
  const cells: StudentGrade['cells'] = [];
  let ignored = 0;
  let manualMax = 0;
  // Cells from this index on never ran: the kernel died (or stopped answering) at the cell before.
  const stoppedAt = failure?.cell ? nthCodeCell(nb, failure.cell.number) : -1;
  const died = failure ? `${failure.kind === 'dead' ? 'the kernel died' : failure.kind}: ${failure.message}` : '';
  const reported = new Map<string, { rows: TestRow[]; errors: string[]; notRun: boolean }>();
  nb.cells.forEach((cell, i) => {
    if (isManualCell(cell)) manualMax += nbgraderOf(cell)?.points ?? 0;
    const label = labelOf(cell);
    const errors = (cell.outputs ?? []).flatMap((o) => (o.output_type === 'error' ? [`${o.ename}: ${o.evalue}`] : []));
    if (label === undefined) {
      if (cell.cell_type === 'code')
        for (const o of cell.outputs ?? [])
          if ((o.output_type === 'display_data' || o.output_type === 'execute_result') && CHECK_MIME in o.data)
            ignored++;
      for (const e of errors) notes.push(`${cellLabel(nb, i)}: ${e}`);
      return;
    }
    const gradeId = label.replace(/:hidden$/, '');
    const hidden = label.endsWith(':hidden');
    const entry = reported.get(gradeId) ?? { rows: [], errors: [], notRun: false };
    reported.set(gradeId, entry);
    if (failure && i > stoppedAt) entry.notRun = true;
    for (const e of errors) entry.errors.push(hidden ? `hidden tests: ${e}` : e);
    for (const o of cell.outputs ?? []) {
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') continue;
      if (!(CHECK_MIME in o.data)) continue;
      const r = o.data[CHECK_MIME];
      const valid =
        isRecord(r) &&
        r.label === label &&
        typeof r.name === 'string' &&
        typeof r.points === 'number' &&
        typeof r.passed === 'boolean' &&
        typeof r.message === 'string' &&
        r.signature ===
          sign(signedPayload(label, { name: r.name, points: r.points, passed: r.passed, message: r.message }));
      if (!valid) {
        ignored++;
        continue;
      }
      const { name, points, passed, message } = r as { name: string; points: number; passed: boolean; message: string };
      entry.rows.push({ gradeId, name, hidden, points: passed ? points : 0, max: points, message });
    }
  });
  for (const cell of nb.cells) {
    if (!isTestCell(cell)) continue;
    const gradeId = gradeIdOf(cell)!;
    const max = nbgraderOf(cell)!.points!;
    const entry = reported.get(gradeId) ?? { rows: [], errors: [], notRun: true };
    tests.push(...entry.rows);
    const recorded = entry.rows.reduce((s, r) => s + r.max, 0);
    if (recorded < max) {
      const why = entry.errors.length
        ? entry.errors.join('; ')
        : entry.notRun
          ? `not run: ${died || 'the run stopped before this cell'}`
          : 'the tests did not report a result';
      tests.push({
        gradeId,
        name: '(tests that did not report)',
        hidden: false,
        points: 0,
        max: max - recorded,
        message: why,
      });
    }
    const earned = Math.min(
      max,
      entry.rows.reduce((s, r) => s + r.points, 0),
    );
    cells.push({ gradeId, points: earned, max });
  }
  if (failure) notes.push(`the run stopped: ${died}; the cells after it scored 0`);
  if (ignored)
    notes.push(
      `${ignored} test result${ignored === 1 ? '' : 's'} not from the grader's tests ignored (printed, displayed or from a student's cell)`,
    );
  return {
    points: cells.reduce((s, c) => s + c.points, 0),
    max: cells.reduce((s, c) => s + c.max, 0),
    manualMax,
    cells,
    tests,
    notes,
  };
}
