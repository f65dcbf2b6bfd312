/** The checks every executed chapter must pass, on hand-written outputs: one that passes, and each way to fail. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkCommon, chapterCheck, readExecuted } from './checks/common';
import type { Output } from './checks/types';

const figure: Output = {
  output_type: 'display_data',
  data: { 'application/vnd.plotly.v1+json': { data: [], layout: {} }, 'text/html': '<div>plot</div>' },
};
const table: Output = { output_type: 'display_data', data: { 'text/html': '<table><tr><td>1</td></tr></table>' } };
const sentence: Output = { output_type: 'display_data', data: { 'text/markdown': 'KD helps: 3 fewer errors' } };
const good = [figure, figure, figure, table, sentence];
const run = (outputs: Output[]) => ({
  where: 'hand-made',
  outputs,
  markdown: outputs.filter((o) => o.data && 'text/markdown' in o.data).map((o) => String(o.data!['text/markdown'])),
});

test('a chapter run with 3 figures, a table and a generated sentence passes', () => {
  assert.doesNotThrow(() => checkCommon(run(good)));
});

test('each missing piece fails with a message that names it', () => {
  assert.throws(() => checkCommon(run([figure, figure, table, sentence])), /at least 3 Plotly figures, got 2/);
  assert.throws(() => checkCommon(run([figure, figure, figure, sentence])), /at least 1 table/);
  assert.throws(() => checkCommon(run([figure, figure, figure, table])), /generated result sentences/);
  const error: Output = { output_type: 'error', ename: 'RangeError', evalue: 'boom' };
  assert.throws(() => checkCommon(run([...good, error])), /has error outputs/);
  const empty: Output = { output_type: 'display_data', data: { 'text/plain': '' } };
  assert.throws(() => checkCommon(run([...good, empty])), /no empty \(late-output\) displays/);
  const noJson: Output = {
    output_type: 'display_data',
    data: { 'application/vnd.plotly.v1+json': {}, 'text/html': 'x' },
  };
  assert.throws(() => checkCommon(run([...good, noJson])), /Plotly JSON has a data array/);
});

test('a figure is not counted as a table even though its HTML may hold one', () => {
  const figureWithTable: Output = {
    output_type: 'display_data',
    data: { 'application/vnd.plotly.v1+json': { data: [] }, 'text/html': '<table></table>' },
  };
  assert.throws(() => checkCommon(run([figure, figure, figureWithTable, sentence])), /at least 1 table/);
});

test('readExecuted collects code outputs and markdown text (joined lines); chapter checks are found by name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-checks-'));
  const file = path.join(dir, 'nb.ipynb');
  const md: Output = { output_type: 'display_data', data: { 'text/markdown': ['a ', 'b'] } };
  fs.writeFileSync(
    file,
    JSON.stringify({
      cells: [
        { cell_type: 'markdown', source: 'not an output' },
        { cell_type: 'code', outputs: [table, md] },
        { cell_type: 'code', outputs: [figure] },
      ],
    }),
  );
  const r = readExecuted(file, 'w');
  assert.equal(r.outputs.length, 3);
  assert.deepEqual(r.markdown, ['a b']);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(typeof chapterCheck('04-response-based-kd.ipynb'), 'function');
  assert.equal(chapterCheck('99-no-such-chapter.ipynb'), undefined);
});
