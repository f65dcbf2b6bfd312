/**
 * nbgrader's cell metadata (`metadata.nbgrader`, schema version 3), checked with nbgrader's rules
 * (nbgrader/nbgraderformat/v3.json and v3.py): the keys of the v3 schema only; schema_version 3; grade,
 * solution and locked booleans; a grade_id (letters, digits, _ and -) when any flag is set, unique in the
 * notebook; points >= 0 on grade cells; markdown cells graded only as grade + solution (answers graded by hand).
 * Every problem is reported, each naming the cell (1-based, counting all cells), its grade_id and what was expected.
 */
import { Cell, Notebook, isRecord, text } from '../runner/notebook';
import { SOLUTION_MARK } from './solution';

export interface NbgraderMeta {
  schema_version: number;
  grade: boolean;
  solution: boolean;
  locked: boolean;
  task?: boolean;
  grade_id?: string;
  points?: number;
  checksum?: string;
  cell_type?: string;
}

const KEYS = ['schema_version', 'grade', 'solution', 'locked', 'task', 'grade_id', 'points', 'checksum', 'cell_type'];
const GRADE_ID = /^[a-zA-Z0-9_-]+$/;

/** A notebook whose nbgrader metadata breaks the rules; `problems` holds one line per problem. */
export class MetadataError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid nbgrader metadata:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export const nbgraderOf = (cell: Cell): NbgraderMeta | undefined =>
  isRecord(cell.metadata.nbgrader) ? (cell.metadata.nbgrader as unknown as NbgraderMeta) : undefined;

export const isGrade = (cell: Cell): boolean => nbgraderOf(cell)?.grade === true;
export const isSolution = (cell: Cell): boolean => nbgraderOf(cell)?.solution === true;
/** nbgrader's is_locked: solution cells never, grade cells always, others when marked locked. */
export const isLocked = (cell: Cell): boolean =>
  !isSolution(cell) && (isGrade(cell) || nbgraderOf(cell)?.locked === true);
export const gradeIdOf = (cell: Cell): string | undefined => nbgraderOf(cell)?.grade_id;

/** A code cell whose checks score it automatically (nbgrader's "autograder tests" cell). */
export const isTestCell = (cell: Cell): boolean => cell.cell_type === 'code' && isGrade(cell) && !isSolution(cell);
/** An answer scored by a person (grade + solution, code or markdown). */
export const isManualCell = (cell: Cell): boolean => isGrade(cell) && isSolution(cell);

/** How the error messages name a cell. */
export function cellLabel(nb: Notebook, index: number): string {
  const cell = nb.cells[index];
  const id = gradeIdOf(cell);
  return `cell ${index + 1} (${cell.cell_type}${typeof id === 'string' ? `, grade_id '${id}'` : ''})`;
}

/** Problems with `nb`'s nbgrader metadata; empty when it follows the rules. */
export function metadataProblems(nb: Notebook): string[] {
  const problems: string[] = [];
  const firstCellOf = new Map<string, number>();
  nb.cells.forEach((cell, i) => {
    const where = cellLabel(nb, i);
    const say = (what: string) => problems.push(`${where}: ${what}`);
    const raw = cell.metadata.nbgrader;
    if (raw === undefined) {
      if (text(cell.source).includes(SOLUTION_MARK.begin))
        say(`holds a BEGIN SOLUTION region but is not a solution cell; set metadata.nbgrader.solution: true`);
      return;
    }
    if (!isRecord(raw)) return say(`metadata.nbgrader: expected an object, got ${JSON.stringify(raw)}`);
    const unknown = Object.keys(raw).filter((k) => !KEYS.includes(k));
    if (unknown.length)
      say(
        `metadata.nbgrader: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (allowed: ${KEYS.join(', ')})`,
      );
    if (raw.schema_version !== 3)
      say(
        `metadata.nbgrader.schema_version: expected 3, got ${raw.schema_version === undefined ? 'none' : JSON.stringify(raw.schema_version)}` +
          (typeof raw.schema_version === 'number' && raw.schema_version < 3 ? ' (upgrade with `nbgrader update`)' : ''),
      );
    for (const flag of ['grade', 'solution', 'locked'] as const) {
      if (typeof raw[flag] !== 'boolean')
        say(`metadata.nbgrader.${flag}: expected true or false, got ${JSON.stringify(raw[flag])}`);
    }
    if (raw.task !== undefined && raw.task !== false)
      say(`metadata.nbgrader.task: task cells are not supported by kdlab assign (expected false or absent)`);
    const flagged = raw.grade === true || raw.solution === true || raw.locked === true;
    const id = raw.grade_id;
    if (id !== undefined && (typeof id !== 'string' || !GRADE_ID.test(id))) {
      say(
        `metadata.nbgrader.grade_id: expected a non-empty string of letters, digits, _ and -, got ${JSON.stringify(id)}`,
      );
    } else if (flagged && id === undefined) {
      say(`metadata.nbgrader.grade_id: required when grade, solution or locked is set`);
    } else if (flagged && typeof id === 'string') {
      const first = firstCellOf.get(id);
      if (first !== undefined) say(`metadata.nbgrader.grade_id '${id}' is already used by cell ${first + 1}`);
      else firstCellOf.set(id, i);
    }
    const points = raw.points;
    if (points !== undefined && (typeof points !== 'number' || !Number.isFinite(points) || points < 0))
      say(`metadata.nbgrader.points: expected a number >= 0, got ${JSON.stringify(points)}`);
    else if (raw.grade === true && points === undefined) say(`metadata.nbgrader.points: required on a grade cell`);
    if (raw.checksum !== undefined && (typeof raw.checksum !== 'string' || !/^[0-9a-f]{32}$/.test(raw.checksum)))
      say(`metadata.nbgrader.checksum: expected 32 hex digits, got ${JSON.stringify(raw.checksum)}`);
    if (raw.cell_type !== undefined && raw.cell_type !== cell.cell_type)
      say(`metadata.nbgrader.cell_type: records ${JSON.stringify(raw.cell_type)} but the cell is ${cell.cell_type}`);
    if (cell.cell_type === 'markdown' && raw.grade === true && raw.solution !== true)
      say(`a markdown grade cell must also be a solution cell (an answer graded by hand)`);
    if (cell.cell_type === 'markdown' && raw.solution === true && raw.grade !== true)
      say(`a markdown solution cell must also be a grade cell, with points (an answer graded by hand)`);
    if (raw.solution !== true && text(cell.source).includes(SOLUTION_MARK.begin))
      say(`holds a BEGIN SOLUTION region but is not a solution cell; set metadata.nbgrader.solution: true`);
  });
  return problems;
}

/** Throws MetadataError listing every problem of `nb` (read from `file`). */
export function checkMetadata(nb: Notebook, file: string): void {
  const problems = metadataProblems(nb);
  if (problems.length) throw new MetadataError(file, problems);
}
