/**
 * Every chapter runs end to end in quick mode through kdlab's own runner, and one chapter also through the real
 * Jupyter client (`jupyter execute`, nbclient) with the kdlab kernel; each run passes the checks common to all
 * chapters and the chapter's own (./checks).
 *
 * KDLAB_SKIP_CHAPTER_RUNS=<reason> skips the runs, naming the reason: .ci/run sets it in its bare phase only,
 * because its next step runs every chapter on that same bare machine through README's main command and judges the
 * outputs with the same checks (check-main-job), so running them twice would only spend CI time.
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
const chapters = fs
  .readdirSync(path.join(root, 'notebooks'))
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f))
  .sort();
/** nbclient drives the same kernel protocol for every chapter; one chapter proves the client path. */
const NBCLIENT_CHAPTER = '04-response-based-kd.ipynb';
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-chapter-cache-'));
const env = { ...process.env, KDLAB_CACHE: cache };
const skipRuns = process.env.KDLAB_SKIP_CHAPTER_RUNS;

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
}
const text = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);

test('the chapter nbclient runs exists', () => assert.ok(chapters.includes(NBCLIENT_CHAPTER), NBCLIENT_CHAPTER));

for (const chapter of chapters) {
  test(`${chapter} runs in quick mode through kdlab run`, (t) => {
    if (skipRuns) return t.skip(`KDLAB_SKIP_CHAPTER_RUNS: ${skipRuns}`);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-chapter-'));
    const r = spawnSync(
      process.execPath,
      [cli, 'run', path.join(root, 'notebooks', chapter), '--out', out, '--param', 'quick=true', '--timeout', '300'],
      { env, encoding: 'utf8', timeout: 600_000 },
    );
    assert.equal(r.status, 0, `kdlab run failed:\n${r.stderr}`);
    checkChapterRun(path.join(out, chapter), chapter, `kdlab run ${chapter}`);
    fs.rmSync(out, { recursive: true, force: true });
  });
}

test(`${NBCLIENT_CHAPTER} runs through jupyter execute (nbclient) with the kdlab kernel`, (t) => {
  if (skipRuns) return t.skip(`KDLAB_SKIP_CHAPTER_RUNS: ${skipRuns}`);
  if (spawnSync('jupyter', ['execute', '--help'], { encoding: 'utf8' }).status !== 0)
    return t.skip('jupyter execute (pip install nbclient) is not installed');
  const chapter = NBCLIENT_CHAPTER;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-nbclient-'));
  const dataDir = path.join(dir, 'jupyter');
  const jenv = { ...env, JUPYTER_DATA_DIR: dataDir, JUPYTER_PATH: dataDir };
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
});
