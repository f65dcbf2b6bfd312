/**
 * `kdlab run` with Jupyter on PATH: it marks what it writes trusted, and nbclient (`jupyter execute`) gets the same
 * outputs from the same kernel, late output included. Split from ./runner.test.ts because these need Python's
 * Jupyter packages: without them the tests skip, naming what to install.
 */
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';
import {
  FLAVOUR,
  RunnerHarness,
  assertLateOutputs,
  coalesce,
  joined,
  kdlabOnly,
  outName,
  read,
  summary,
} from '../support/runner-harness';

let h: RunnerHarness;
before(() => {
  h = new RunnerHarness('kdlab-runner-jupyter-test-');
});
after(() => h.cleanup());

const hasTrust = spawnSync('jupyter', ['trust', '--help'], { encoding: 'utf8' }).status === 0;

/** nbformat's own signature check, against the notary database in `dataDir`. */
function isTrusted(file: string, dataDir: string): boolean {
  const py =
    'import sys, nbformat\nfrom nbformat.sign import NotebookNotary\n' +
    'print(NotebookNotary().check_signature(nbformat.read(sys.argv[1], as_version=4)))';
  const out = execFileSync('python3', ['-c', py, file], {
    env: { ...process.env, JUPYTER_DATA_DIR: dataDir },
    encoding: 'utf8',
  }).trim();
  assert.ok(out === 'True' || out === 'False', out);
  return out === 'True';
}

test(
  'kdlab run marks what it writes trusted (jupyter trust); --no-trust; the figure placeholder names the file',
  {
    skip: kdlabOnly || (hasTrust ? false : '`jupyter trust` not found (pip install notebook)'),
  },
  async () => {
    const input = h.fixture('figure');
    const dataDir = path.join(h.tmp, 'trust-data');
    const out = path.join(path.dirname(input), 'out');
    let r = await h.kdlabRun([input, '--out', out], 'trust', undefined, { JUPYTER_DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    const written = path.join(out, 'figure.ipynb');
    assert.ok(r.stderr.includes(`kdlab run: marked ${written} trusted (jupyter trust)`), r.stderr);
    assert.equal(isTrusted(written, dataDir), true);
    const html = joined(read(written).cells[1].outputs[0].data['text/html']);
    assert.ok(html.includes(`Run <code>jupyter trust ${written}</code>, then reopen the notebook.`), html.slice(-2000));

    r = await h.kdlabRun([input, '--no-trust'], 'no-trust', undefined, { JUPYTER_DATA_DIR: dataDir });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /trust/);
    assert.equal(isTrusted(outName(input), dataDir), false);
  },
);

const hasJupyter = spawnSync('jupyter', ['execute', '--help'], { encoding: 'utf8' }).status === 0;

test(
  'same outputs as `jupyter execute` (nbclient)',
  { skip: hasJupyter ? false : 'jupyter execute (nbclient) not found on PATH: pip install nbclient' },
  async () => {
    // nbclient re-executes the notebook kdlab run wrote (it holds the injected parameters cell).
    const input = h.fixture('outputs');
    const r = await h.kdlabRun([input, '--param', 'n=3', '--param', 'quick=true', '--param', 'label=run'], 'outputs');
    assert.equal(r.code, 0, r.stderr);
    const executedOutputs = outName(input);
    const ours = read(executedOutputs);
    const dir = path.dirname(executedOutputs);
    const env = h.jupyterEnv();
    execFileSync('jupyter', ['execute', `--kernel_name=${FLAVOUR}`, '--output', 'nbclient', executedOutputs], {
      env,
      stdio: 'pipe',
      cwd: dir,
    });
    const theirs = read(path.join(dir, 'nbclient.ipynb'));
    assert.equal(ours.cells.length, theirs.cells.length);
    ours.cells.forEach((c: any, i: number) => {
      const t = theirs.cells[i];
      if (c.cell_type !== 'code') return;
      assert.equal(c.execution_count, t.execution_count, `cell ${i} execution_count`);
      assert.deepEqual(summary(c), summary({ outputs: coalesce(t.outputs) }), `cell ${i} outputs`);
    });
    // Spot-check against the hand-worked value, so "both equally wrong" cannot pass: n = 3 -> 63.
    assert.deepEqual(summary(theirs.cells[3]).at(-1), ['execute_result', '63', 3]);
  },
);

test(
  'late output (timers that print after their cell finished) lands in its own cell through nbclient too',
  {
    skip:
      FLAVOUR === 'python3'
        ? 'late-output routing by display id is a kdlab kernel feature'
        : hasJupyter
          ? false
          : 'jupyter execute (nbclient) not found on PATH: pip install nbclient',
  },
  () => {
    const input = h.fixture('late');
    execFileSync('jupyter', ['execute', `--kernel_name=${FLAVOUR}`, '--output', 'late-nbclient', input], {
      env: h.jupyterEnv(),
      stdio: 'pipe',
      cwd: path.dirname(input),
    });
    assertLateOutputs(read(path.join(path.dirname(input), 'late-nbclient.ipynb')), 'jupyter execute');
  },
);
