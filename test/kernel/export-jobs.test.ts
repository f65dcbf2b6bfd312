/**
 * `kdlab export --execute --jobs N` (what `npm start` runs): notebooks run N at a time, each in its own kernel, the
 * wasm backend's threads split between the kernels, and the site is the same as one at a time would give (every
 * notebook, in order). Also the option's errors and `--jobs auto`'s rule.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseExportArgs } from '../../kernel/commands/export';
import { autoJobs, laneEnv } from '../../kernel/export/execute';
import { CLI, notebook } from '../support/kdlab-run';
import { makeTestKernelspec } from '../support/test-kernelspec';

const { tmp, jupyterPath } = makeTestKernelspec('kdlab-export-jobs-');

/**
 * One cell: says it started (a file named after its notebook in the rendezvous folder), waits up to 60 s until two
 * notebooks have started, and prints when it ran, in which process, with which thread setting. Run one at a time,
 * the first would wait in vain; two at a time, the first two meet.
 */
const RENDEZVOUS = [
  "const fs = require('fs'), dir = process.env.KDLAB_TEST_RENDEZVOUS!, t0 = Date.now();\n" +
    "fs.writeFileSync(`${dir}/${require('path').basename(process.env.JPY_SESSION_NAME ?? String(process.pid))}`, '');\n" +
    'while (fs.readdirSync(dir).length < 2 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));\n' +
    'console.log(JSON.stringify({ t0, t1: Date.now(), met: fs.readdirSync(dir).length >= 2, pid: process.pid, threads: process.env.KDLAB_WASM_THREADS ?? null }));',
];

function exportRun(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'export', ...args], {
      env: { ...process.env, ...env, JUPYTER_PATH: jupyterPath, JUPYTER_DATA_DIR: path.join(tmp, 'nodata') },
    });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stderr }));
  });
}

interface Ran {
  t0: number;
  t1: number;
  met: boolean;
  pid: number;
  threads: string | null;
}
const ranIn = (file: string): Ran => {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { outputs: { text?: string | string[] }[] }[] };
  const text = nb.cells[0].outputs.map((o) => [o.text ?? ''].flat().join('')).join('');
  // The kernel may print its banner (kdlab version, backend) first.
  const line = text.split('\n').find((l) => l.startsWith('{"t0"'));
  assert.ok(line, `${file} printed its timing line: ${text}`);
  return JSON.parse(line) as Ran;
};

test('--jobs 2: two kernels at once, one wasm thread each per two cores, every notebook executed and exported in order', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'nbs-'));
  for (const name of ['01-a', '02-b', '03-c']) notebook(tmp, name, RENDEZVOUS, dir);
  const out = path.join(tmp, 'out'),
    site = path.join(tmp, 'site');
  const rendezvous = fs.mkdtempSync(path.join(tmp, 'met-'));
  // Threads unset by the user: the export chooses.
  const env = { KDLAB_WASM_THREADS: '', KDLAB_BACKEND: 'wasm', KDLAB_TEST_RENDEZVOUS: rendezvous };
  const r = await exportRun([dir, '--execute', '--jobs', '2', '--out', site, '--executed-out', out], env);
  assert.equal(r.code, 0, r.stderr);
  const cores = os.availableParallelism();
  assert.match(
    r.stderr,
    new RegExp(`2 notebooks at a time \\(wasm backend: ${Math.max(1, Math.floor(cores / 2))} thread`),
  );
  const [a, b, c] = ['01-a', '02-b', '03-c'].map((n) => ranIn(path.join(out, `${n}.ipynb`)));
  for (const x of [a, b, c]) assert.equal(x.threads, String(Math.max(1, Math.floor(cores / 2))));
  assert.equal(new Set([a.pid, b.pid, c.pid]).size, 3, 'a fresh kernel per notebook');
  assert.ok(a.met && b.met, `the first two ran at the same time: ${JSON.stringify([a, b])}`);
  assert.ok(c.t0 >= Math.min(a.t1, b.t1), 'the third waited for a free lane');
  const index = fs.readFileSync(path.join(site, 'index.html'), 'utf8');
  const order = ['01-a.html', '02-b.html', '03-c.html'].map((p) => index.indexOf(p));
  assert.ok(
    order.every((i) => i >= 0),
    'index links every page',
  );
  assert.deepEqual(
    [...order].sort((x, y) => x - y),
    order,
    'in the notebooks’ order',
  );
});

test('--jobs: a thread count the user set is kept; errors name the option; auto is one per core up to 4', async () => {
  assert.deepEqual(laneEnv(2, { KDLAB_WASM_THREADS: '2' }, 2), { KDLAB_TF_THREADS: '1' });
  assert.deepEqual(laneEnv(2, { KDLAB_WASM_THREADS: '2', KDLAB_TF_THREADS: '2' }, 2), {});
  assert.deepEqual(laneEnv(2, { TF_NUM_INTRAOP_THREADS: '2' }, 2), { KDLAB_WASM_THREADS: '1' });
  assert.deepEqual(laneEnv(1, {}, 8), {});
  assert.deepEqual(laneEnv(3, {}, 8), { KDLAB_WASM_THREADS: '2', KDLAB_TF_THREADS: '2' });
  assert.deepEqual(laneEnv(4, {}, 2), { KDLAB_WASM_THREADS: '1', KDLAB_TF_THREADS: '1' });
  assert.deepEqual([autoJobs(8, 2), autoJobs(8, 16), autoJobs(3, 16), autoJobs(1, 1)], [2, 4, 3, 1]);
  assert.equal(parseExportArgs(['nb', '--out', 's', '--execute']).jobs, 1);
  assert.equal(parseExportArgs(['nb', '--out', 's', '--execute', '--jobs', 'auto']).jobs, 'auto');
  assert.throws(
    () => parseExportArgs(['nb', '--out', 's', '--execute', '--jobs', '0']),
    /--jobs: expected a whole number of notebooks at once \(1 or more\) or 'auto', got '0'/,
  );
  assert.throws(() => parseExportArgs(['nb', '--out', 's', '--jobs', '2']), /need --execute/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
