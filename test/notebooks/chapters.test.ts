/**
 * Every chapter runs end to end in quick mode through kdlab's own runner (on the backend `kd.backend.init()`
 * picks: tensorflow when installed, else wasm) and passes the checks common to all chapters and its own
 * (./checks). ./chapter-nbclient.test.ts runs one chapter through the real Jupyter client.
 *
 * KDLAB_SKIP_CHAPTER_RUNS=<reason> skips these runs, naming the reason. .ci/run sets it because its bare phase
 * runs every chapter through README's main command on a fresh clone (zero-install wasm) and judges the outputs
 * with the same checks (check-main-job): running them again would only spend CI time, which the chapters'
 * quick modes fill (the tensorflow verdicts are measured and written in README's chapter table).
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
const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-chapter-cache-'));
const env = { ...process.env, KDLAB_CACHE: cache };
const skipRuns = process.env.KDLAB_SKIP_CHAPTER_RUNS;

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
