/**
 * The student version of a source notebook, as nbgrader's generate_assignment makes it (LockCells,
 * ClearSolutions, ClearOutput, ComputeChecksums): solution regions replaced by stubs, outputs cleared, grade
 * and read-only cells made undeletable and uneditable (solution cells undeletable), and every grade, solution
 * or locked cell given nbgrader's checksum and its cell_type. Hidden tests never enter it: they live in their
 * own file (hidden.ts). Each test cell also records `metadata.kdlab.visible_points`, what its visible checks are
 * worth, so that `kdlab assign validate` can count a test cell that fails before its checks run.
 */
import { Cell, Notebook } from '../runner/notebook';
import { computeChecksum } from './checksum';
import { cellLabel, gradeIdOf, isGrade, isLocked, isSolution, isTestCell, nbgraderOf } from './metadata';
import { SolutionRegionError, stubSolution } from './solution';
import { hiddenOf } from './hidden';

export class ReleaseError extends Error {}

/** `visiblePoints`: grade_id → points of the test cell's visible checks (from the self-check). */
export function studentVersion(source: Notebook, file: string, visiblePoints?: Map<string, number>): Notebook {
  const nb = structuredClone(source);
  nb.cells = nb.cells.filter((c) => hiddenOf(c) === undefined);
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type === 'code') {
      cell.outputs = [];
      cell.execution_count = null;
    }
    if (isSolution(cell) && cell.cell_type !== 'raw') {
      try {
        cell.source = stubSolution(textOf(cell), cell.cell_type, gradeIdOf(cell) ?? '');
      } catch (e) {
        if (!(e instanceof SolutionRegionError)) throw e;
        throw new ReleaseError(`${file}: ${cellLabel(nb, i)}: ${e.message}`);
      }
    }
    lock(cell);
    const meta = nbgraderOf(cell);
    if (meta && (isGrade(cell) || isSolution(cell) || isLocked(cell))) {
      delete meta.checksum;
      meta.cell_type = cell.cell_type;
      meta.checksum = computeChecksum(cell);
    }
    const visible = isTestCell(cell) ? visiblePoints?.get(gradeIdOf(cell)!) : undefined;
    if (visible !== undefined) cell.metadata.kdlab = { ...(cell.metadata.kdlab as object), visible_points: visible };
  });
  return nb;
}

/** nbgrader's LockCells with its defaults: solution cells undeletable, grade and read-only cells also uneditable. */
function lock(cell: Cell): void {
  if (isSolution(cell)) cell.metadata.deletable = false;
  else if (isGrade(cell) || isLocked(cell)) {
    cell.metadata.deletable = false;
    cell.metadata.editable = false;
  }
}

const textOf = (cell: Cell) => (Array.isArray(cell.source) ? cell.source.join('') : cell.source);
