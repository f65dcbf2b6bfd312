/** The main-job check .ci/run applies to README's command: hand-written executed notebooks, good and bad. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkChapter } from './check-main-job';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-check-job-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, cells: unknown[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells }));
  return file;
}
const code = (id: string, n: number | null, outputs: unknown[], execution?: Record<string, string>) => ({
  cell_type: 'code',
  id,
  execution_count: n,
  metadata: execution ? { execution } : {},
  source: 'x',
  outputs,
});
const stream = { output_type: 'stream', name: 'stdout', text: 'hi\n' };

test('an executed chapter passes; its time runs from the first busy to the last reply', () => {
  const file = write('good.ipynb', [
    code('a', 1, [stream], {
      'iopub.status.busy': '2026-01-01T00:00:01.000Z',
      'shell.execute_reply': '2026-01-01T00:00:02.000Z',
    }),
    { cell_type: 'markdown', id: 'm', metadata: {}, source: 'text' },
    code('b', 2, [], {
      'iopub.status.busy': '2026-01-01T00:00:02.500Z',
      'shell.execute_reply': '2026-01-01T00:01:03.250Z',
    }),
  ]);
  assert.deepEqual(checkChapter(file), { problems: [], seconds: 62.25 });
});

test('a missing file, an unexecuted cell, an error output and a notebook without outputs are each reported', () => {
  assert.deepEqual(checkChapter(path.join(dir, 'absent.ipynb')).problems, [
    `${path.join(dir, 'absent.ipynb')} was not written`,
  ]);
  const bad = checkChapter(
    write('bad.ipynb', [
      code('a', 1, [{ output_type: 'error', ename: 'RangeError', evalue: 'boom', traceback: [] }]),
      code('b', null, []),
    ]),
  );
  assert.deepEqual(bad.problems, ['code cell 1/2: error output RangeError: boom', 'code cell 2/2 was not executed']);
  assert.equal(bad.seconds, null);
  assert.deepEqual(checkChapter(write('silent.ipynb', [code('a', 1, [])])).problems, ['no outputs at all']);
});
