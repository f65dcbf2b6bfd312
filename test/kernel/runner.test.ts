/**
 * `kdlab run` end to end: the CLI is spawned on fixture notebooks (test/kernel/fixtures), the written notebooks
 * are validated against the official nbformat 4.5 schema and compared with outputs worked out by hand.
 * What needs Jupyter on PATH (trust marks, the same outputs through nbclient) is in ./runner-jupyter.test.ts, so
 * a run with Jupyter installed (CI's full phase) re-runs only that file.
 *
 * Kernel: the kdlab kernel (dist/kernel/main.js) through a kernelspec written to a temporary JUPYTER_PATH, or its
 * python3 twin (KDLAB_RUNNER_KERNEL=python3; see ../support/runner-harness).
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { assertValidNotebook, notebookSchemaErrors } from '../support/nbformat';
import {
  EXPECT,
  FIXTURES,
  FLAVOUR,
  RunnerHarness,
  assertLateOutputs,
  joined,
  kdlabOnly,
  outName,
  processesMentioning,
  read,
  summary,
} from '../support/runner-harness';
import { KernelClient } from '../../kernel/runner/client';
import { KernelSpec, findKernelSpec } from '../../kernel/runner/kernelspec';

let h: RunnerHarness;
let tmp: string;
let jupyterPath: string;
before(() => {
  h = new RunnerHarness('kdlab-runner-test-');
  ({ tmp, jupyterPath } = h);
});
after(() => h.cleanup());
const kdlabRun = (...args: Parameters<RunnerHarness['kdlabRun']>) => h.kdlabRun(...args);
const fixture = (name: string) => h.fixture(name);

test('outputs, counts, timing, parameters, tags, display updates and clear_output; valid nbformat 4.5', async () => {
  const input = fixture('outputs');
  const before = fs.readFileSync(input);
  const r = await kdlabRun(
    [input, '--param', 'n=3', '--param', 'quick=true', '--param', 'label=run', '--timeout', '120'],
    'outputs',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readFileSync(input), before, 'the input notebook must not change');
  const nb = read(outName(input));
  assertValidNotebook(nb, 'outputs.out.ipynb');

  const cells = nb.cells;
  // 11 cells: the injected one sits right after the 'parameters' cell.
  assert.equal(cells.length, 11);
  assert.deepEqual(cells[2].metadata.tags, ['injected-parameters']);
  const injected = FLAVOUR === 'python3' ? [] : ['void 0; // no Out[] for this cell'];
  assert.deepEqual(joined(cells[2].source).split('\n'), ['n = 3;', 'quick = true;', 'label = "run";', ...injected]);
  // Like papermill's: executed (it has a count), but no Out[] (the assignments' values are not results).
  assert.deepEqual(summary(cells[2]), []);
  assert.equal(new Set(cells.map((c: any) => c.id)).size, 11, 'cell ids are unique');

  // Execution counts: one per executed cell, in order; the skipped and the empty cell have none.
  assert.deepEqual(
    cells.map((c: any) => c.execution_count),
    [undefined, 1, 2, 3, 4, 5, 6, 7, null, null, 8],
  );
  // n = 3 after injection: 3 * 21 = 63.
  assert.deepEqual(summary(cells[3]), [
    ['stream', 'stdout', 'a\nb\n'],
    ['stream', 'stderr', 'warn\n'],
    ['execute_result', '63', 3],
  ]);
  // 'first' was updated in place by its own cell ('updated') and then by the next cell ('again').
  assert.deepEqual(summary(cells[4]), [
    ['display_data', 'again'],
    ['display_data', 'second'],
  ]);
  assert.deepEqual(summary(cells[5]), []);
  // clearOutput() dropped 'gone'; clearOutput(true) dropped 'kept' only when 'final' arrived.
  assert.deepEqual(summary(cells[6]), [['stream', 'stdout', 'final\n']]);
  assert.deepEqual(summary(cells[7]), [['error', EXPECT.expectedFailure, 'expected failure']]);
  assert.deepEqual(summary(cells[8]), [], 'skip-execution cell not run');
  assert.deepEqual(summary(cells[10]), [['stream', 'stdout', 'quick run\n']]);

  // Timing as nbclient records it, ordered busy <= execute_input <= reply, busy <= idle.
  for (const i of [1, 3, 10]) {
    const t = cells[i].metadata.execution;
    for (const k of ['iopub.status.busy', 'iopub.execute_input', 'shell.execute_reply', 'iopub.status.idle']) {
      assert.ok(
        typeof t[k] === 'string' && !Number.isNaN(Date.parse(t[k])),
        `cell ${i} metadata.execution['${k}'] = ${t[k]}`,
      );
    }
    assert.ok(Date.parse(t['iopub.status.busy']) <= Date.parse(t['shell.execute_reply']));
    assert.ok(Date.parse(t['iopub.status.busy']) <= Date.parse(t['iopub.status.idle']));
  }
  assert.equal(cells[8].metadata.execution, undefined, 'no timing on a skipped cell');

  // A progress line per code cell on stderr, counting the 10 code cells of the written notebook (the empty one,
  // 9/10, runs silently); no "still running" line for cells shorter than the heartbeat interval.
  assert.match(r.stderr, /\[outputs\.ipynb\] code cell 1\/10 ok \d+\.\ds/);
  assert.match(r.stderr, /\[outputs\.ipynb\] code cell 8\/10 skipped \(skip-execution\)/);
  assert.doesNotMatch(r.stderr, /code cell 9\/10/);
  assert.match(r.stderr, /\[outputs\.ipynb\] code cell 10\/10 ok/);
  assert.doesNotMatch(r.stderr, /still running/);
  assert.deepEqual(processesMentioning(r.tmpdir), [], 'no kernel left running');
});

test('a cell error stops the run: non-zero exit, ename/evalue printed, partial notebook written', async () => {
  const input = fixture('error');
  const r = await kdlabRun([input], 'error');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${EXPECT.badValue}: bad value 1`));
  // Numbered like the progress lines: the second of three code cells.
  assert.match(r.stderr, /code cell 2\/3 FAILED/);
  assert.match(r.stderr, /FAILED \(error\) at code cell 2\/3 \(`const x: number = 1;`\)/);
  const nb = read(outName(input));
  assertValidNotebook(nb, 'error.out.ipynb');
  assert.deepEqual(summary(nb.cells[0]), [['stream', 'stdout', 'before\n']]);
  assert.deepEqual(summary(nb.cells[1]), [['error', EXPECT.badValue, 'bad value 1']]);
  assert.deepEqual(summary(nb.cells[2]), [], 'the cell after the error did not run');
  assert.equal(nb.cells[2].execution_count, null);
  assert.deepEqual(processesMentioning(r.tmpdir), []);
});

test('a cell over its timeout is interrupted and reported with notebook, cell number and first line', async () => {
  const input = fixture('timeout');
  const r = await kdlabRun([input, '--timeout', '2'], 'timeout');
  assert.equal(r.code, 1);
  const line = r.stderr.split('\n').find((l) => l.includes('FAILED (timeout)'));
  assert.ok(line, r.stderr);
  assert.ok(line.includes(input), line);
  // The markdown cell is not counted: the sleeping cell is the second of three code cells.
  assert.ok(line.includes('at code cell 2/3'), line);
  assert.ok(/sleeps far beyond the timeout/.test(line), line);
  const nb = read(outName(input));
  assertValidNotebook(nb, 'timeout.out.ipynb');
  assert.deepEqual(summary(nb.cells[1]), [['stream', 'stdout', 'start\n']]);
  const errs = nb.cells[2].outputs.filter((o: any) => o.output_type === 'error');
  assert.equal(errs[errs.length - 1].ename, 'CellTimeoutError');
  assert.deepEqual(summary(nb.cells[3]), []);
  assert.deepEqual(processesMentioning(r.tmpdir), [], 'no kernel left running');
});

test('Ctrl-C on the runner: kernel killed, partial notebook written, exit 130', async () => {
  const input = fixture('timeout');
  let sent = false;
  const r = await kdlabRun([input, '--timeout', '0'], 'sigint', (text, p) => {
    // Once the first cell is done the kernel sits in the 120 s sleep: interrupt the runner itself.
    if (!sent && /cell 1\/3 ok/.test(text)) {
      sent = true;
      p.kill('SIGINT');
    }
  });
  assert.ok(sent, r.stderr);
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /partial notebook written to/);
  const nb = read(outName(input));
  assertValidNotebook(nb, 'timeout.out.ipynb after SIGINT');
  assert.deepEqual(summary(nb.cells[1]), [['stream', 'stdout', 'start\n']]);
  assert.deepEqual(processesMentioning(r.tmpdir), [], 'no kernel left running');
});

test('a kernel that dies is reported with the cell, and the partial notebook is kept', async () => {
  const input = fixture('crash');
  const r = await kdlabRun([input, '--timeout', '60'], 'crash');
  assert.equal(r.code, 1);
  const line = r.stderr.split('\n').find((l) => l.includes('FAILED (kernel died)'));
  assert.ok(line, r.stderr);
  assert.ok(line.includes(input) && line.includes('at code cell 2/3') && line.includes('the kernel dies here'), line);
  const nb = read(outName(input));
  assertValidNotebook(nb, 'crash.out.ipynb');
  assert.deepEqual(summary(nb.cells[0]), [['stream', 'stdout', 'alive\n']]);
  assert.equal(nb.cells[1].outputs.at(-1).ename, 'DeadKernelError');
  assert.deepEqual(summary(nb.cells[2]), []);
  assert.deepEqual(processesMentioning(r.tmpdir), []);
});

test('client: a kernel that stops answering the heartbeat while idle is declared dead, then killed', async () => {
  const spec = findKernelSpec(FLAVOUR, {
    ...process.env,
    JUPYTER_PATH: jupyterPath,
    JUPYTER_DATA_DIR: path.join(tmp, 'nodata'),
  });
  assert.ok(spec, `kernelspec ${FLAVOUR}`);
  const client = await KernelClient.start(spec, { cwd: tmp, hbTimeoutMs: 3000 });
  try {
    assert.equal(client.kernelInfo.status, 'ok');
    const pid = client.pid!;
    const died = new Promise<string>((resolve) => client.onDeath((d) => resolve(d.reason)));
    process.kill(pid, 'SIGSTOP'); // alive but frozen: only the heartbeat can tell
    assert.match(await died, /heartbeat lost for 3 s/);
    await client.shutdown();
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the frozen kernel was killed');
  } finally {
    await client.shutdown();
  }
});

/**
 * A kernelspec whose first `taken` launches find their shell port already bound by someone else (as when a
 * concurrent process grabs it between freePorts() and the kernel's bind); later launches start normally.
 */
function portThiefSpec(dir: string, taken: number): { spec: KernelSpec; launches: () => number } {
  const count = path.join(dir, 'launches');
  const wrapper = path.join(dir, 'port-thief.js');
  fs.writeFileSync(
    wrapper,
    `
const fs = require('fs'), net = require('net');
const n = (fs.existsSync(${JSON.stringify(count)}) ? Number(fs.readFileSync(${JSON.stringify(count)}, 'utf8')) : 0) + 1;
fs.writeFileSync(${JSON.stringify(count)}, String(n));
const conn = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const start = () => { process.argv[1] = 'kernel/main.js'; require(${JSON.stringify(path.resolve(__dirname, '..', '..', 'kernel', 'main.js'))}); };
if (n <= ${taken}) net.createServer().listen(conn.shell_port, '127.0.0.1', start); else start();
`,
  );
  const spec: KernelSpec = {
    name: 'port-thief',
    resourceDir: dir,
    argv: [process.execPath, wrapper, '{connection_file}'],
    displayName: 'port thief',
    language: 'typescript',
    interruptMode: 'message',
    env: { KDLAB_BACKEND: 'cpu' },
  };
  return { spec, launches: () => Number(fs.readFileSync(count, 'utf8')) };
}

test('client: a kernel whose port was taken before it could bind it is started again on fresh ports', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'thief-'));
  const { spec, launches } = portThiefSpec(dir, 2);
  const client = await KernelClient.start(spec, { cwd: dir });
  try {
    assert.equal(client.kernelInfo.status, 'ok');
    assert.equal(launches(), 3, 'two launches lost their port, the third started');
  } finally {
    await client.shutdown();
  }
});

test('client: a port that stays taken is reported after a bounded number of attempts', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'thief-'));
  const { spec, launches } = portThiefSpec(dir, 100);
  await assert.rejects(KernelClient.start(spec, { cwd: dir }), /died during startup[\s\S]*Address already in use/);
  assert.equal(launches(), 4);
});

test(
  'a long cell prints "still running" lines with the elapsed time and its progress bar\'s state',
  { skip: kdlabOnly },
  async () => {
    const input = fixture('heartbeat');
    // 1 s instead of the default minute. The cell sleeps 2.5 s without a bar, then 3 s at "epoch 1/3 done".
    const r = await kdlabRun([input], 'heartbeat', undefined, { KDLAB_RUN_HEARTBEAT_S: '1' });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n');
    // (On a loaded machine even the one-line second cell may outlast 1 s and get a line of its own.)
    const beats = lines.filter((l) => l.includes('code cell 1/2 still running'));
    assert.ok(beats.length >= 3, r.stderr);
    for (const l of beats)
      assert.match(l, /^\[heartbeat\.ipynb\] code cell 1\/2 still running, \d+:\d\d elapsed( \(.*\))?$/);
    // Before the bar: elapsed only. With it: 4 of 12 batches done = 33% (ETA depends on timing).
    assert.ok(
      beats.some((l) => !l.includes('(')),
      `a line before the bar:\n${r.stderr}`,
    );
    assert.ok(
      beats.some((l) => / \(Fake fit: epoch 1\/3, batch 4\/4, 33%, ETA \d+:\d\d\)$/.test(l)),
      `a line with the bar's state:\n${r.stderr}`,
    );
    // Elapsed times grow; nothing is printed once the cell is done.
    const secs = beats.map((l) => {
      const [m, s] = /(\d+):(\d\d) elapsed/.exec(l)!.slice(1).map(Number);
      return 60 * m + s;
    });
    assert.deepEqual(
      secs,
      [...secs].sort((a, b) => a - b),
    );
    const done = lines.findIndex((l) => /code cell 1\/2 ok/.test(l));
    assert.ok(done > lines.indexOf(beats[beats.length - 1]), r.stderr);
    assert.equal(lines.slice(done).filter((l) => l.includes('code cell 1/2 still running')).length, 0);
  },
);

test(
  '--param: undeclared, const and mistyped names are usage errors before any kernel starts',
  { skip: kdlabOnly },
  async () => {
    const input = fixture('params');
    let r = await kdlabRun([input, '--param', 'quik=true', '--param', 'fixed=2'], 'param-undeclared');
    assert.equal(r.code, 2, r.stderr);
    assert.ok(
      r.stderr.includes(
        `kdlab run: --param: ${input}: 'quik' is not declared in the 'parameters' cell; it declares quick, sizes, mode`,
      ),
      r.stderr,
    );
    assert.ok(r.stderr.includes(`'fixed' is declared with const`), r.stderr);
    assert.doesNotMatch(r.stderr, /code cell \d+\/\d+ (ok|FAILED)/, 'no cell ran');
    assert.equal(fs.existsSync(outName(input)), false, 'nothing written');
    r = await kdlabRun([input, '--param', 'quick=yes'], 'param-type');
    assert.equal(r.code, 2, r.stderr);
    assert.ok(
      r.stderr.includes(`'quick' is a boolean in the 'parameters' cell (\`let quick = false\`), got string "yes"`),
      r.stderr,
    );
    assert.equal(fs.existsSync(outName(input)), false);
  },
);

test(
  '--param: the injected cell has no Out[]; a value the kernel rejects stops the notebook even with --allow-errors',
  { skip: kdlabOnly },
  async () => {
    const input = fixture('params');
    let r = await kdlabRun([input, '--param', 'quick=true', '--param', 'sizes=[3]', '--param', 'mode="b"'], 'param-ok');
    assert.equal(r.code, 0, r.stderr);
    let nb = read(outName(input));
    assertValidNotebook(nb);
    assert.deepEqual(nb.cells[2].metadata.tags, ['injected-parameters']);
    assert.deepEqual(summary(nb.cells[2]), []);
    assert.deepEqual(
      nb.cells.map((c: any) => c.execution_count),
      [undefined, 1, 2, 3],
    );
    assert.deepEqual(summary(nb.cells[3]), [['stream', 'stdout', 'true [3] b 1\n']]);

    // 'sizes' is number[] and 'mode' is 'a' | 'b': only the kernel's type check sees these are wrong. The whole
    // injected cell then fails to compile, so no parameter is set: running on would use the defaults silently.
    r = await kdlabRun(
      [input, '--param', 'quick=true', '--param', 'sizes=["x"]', '--param', 'mode="c"', '--allow-errors'],
      'param-bad',
    );
    assert.equal(r.code, 1, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.includes('FAILED (error)'));
    assert.ok(line, r.stderr);
    assert.ok(
      line.includes('at code cell 2/3') &&
        line.includes('the injected parameters cell failed, so no --param was set (--allow-errors does not cover it)'),
      line,
    );
    nb = read(outName(input));
    const err = nb.cells[2].outputs.find((o: any) => o.output_type === 'error');
    assert.match(err.evalue, /Type 'string' is not assignable to type 'number'/);
    assert.match(err.traceback.join('\n'), /"c"/, 'both bad values are reported');
    assert.deepEqual(summary(nb.cells[3]), [], 'the notebook did not run on with the defaults');
  },
);

// (kdlab only: the python3 kernelspec's argv needs python3 on PATH.)
test(
  'without jupyter on PATH, kdlab run still succeeds and says once that the notebook is not trusted',
  { skip: kdlabOnly },
  async () => {
    const input = fixture('error');
    const r = await kdlabRun([input, '--allow-errors'], 'no-jupyter', undefined, {
      PATH: path.join(tmp, 'empty-path'),
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => /trust/.test(l));
    assert.deepEqual(lines, [
      'kdlab run: jupyter is not on PATH, so the notebooks were not marked trusted; their figures show once you run `jupyter trust <notebook.ipynb>`',
    ]);
  },
);

test('folders: sorted, *.out.ipynb and checkpoints skipped, bad JSON named, the rest still runs; --out; --allow-errors', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'folder-'));
  fs.writeFileSync(path.join(dir, 'a-bad.ipynb'), '{"nbformat": 4, "cells": [');
  fs.copyFileSync(path.join(FIXTURES, 'error.ipynb'), path.join(dir, 'b-good.out.ipynb'));
  fs.mkdirSync(path.join(dir, '.ipynb_checkpoints'));
  fs.copyFileSync(path.join(FIXTURES, 'error.ipynb'), path.join(dir, '.ipynb_checkpoints', 'c-checkpoint.ipynb'));
  fs.copyFileSync(path.join(FIXTURES, 'error.ipynb'), path.join(dir, 'c-good.ipynb'));
  const out = path.join(tmp, 'folder-out');
  const r = await kdlabRun([dir, '--out', out, '--allow-errors'], 'folder');
  assert.equal(r.code, 1, 'one notebook failed');
  assert.match(r.stderr, /a-bad\.ipynb: .*invalid JSON/);
  assert.match(r.stderr, /1\/2 notebooks ok/);
  assert.deepEqual(fs.readdirSync(out), ['c-good.ipynb']);
  const nb = read(path.join(out, 'c-good.ipynb'));
  assertValidNotebook(nb);
  // --allow-errors: the error is recorded and the next cell still runs.
  assert.deepEqual(summary(nb.cells[1]), [['error', EXPECT.badValue, 'bad value 1']]);
  assert.deepEqual(summary(nb.cells[2]), [['stream', 'stdout', 'after\n']]);
  assert.match(r.stderr, /cell 2\/3 error \(allowed\)/);
});

test('bad input: invalid JSON, nbformat 3, missing file, output onto input; nothing is overwritten', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'bad-'));
  const badJson = path.join(dir, 'broken.ipynb');
  fs.writeFileSync(badJson, '{ not json');
  let r = await kdlabRun([badJson], 'badjson');
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(badJson) && /invalid JSON/.test(r.stderr), r.stderr);
  assert.equal(fs.existsSync(outName(badJson)), false);

  const v3 = path.join(dir, 'old.ipynb');
  fs.writeFileSync(v3, JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [] }));
  r = await kdlabRun([v3], 'v3');
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(v3) && r.stderr.includes('expected "nbformat": 4, got 3'), r.stderr);

  r = await kdlabRun([path.join(dir, 'missing.ipynb')], 'missing');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing\.ipynb: no such notebook or folder/);

  const input = fixture('error');
  const bytes = fs.readFileSync(input);
  r = await kdlabRun([input, '--out', path.dirname(input)], 'same');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /would overwrite the input notebook/);
  assert.deepEqual(fs.readFileSync(input), bytes);
});

test('the schema check itself rejects a notebook without cell ids', () => {
  const nb = read(path.join(FIXTURES, 'error.ipynb'));
  assert.deepEqual(notebookSchemaErrors(nb), []);
  delete nb.cells[0].id;
  assert.ok(notebookSchemaErrors(nb).length > 0);
});

test(
  'late output (timers that print after their cell finished) lands in its own cell (kdlab run; nbclient: runner-jupyter)',
  {
    skip: FLAVOUR === 'python3' ? 'late-output routing by display id is a kdlab kernel feature' : false,
  },
  async () => {
    const input = fixture('late');
    const r = await kdlabRun([input, '--timeout', '120'], 'late');
    assert.equal(r.code, 0, r.stderr);
    const nb = read(outName(input));
    assertValidNotebook(nb, 'late.out.ipynb');
    assertLateOutputs(nb, 'kdlab run');
  },
);

test('--param on a folder: notebooks without a parameters cell run as they are (noted); named, they are refused', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'params-folder-'));
  const nb = (cells: unknown[]) => JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells });
  const code = (id: string, source: string, tags: string[] = []) => ({
    id,
    cell_type: 'code',
    metadata: { tags },
    source,
    outputs: [],
    execution_count: null,
  });
  fs.writeFileSync(
    path.join(dir, 'a-chapter.ipynb'),
    nb([code('p', 'let quick = false;', ['parameters']), code('q', 'console.log(`quick=${quick}`)')]),
  );
  fs.mkdirSync(path.join(dir, 'assignments'));
  const plain = path.join(dir, 'assignments', 'b-plain.ipynb');
  fs.writeFileSync(plain, nb([code('x', 'console.log("as is")')]));
  const out = path.join(tmp, 'params-folder-out');
  const r = await kdlabRun([dir, '--out', out, '--param', 'quick=true'], 'params-folder');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /\[b-plain\.ipynb\] no cell tagged 'parameters': runs without --param/);
  const chapter = read(path.join(out, 'a-chapter.ipynb'));
  assert.equal(chapter.cells.length, 3, 'the injected cell follows the parameters cell');
  assert.ok(JSON.stringify(chapter.cells[2].outputs).includes('quick=true'));
  const asIs = read(path.join(out, 'assignments', 'b-plain.ipynb'));
  assert.equal(asIs.cells.length, 1, 'nothing injected');
  assert.ok(JSON.stringify(asIs.cells[0].outputs).includes('as is'));
  const named = await kdlabRun([plain, '--out', out, '--param', 'quick=true'], 'params-named');
  assert.equal(named.code, 2);
  assert.match(named.stderr, /b-plain\.ipynb: has no cell tagged 'parameters', so it takes no --param \(got quick\)/);
});
