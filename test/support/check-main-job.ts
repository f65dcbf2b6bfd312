/**
 * What README promises the main job (`npm start`: `kdlab export notebooks --execute --jobs auto --out site --executed-out out`)
 * produces in out/: out/<chapter>.ipynb for every chapter in notebooks/, valid nbformat 4.5, every code cell executed, with outputs and no error outputs, and
 * passing the chapter checks of test/notebooks/checks (the same as the chapter test's).
 * Prints each chapter's execution time (first cell started → last cell replied, from the runner's timing
 * metadata). Run by .ci/run on a fresh clone:
 *   node dist/test/support/check-main-job.js NOTEBOOKS_DIR OUT_DIR
 * Exits 1 listing every problem.
 */
import * as fs from 'fs';
import * as path from 'path';
import { notebookSchemaErrors } from './nbformat';
import { checkChapterRun } from '../notebooks/checks/common';

interface Cell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: { output_type: string; ename?: string; evalue?: string }[];
  metadata: { tags?: string[]; execution?: Record<string, string> };
}
const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

/** Problems with one executed chapter, and its execution time in seconds (null if it has no timing). */
export function checkChapter(file: string): { problems: string[]; seconds: number | null } {
  if (!fs.existsSync(file)) return { problems: [`${file} was not written`], seconds: null };
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { nbformat: number; nbformat_minor: number; cells: Cell[] };
  const problems = notebookSchemaErrors(nb).map((e) => `schema: ${e}`);
  if (nb.nbformat !== 4 || nb.nbformat_minor !== 5)
    problems.push(`nbformat ${nb.nbformat}.${nb.nbformat_minor}, expected 4.5`);
  const code = nb.cells.filter(
    (c) => c.cell_type === 'code' && text(c.source).trim() !== '' && !c.metadata.tags?.includes('skip-execution'),
  );
  code.forEach((c, i) => {
    if (typeof c.execution_count !== 'number') problems.push(`code cell ${i + 1}/${code.length} was not executed`);
    for (const o of c.outputs ?? [])
      if (o.output_type === 'error')
        problems.push(`code cell ${i + 1}/${code.length}: error output ${o.ename}: ${o.evalue}`);
  });
  if (!code.some((c) => (c.outputs ?? []).length > 0)) problems.push('no outputs at all');

  const starts = code
    .map((c) => c.metadata.execution?.['iopub.status.busy'])
    .filter(Boolean)
    .map((s) => Date.parse(s!));
  const ends = code
    .map((c) => c.metadata.execution?.['shell.execute_reply'])
    .filter(Boolean)
    .map((s) => Date.parse(s!));
  const seconds = starts.length && ends.length ? (Math.max(...ends) - Math.min(...starts)) / 1000 : null;
  return { problems, seconds };
}

function main(argv: string[]): number {
  if (argv.length !== 2) {
    process.stderr.write('usage: check-main-job NOTEBOOKS_DIR OUT_DIR\n');
    return 2;
  }
  const [notebooks, out] = argv;
  const chapters = fs
    .readdirSync(notebooks)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
    .sort();
  if (chapters.length === 0) {
    process.stderr.write(`no chapters (NN-*.ipynb) in ${notebooks}\n`);
    return 1;
  }
  let failed = false;
  for (const chapter of chapters) {
    const file = path.join(out, chapter);
    const { problems, seconds } = checkChapter(file);
    // Then the chapter test's own checks (figures, tables, generated verdicts recomputed by hand).
    if (problems.length === 0)
      try {
        checkChapterRun(file, chapter, chapter);
      } catch (e) {
        problems.push(`chapter checks: ${(e as Error).message}`);
      }
    const took = seconds === null ? 'no timing' : `${seconds.toFixed(1)} s`;
    process.stdout.write(`${problems.length ? 'FAIL' : 'ok  '} ${chapter}: ${took}\n`);
    for (const p of problems) process.stdout.write(`     ${p}\n`);
    failed ||= problems.length > 0;
  }
  return failed ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
