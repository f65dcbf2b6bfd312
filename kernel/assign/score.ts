/**
 * The visible score of an executed notebook, one row per test, for `kdlab assign validate`. Only checks
 * recorded in test cells count (a check a student writes in a solution cell scores nothing). A test cell that
 * raised an error before all its checks ran loses the points of the checks it did not record: the release records
 * what its visible checks are worth (`metadata.kdlab.visible_points`); without it (a source notebook) the
 * row shows the error with the points unknown, as 0.
 */
import { Notebook } from '../runner/notebook';
import { AssignmentRun } from './execute';
import { cellLabel, gradeIdOf, isManualCell, isTestCell, nbgraderOf } from './metadata';

export interface ScoreRow {
  gradeId: string;
  name: string;
  points: number;
  earned: number;
  message: string;
}

export interface Score {
  rows: ScoreRow[];
  earned: number;
  max: number;
  /** Points of answers graded by hand (grade + solution cells). */
  manual: number;
  /** Errors outside test cells (a stub not yet replaced, a typo), for the student to see. */
  notes: string[];
}

export function visibleScore(nb: Notebook, run: AssignmentRun): Score {
  const rows: ScoreRow[] = [];
  let manual = 0;
  nb.cells.forEach((cell, i) => {
    if (isManualCell(cell)) manual += nbgraderOf(cell)?.points ?? 0;
    if (!isTestCell(cell)) return;
    const id = gradeIdOf(cell)!;
    const mine = run.checks.filter((c) => c.cell === i);
    for (const c of mine)
      rows.push({ gradeId: id, name: c.name, points: c.points, earned: c.passed ? c.points : 0, message: c.message });
    const error = run.errors.find((e) => e.cell === i);
    const stopped = run.failure?.cell && nthCodeCell(nb, run.failure.cell.number) === i ? run.failure : undefined;
    if (error || stopped) {
      const kdlab = cell.metadata.kdlab as { visible_points?: unknown } | undefined;
      const declared = typeof kdlab?.visible_points === 'number' ? kdlab.visible_points : undefined;
      const recorded = mine.reduce((s, c) => s + c.points, 0);
      rows.push({
        gradeId: id,
        name: `(${cellLabel(nb, i)} stopped)`,
        points: declared === undefined ? 0 : Math.max(0, declared - recorded),
        earned: 0,
        message: error ? `${error.ename}: ${error.evalue}` : `${stopped!.kind}: ${stopped!.message}`,
      });
    }
  });
  const notes = run.errors
    .filter((e) => !isTestCell(nb.cells[e.cell]))
    .map((e) => `${cellLabel(nb, e.cell)}: ${e.ename}: ${e.evalue}`);
  if (run.failure && !run.failure.cell) notes.push(`${run.failure.kind}: ${run.failure.message}`);
  return {
    rows,
    earned: rows.reduce((s, r) => s + r.earned, 0),
    max: rows.reduce((s, r) => s + r.points, 0),
    manual,
    notes,
  };
}

/** Index among all cells of the `n`-th (1-based) code cell. */
function nthCodeCell(nb: Notebook, n: number): number {
  let seen = 0;
  return nb.cells.findIndex((c) => c.cell_type === 'code' && ++seen === n);
}

const MESSAGE_WIDTH = 90;

export function scoreTable(s: Score): string {
  const cut = (m: string) => {
    const line = m.split('\n')[0];
    return line.length > MESSAGE_WIDTH ? `${line.slice(0, MESSAGE_WIDTH - 1)}…` : line;
  };
  const all = [
    ['result', 'points', 'cell', 'test', 'message'],
    ...s.rows.map((r) => [
      r.message === '' ? 'ok' : 'FAIL',
      `${r.earned}/${r.points}`,
      r.gradeId,
      r.name,
      cut(r.message),
    ]),
  ];
  const widths = all[0].map((_, j) => Math.max(...all.map((r) => r[j].length)));
  const table = all
    .map((r) =>
      r
        .map((c, j) => c.padEnd(widths[j]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  const lines = [table, `visible score: ${s.earned}/${s.max}`];
  if (s.manual) lines.push(`not scored here: ${s.manual} point${s.manual === 1 ? '' : 's'} of answers graded by hand`);
  if (s.notes.length) lines.push('errors outside the test cells:', ...s.notes.map((n) => `  ${n}`));
  return lines.join('\n') + '\n';
}
