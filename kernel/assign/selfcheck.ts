/**
 * Release's self-check: before a student version is written, the source must pass every test (visible and
 * hidden) and the student version must fail every one of them, so that a release never hands out tests that
 * cannot be passed, or points that come for free. Also checked: no cell of the source errs, every test cell's
 * checks add up to its nbgrader points, check names are unique, and the stubs type-check.
 */
import { Notebook } from '../runner/notebook';
import { AssignmentRun, ExecuteOptions, RecordedCheck, executeAssignment } from './execute';
import { HiddenTests, withHiddenTests } from './hidden';
import { cellLabel, gradeIdOf, isTestCell, nbgraderOf } from './metadata';
import { pythonFloatStr } from './checksum';

export interface SelfCheck {
  problems: string[];
  /** grade_id → points of the test cell's visible checks. */
  visiblePoints: Map<string, number>;
}

const testName = (c: RecordedCheck) =>
  `'${c.name}' (${c.gradeId ?? 'outside any test cell'}${c.hidden ? ', hidden' : ''})`;

function failureLine(what: string, run: AssignmentRun): string[] {
  const f = run.failure;
  if (!f) return [];
  const at = f.cell ? ` at code cell ${f.cell.number}/${f.cell.of} (\`${f.cell.firstLine}\`)` : '';
  return [`${what}: ${f.kind === 'dead' ? 'kernel died' : f.kind}${at}: ${f.message}`];
}

export async function selfCheck(
  source: Notebook,
  student: Notebook,
  hidden: HiddenTests | null,
  file: string,
  opts: ExecuteOptions,
): Promise<SelfCheck> {
  const withHidden = (nb: Notebook) => (hidden ? withHiddenTests(nb, hidden, file) : nb);
  const problems: string[] = [];
  const src = withHidden(source);
  const ran = await executeAssignment(src, { ...opts, name: `${opts.name} (source)` });
  problems.push(...failureLine('source', ran));
  for (const e of ran.errors)
    problems.push(`source: ${cellLabel(src, e.cell)}${e.hidden ? ' (hidden tests)' : ''}: ${e.ename}: ${e.evalue}`);
  const seen = new Set<string>();
  for (const c of ran.checks) {
    if (c.gradeId === undefined)
      problems.push(`source: test ${testName(c)} is recorded in ${cellLabel(src, c.cell)}, which is not a test cell`);
    else if (!c.passed) problems.push(`source: test ${testName(c)} failed: ${c.message}`);
    if (seen.has(c.name)) problems.push(`source: two tests are named '${c.name}'; names must be unique`);
    seen.add(c.name);
  }
  const visiblePoints = new Map<string, number>();
  src.cells.forEach((cell, i) => {
    if (!isTestCell(cell)) return;
    const id = gradeIdOf(cell)!;
    const mine = ran.checks.filter((c) => c.gradeId === id);
    const visible = sum(mine.filter((c) => !c.hidden));
    const hiddenPts = sum(mine.filter((c) => c.hidden));
    visiblePoints.set(id, visible);
    const declared = nbgraderOf(cell)!.points!;
    if (Math.abs(visible + hiddenPts - declared) > 1e-9)
      problems.push(
        `source: ${cellLabel(src, i)}: its tests are worth ${visible} visible + ${hiddenPts} hidden = ` +
          `${visible + hiddenPts} points, but metadata.nbgrader.points is ${pythonFloatStr(declared)}`,
      );
  });

  const stub = withHidden(student);
  const stubRan = await executeAssignment(stub, { ...opts, name: `${opts.name} (student version)` });
  problems.push(...failureLine('student version', stubRan));
  for (const e of stubRan.errors)
    if (e.ename === 'CompileError')
      problems.push(`student version: ${cellLabel(stub, e.cell)} does not type-check: ${e.evalue}`);
  for (const c of stubRan.checks)
    if (c.passed && c.gradeId !== undefined)
      problems.push(`student version: test ${testName(c)} passes without the solution; it must fail on the stub`);
  return { problems, visiblePoints };
}

const sum = (cs: RecordedCheck[]) => cs.reduce((s, c) => s + c.points, 0);
