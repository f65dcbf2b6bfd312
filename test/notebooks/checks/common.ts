/**
 * Checks every executed chapter must pass, then the chapter's own (checks/<chapter>.ts, if it exists). Used by
 * chapters.test.ts (each chapter through `kdlab run`, and one through nbclient) and by check-main-job (README's
 * main command on a fresh clone), so both judge a run the same way.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChapterCheck, ExecutedChapter, Output } from './types';

const PLOTLY = 'application/vnd.plotly.v1+json';
const text = (s: unknown) => (Array.isArray(s) ? s.join('') : typeof s === 'string' ? s : '');

interface Cell {
  cell_type: string;
  outputs?: Output[];
}

/** Reads an executed chapter: every code cell's outputs and the generated markdown among them. */
export function readExecuted(file: string, where: string): ExecutedChapter {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] };
  const outputs = nb.cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs ?? []);
  const markdown = outputs
    .filter((o) => o.data && 'text/markdown' in o.data)
    .map((o) => text(o.data!['text/markdown']));
  return { where, outputs, markdown };
}

/** No errors; ≥ 3 Plotly figures with JSON and HTML; ≥ 1 table; generated result text; no empty late displays. */
export function checkCommon({ where, outputs, markdown }: ExecutedChapter): void {
  const errors = outputs.filter((o) => o.output_type === 'error');
  assert.deepEqual(
    errors.map((e) => `${e.ename}: ${e.evalue}`),
    [],
    `${where} has error outputs`,
  );
  const figures = outputs.filter((o) => o.data && PLOTLY in o.data);
  assert.ok(figures.length >= 3, `${where}: expected at least 3 Plotly figures, got ${figures.length}`);
  for (const f of figures) {
    const json = f.data![PLOTLY] as { data?: unknown };
    assert.equal(typeof json, 'object', `${where}: Plotly JSON must be an object`);
    assert.ok(Array.isArray(json.data), `${where}: Plotly JSON has a data array`);
    assert.ok(text(f.data!['text/html']).length > 0, `${where}: figure has text/html`);
  }
  const tables = outputs.filter((o) => /<table/.test(text(o.data?.['text/html'])) && !(PLOTLY in (o.data ?? {})));
  assert.ok(tables.length >= 1, `${where}: expected at least 1 table`);
  assert.ok(markdown.length >= 1, `${where}: the generated result sentences (text/markdown outputs) are present`);
  // Chapters await all their work: an empty late-output display would mean the kernel saw pending work that is not there.
  const empty = outputs.filter(
    (o) =>
      o.output_type === 'display_data' &&
      Object.keys(o.data ?? {}).join() === 'text/plain' &&
      text(o.data!['text/plain']) === '',
  );
  assert.equal(empty.length, 0, `${where}: no empty (late-output) displays`);
}

/** The chapter's own check (checks/<name>.js beside this file), or undefined when it has none. */
export function chapterCheck(chapterFile: string): ChapterCheck | undefined {
  const own = path.join(__dirname, `${path.basename(chapterFile, '.ipynb')}.js`);
  return fs.existsSync(own) ? (require(own) as { check: ChapterCheck }).check : undefined;
}

/** Common checks, then the chapter's own. */
export function checkChapterRun(file: string, chapter: string, where: string): void {
  const run = readExecuted(file, where);
  checkCommon(run);
  chapterCheck(chapter)?.(run);
}
