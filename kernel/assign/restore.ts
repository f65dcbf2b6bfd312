/**
 * A submission as it is graded: the source's structure, the student's answers. Every cell of the source with
 * nbgrader metadata is matched by grade_id: a solution cell keeps the student's text (under the source's
 * metadata, so changed points do not count); any other (test, read-only) cell is the source's own. Cells the
 * student added without nbgrader metadata stay where they were, after the graded cell they followed; no cell of the
 * student's keeps kdlab's cell metadata (which marks the hidden-tests cells the grader adds). What differs
 * from what the student was handed is reported as tampering: a locked cell edited or its metadata changed (its
 * nbgrader checksum no longer matches), a cell deleted or duplicated, points changed, a grade_id the source lacks.
 */
import { Cell, Notebook, isRecord, text } from '../runner/notebook';
import { computeChecksum, pythonFloatStr } from './checksum';
import { gradeIdOf, isGrade, isLocked, isSolution, nbgraderOf } from './metadata';
import { stubSolution } from './solution';

export type TamperKind = 'edited' | 'deleted' | 'duplicated' | 'points' | 'metadata' | 'unknown-cell';

export interface Tamper {
  gradeId: string;
  kind: TamperKind;
  detail: string;
}

export interface Restored {
  notebook: Notebook;
  tamper: Tamper[];
}

/** The cell as the release handed it out (locked cells unchanged, checksum over what the student received). */
function released(cell: Cell): Cell {
  const c = structuredClone(cell);
  if (isSolution(c) && c.cell_type !== 'raw') c.source = stubSolution(text(c.source), c.cell_type, gradeIdOf(c)!);
  return c;
}

export function restoreSubmission(source: Notebook, submission: Notebook): Restored {
  const tamper: Tamper[] = [];
  const sourceIds = new Set(source.cells.map(gradeIdOf).filter((id): id is string => typeof id === 'string'));
  // The student's cells by grade_id (first occurrence), and the cells they added after each.
  const byId = new Map<string, Cell>();
  const added = new Map<string, Cell[]>(); // grade_id of the graded cell they follow ('' = before any)
  let anchor = '';
  for (const cell of submission.cells) {
    const meta = isRecord(cell.metadata.nbgrader) ? nbgraderOf(cell) : undefined;
    const id = meta?.grade_id;
    if (typeof id !== 'string' || !(meta!.grade || meta!.solution || meta!.locked || sourceIds.has(id))) {
      const plain = structuredClone(cell);
      delete plain.metadata.nbgrader;
      delete plain.metadata.kdlab;
      (added.get(anchor) ?? added.set(anchor, []).get(anchor)!).push(plain);
      continue;
    }
    if (!sourceIds.has(id)) {
      tamper.push({
        gradeId: id,
        kind: 'unknown-cell',
        detail: `a cell with grade_id '${id}', which the source lacks`,
      });
      continue;
    }
    if (byId.has(id)) {
      tamper.push({ gradeId: id, kind: 'duplicated', detail: `cell '${id}' appears more than once; the first counts` });
      continue;
    }
    byId.set(id, cell);
    anchor = id;
  }

  const cells: Cell[] = [...(added.get('') ?? [])];
  for (const src of source.cells) {
    const id = gradeIdOf(src);
    if (id === undefined || !nbgraderOf(src)) {
      cells.push(structuredClone(src));
      continue;
    }
    const given = released(src);
    const theirs = byId.get(id);
    if (!theirs) {
      tamper.push({ gradeId: id, kind: 'deleted', detail: `cell '${id}' was deleted; the source's was put back` });
      cells.push(isSolution(src) ? given : structuredClone(src));
    } else {
      tamper.push(...differences(id, given, theirs));
      if (isSolution(src)) {
        const cell = structuredClone(theirs);
        cell.cell_type = src.cell_type;
        // kdlab's own cell metadata (e.g. the mark of a hidden-tests cell, which runs sealed) is the grader's to set.
        cell.metadata = { ...cell.metadata, nbgrader: structuredClone(src.metadata.nbgrader) };
        delete cell.metadata.kdlab;
        if (cell.cell_type !== 'code') delete cell.outputs;
        cells.push(cell);
      } else cells.push(structuredClone(src));
    }
    cells.push(...(added.get(id) ?? []));
  }
  for (const c of cells) {
    if (c.cell_type !== 'code') continue;
    c.outputs = [];
    c.execution_count = null;
  }
  return { notebook: { ...structuredClone(source), cells }, tamper };
}

/** How the student's copy of a cell differs from what was handed out (nothing for an answer that was edited). */
function differences(id: string, given: Cell, theirs: Cell): Tamper[] {
  const out: Tamper[] = [];
  const a = nbgraderOf(given)!;
  const b = nbgraderOf(theirs)!;
  if (isGrade(given) && Number(b.points) !== a.points)
    out.push({
      gradeId: id,
      kind: 'points',
      detail: `points changed from ${pythonFloatStr(a.points!)} to ${JSON.stringify(b.points)}`,
    });
  const flags = (['grade', 'solution', 'locked'] as const).filter((f) => a[f] !== b[f]);
  if (flags.length || theirs.cell_type !== given.cell_type)
    out.push({
      gradeId: id,
      kind: 'metadata',
      detail: `changed: ${[...flags, ...(theirs.cell_type !== given.cell_type ? ['cell type'] : [])].join(', ')}`,
    });
  // nbgrader's own test: the checksum over source, type, flags, grade_id and points.
  if (isLocked(given) && !isSolution(given)) {
    const expected = computeChecksum(given);
    let actual: string | null;
    try {
      actual = computeChecksum(theirs);
    } catch {
      actual = null;
    }
    if (actual !== expected && text(theirs.source) !== text(given.source))
      out.push({ gradeId: id, kind: 'edited', detail: `the locked cell '${id}' was edited (checksum mismatch)` });
  }
  return out;
}
