/**
 * The `kdlab` command line without a kernel: `kdlab --version` and `kdlab init` (copies of the chapters to work in).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyNotebooks } from '../../kernel/commands/init';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'kernel', 'cli.js');
const CHAPTERS = fs
  .readdirSync(path.join(ROOT, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

function kdlab(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-cli-'));

test('kdlab --version and -V print the version from package.json', () => {
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  assert.match(version, /^\d+\.\d+\.\d+/);
  for (const flag of ['--version', '-V']) {
    const r = kdlab([flag], ROOT);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `kdlab ${version}\n`);
  }
  assert.match(kdlab(['--help'], ROOT).stdout, /-V, --version/);
});

test('kdlab init copies the chapters output-free into ./kdlab-notebooks and says what to do next', () => {
  const cwd = tmp();
  // A data dir without the kdlab kernelspec: the next steps start with installing it.
  const env = { JUPYTER_DATA_DIR: path.join(cwd, 'jupyter'), JUPYTER_PATH: path.join(cwd, 'jupyter') };
  const r = kdlab(['init'], cwd, env);
  assert.equal(r.code, 0, r.stderr);
  // notebooks/assignments/ (kdlab assign's sources, with solutions) is not copied: students get released versions.
  assert.deepEqual(fs.readdirSync(path.join(cwd, 'kdlab-notebooks')).sort(), [...CHAPTERS, 'README.md'].sort());
  // the chapters' guide comes along, byte for byte, after the notebooks
  assert.ok(r.stdout.includes(`copied   ${path.join('kdlab-notebooks', 'README.md')}\n`), r.stdout);
  assert.ok(
    fs
      .readFileSync(path.join(cwd, 'kdlab-notebooks', 'README.md'))
      .equals(fs.readFileSync(path.join(ROOT, 'notebooks', 'README.md'))),
  );
  for (const f of CHAPTERS) {
    assert.ok(r.stdout.includes(`copied   ${path.join('kdlab-notebooks', f)}\n`), r.stdout);
    const copy = JSON.parse(fs.readFileSync(path.join(cwd, 'kdlab-notebooks', f), 'utf8'));
    const original = JSON.parse(fs.readFileSync(path.join(ROOT, 'notebooks', f), 'utf8'));
    assert.deepEqual(
      copy.cells.map((c: any) => c.source),
      original.cells.map((c: any) => c.source),
      `${f}: same cells`,
    );
    const code = copy.cells.filter((c: any) => c.cell_type === 'code');
    assert.deepEqual(
      code.map((c: any) => [c.outputs, c.execution_count]),
      code.map(() => [[], null]),
      `${f}: no outputs`,
    );
  }
  assert.ok(r.stdout.includes('1. npx kdlab kernel install --user'), r.stdout);
  assert.ok(r.stdout.includes('2. jupyter lab kdlab-notebooks'), r.stdout);

  // With the kernelspec installed, that step is not repeated.
  assert.equal(kdlab(['kernel', 'install', '--user'], cwd, env).code, 0);
  const again = kdlab(['init', 'second folder'], cwd, env);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /kernel install/);
  assert.ok(again.stdout.includes("1. jupyter lab 'second folder'"), again.stdout);
  fs.rmSync(cwd, { recursive: true, force: true });
});

test('kdlab init never overwrites a notebook or README already there, unless --force', () => {
  const cwd = tmp();
  const dir = path.join(cwd, 'work');
  fs.mkdirSync(dir);
  const mine = path.join(dir, CHAPTERS[0]);
  fs.writeFileSync(mine, 'my edited notebook');
  const notes = path.join(dir, 'README.md');
  fs.writeFileSync(notes, 'my notes');
  const r = kdlab(['init', 'work'], cwd);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.includes(
      `skipped  ${path.join('work', CHAPTERS[0])} (already there, maybe with your edits; --force overwrites it)`,
    ),
    r.stdout,
  );
  assert.ok(r.stdout.includes(`skipped  ${path.join('work', 'README.md')} (already there`), r.stdout);
  assert.equal(fs.readFileSync(mine, 'utf8'), 'my edited notebook');
  assert.equal(fs.readFileSync(notes, 'utf8'), 'my notes');
  const forced = kdlab(['init', 'work', '--force'], cwd);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(forced.stdout.includes(`copied   ${path.join('work', CHAPTERS[0])}`), forced.stdout);
  assert.equal(JSON.parse(fs.readFileSync(mine, 'utf8')).nbformat, 4);
  assert.match(fs.readFileSync(notes, 'utf8'), /^# kdlab chapters\n/);
  fs.rmSync(cwd, { recursive: true, force: true });
});

test("kdlab init: a file as DIR, the package's own notebooks folder, two folders, unknown options are errors", () => {
  const cwd = tmp();
  fs.writeFileSync(path.join(cwd, 'afile'), 'x');
  let r = kdlab(['init', 'afile'], cwd);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^kdlab init: afile: exists and is not a folder\n/);
  assert.equal(fs.readFileSync(path.join(cwd, 'afile'), 'utf8'), 'x');
  r = kdlab(['init', path.join(ROOT, 'notebooks')], cwd);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is kdlab's own notebooks folder; choose another folder to work in/);
  r = kdlab(['init', 'a', 'b'], cwd);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /expected one folder, got 'a' and 'b'/);
  r = kdlab(['init', '--forse'], cwd);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option '--forse'/);
  // A folder that cannot be created (its parent is a file): exit 1, the reason named.
  r = kdlab(['init', path.join('afile', 'sub')], cwd);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /kdlab init: cannot copy into afile\/sub: .*(ENOTDIR|not a directory)/);
  assert.deepEqual(fs.readdirSync(cwd), ['afile'], 'nothing created');
  fs.rmSync(cwd, { recursive: true, force: true });
});

test('copyNotebooks: sub-folders kept, results and checkpoints left out, outputs, counts and timing cleared; README.md as is', () => {
  const from = tmp();
  const to = path.join(tmp(), 'to');
  const cell = {
    id: 'a1',
    cell_type: 'code',
    metadata: { tags: ['parameters'], execution: { 'iopub.status.busy': '2026-01-01T00:00:00Z' } },
    source: 'let quick = true;',
    execution_count: 7,
    outputs: [{ output_type: 'stream', name: 'stdout', text: 'x' }],
  };
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [cell, { id: 'm', cell_type: 'markdown', metadata: {}, source: '# t' }],
  };
  fs.mkdirSync(path.join(from, 'assignments'));
  fs.mkdirSync(path.join(from, '.ipynb_checkpoints'));
  for (const f of ['01.ipynb', 'assignments/a1.ipynb', '01.out.ipynb', '.ipynb_checkpoints/01-checkpoint.ipynb']) {
    fs.writeFileSync(path.join(from, f), JSON.stringify(nb));
  }
  fs.writeFileSync(path.join(from, 'README.md'), '# chapters\n');
  fs.writeFileSync(path.join(from, 'notes.txt'), 'not copied');
  const r = copyNotebooks(from, to, { force: false });
  // assignments/ holds assignment sources with their solutions: left out
  assert.deepEqual(r, { copied: ['01.ipynb', 'README.md'], skipped: [] });
  assert.equal(fs.readFileSync(path.join(to, 'README.md'), 'utf8'), '# chapters\n');
  assert.ok(!fs.existsSync(path.join(to, 'notes.txt')));
  for (const f of r.copied.filter((c) => c.endsWith('.ipynb'))) {
    const copy = JSON.parse(fs.readFileSync(path.join(to, f), 'utf8'));
    assert.deepEqual(copy.cells[0], {
      id: 'a1',
      cell_type: 'code',
      metadata: { tags: ['parameters'] },
      source: ['let quick = true;'],
      execution_count: null,
      outputs: [],
    });
    assert.deepEqual(copy.cells[1], { id: 'm', cell_type: 'markdown', metadata: {}, source: ['# t'] });
  }
  assert.deepEqual(copyNotebooks(from, to, { force: false }), { copied: [], skipped: r.copied });
});
