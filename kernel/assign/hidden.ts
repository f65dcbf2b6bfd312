/**
 * Hidden tests: one file per assignment notebook, `<name>.hidden.ts` beside `<name>.ipynb`, never released.
 * A TypeScript file in sections, each extending one test cell of the notebook (its grade_id):
 *
 *   // @hidden-tests softmax_tests
 *   check('matches the library on random logits', 2, () => { ... });
 *
 * When the instructor runs the notebook (release's self-check, grading), each section runs as a cell right
 * after its test cell, so its checks count towards that cell's points (nbgrader's `points` = visible + hidden).
 * Before the first marker only blank lines and comments are allowed (a header saying what the file is).
 */
import * as fs from 'fs';
import { Cell, Notebook, newCellId } from '../runner/notebook';
import { gradeIdOf, isTestCell } from './metadata';

const MARKER = /^\/\/\s*@hidden-tests\b\s*(.*)$/;
const GRADE_ID = /^[a-zA-Z0-9_-]+$/;

export interface HiddenTests {
  file: string;
  /** grade_id → source of its hidden tests, in file order. */
  sections: Map<string, string>;
}

export const hiddenFileOf = (notebook: string): string => notebook.replace(/\.ipynb$/, '') + '.hidden.ts';

export class HiddenTestsError extends Error {}

/** Parses `file`; throws HiddenTestsError naming the file and line of a malformed marker or stray code. */
export function parseHiddenTests(file: string, source = fs.readFileSync(file, 'utf8')): HiddenTests {
  const sections = new Map<string, string>();
  let current: { id: string; lines: string[] } | null = null;
  const flush = () => {
    if (current) sections.set(current.id, current.lines.join('\n').trim() + '\n');
  };
  source.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    const m = MARKER.exec(line.trim());
    if (m) {
      const id = m[1].trim();
      if (!GRADE_ID.test(id))
        throw new HiddenTestsError(`${where}: expected \`// @hidden-tests <grade_id>\`, got \`${line.trim()}\``);
      if (sections.has(id) || current?.id === id)
        throw new HiddenTestsError(`${where}: a second section for grade_id '${id}'`);
      flush();
      current = { id, lines: [] };
    } else if (current) current.lines.push(line);
    else if (line.trim() !== '' && !line.trim().startsWith('//'))
      throw new HiddenTestsError(`${where}: code before the first \`// @hidden-tests <grade_id>\` marker`);
  });
  flush();
  for (const [id, src] of sections)
    if (src.trim() === '') throw new HiddenTestsError(`${file}: the section for grade_id '${id}' is empty`);
  return { file, sections };
}

/** Marks the cells added for hidden tests (cell metadata `kdlab.hidden_tests`: the grade_id they extend). */
export const hiddenOf = (cell: Cell): string | undefined => {
  const k = cell.metadata.kdlab as { hidden_tests?: unknown } | undefined;
  return typeof k?.hidden_tests === 'string' ? k.hidden_tests : undefined;
};

/**
 * `nb` with each section as a cell right after its test cell. Throws HiddenTestsError for a grade_id that
 * names no test cell of the notebook (a grade code cell that is not a solution).
 */
export function withHiddenTests(nb: Notebook, hidden: HiddenTests, notebookFile: string): Notebook {
  const testIds = new Set(nb.cells.filter(isTestCell).map(gradeIdOf));
  const unknown = [...hidden.sections.keys()].filter((id) => !testIds.has(id));
  if (unknown.length)
    throw new HiddenTestsError(
      `${hidden.file}: grade_id ${unknown.map((id) => `'${id}'`).join(', ')} names no test cell of ${notebookFile}` +
        ` (test cells: ${[...testIds].map((id) => `'${id}'`).join(', ') || 'none'})`,
    );
  const cells: Cell[] = [];
  for (const cell of nb.cells) {
    cells.push(cell);
    const id = isTestCell(cell) ? gradeIdOf(cell) : undefined;
    const src = id === undefined ? undefined : hidden.sections.get(id);
    if (src !== undefined)
      cells.push({
        id: newCellId(),
        cell_type: 'code',
        source: src,
        metadata: { kdlab: { hidden_tests: id } },
        outputs: [],
        execution_count: null,
      });
  }
  return { ...nb, cells };
}
