/**
 * One chapter through the real Jupyter client (`jupyter execute`, nbclient) with the kdlab kernel, in quick mode
 * on the backend `kd.backend.init()` picks (tensorflow in CI's full phase); it passes the same checks as a
 * `kdlab run` of it (./checks). nbclient drives the same kernel protocol for every chapter, so one proves the path.
 * Skips, naming what to install, without nbclient.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkChapterRun } from './checks/common';

const root = path.resolve(__dirname, '..', '..', '..');
const cli = path.join(root, 'dist', 'kernel', 'cli.js');
// The cheapest chapter in quick mode (≈ 40 s CPU on tensorflow with a cold cache): the path is what is under test.
const NBCLIENT_CHAPTER = '08-writing-kd-code.ipynb';

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
}
const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

test('the chapter nbclient runs exists', () =>
  assert.ok(fs.existsSync(path.join(root, 'notebooks', NBCLIENT_CHAPTER)), NBCLIENT_CHAPTER));

test(`${NBCLIENT_CHAPTER} runs through jupyter execute (nbclient) with the kdlab kernel`, (t) => {
  if (spawnSync('jupyter', ['execute', '--help'], { encoding: 'utf8' }).status !== 0)
    return t.skip('jupyter execute (pip install nbclient) is not installed');
  const chapter = NBCLIENT_CHAPTER;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-nbclient-'));
  const dataDir = path.join(dir, 'jupyter');
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-chapter-cache-'));
  const jenv = { ...process.env, KDLAB_CACHE: cache, JUPYTER_DATA_DIR: dataDir, JUPYTER_PATH: dataDir };
  const install = spawnSync(process.execPath, [cli, 'kernel', 'install', '--user'], { env: jenv, encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  // nbclient has no parameter injection: set the parameters cell's knob the way papermill would.
  const nb = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', chapter), 'utf8')) as { cells: Cell[] };
  const params = nb.cells.find((c) => c.metadata.tags?.includes('parameters'));
  assert.ok(params, `${chapter} has a cell tagged 'parameters'`);
  assert.match(text(params.source), /let quick = false;/);
  params.source = text(params.source).replace('let quick = false;', 'let quick = true;');
  const input = path.join(dir, chapter);
  fs.writeFileSync(input, JSON.stringify(nb));
  const output = path.join(dir, 'executed.ipynb');
  const r = spawnSync('jupyter', ['execute', '--kernel_name=kdlab', `--output=${output}`, input], {
    env: jenv,
    encoding: 'utf8',
    timeout: 600_000,
    cwd: dir,
  });
  assert.equal(r.status, 0, `jupyter execute failed:\n${r.stderr.slice(-3000)}`);
  checkChapterRun(output, chapter, `jupyter execute ${chapter}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(cache, { recursive: true, force: true });
});
