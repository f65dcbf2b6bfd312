/**
 * Runs the Jupyter project's own conformance suite, jupyter_kernel_test (Debian: python3-jupyter-kernel-test,
 * under /usr/bin/python3; the first python3 on PATH that imports it runs it), against the kdlab kernel:
 * test/kernel/kernel_test_kdlab.py sets every KernelTests attribute kdlab supports. The kernelspec is installed
 * into a temp JUPYTER_DATA_DIR that is also the only JUPYTER_PATH entry, so jupyter_client starts exactly this
 * build.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { missing, python3With } from '../support/tools';

const PY = python3With('jupyter_kernel_test');
const SUITE = path.resolve(__dirname, '..', '..', '..', 'test', 'kernel', 'kernel_test_kdlab.py');
const CLI = path.resolve(__dirname, '..', '..', 'kernel', 'cli.js');

const skip = PY
  ? false
  : missing('a python3 with jupyter_kernel_test', 'apt-get install -y python3-jupyter-kernel-test');

test('jupyter_kernel_test passes against the kdlab kernel', { skip }, () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-kt-'));
  const env = {
    ...process.env,
    JUPYTER_DATA_DIR: data,
    JUPYTER_PATH: data,
    JUPYTER_RUNTIME_DIR: path.join(data, 'runtime'),
    JUPYTER_CONFIG_DIR: path.join(data, 'config'),
    KDLAB_BACKEND: 'cpu',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const install = spawnSync(process.execPath, [CLI, 'kernel', 'install', '--user'], { env, encoding: 'utf8' });
  assert.equal(install.status, 0, install.stderr);
  // unittest takes a file path only below its working directory.
  const run = spawnSync(PY!, ['-m', 'unittest', '-v', path.basename(SUITE)], {
    env,
    encoding: 'utf8',
    cwd: path.dirname(SUITE),
    timeout: 15 * 60 * 1000,
  });
  const report = `${run.stdout}\n${run.stderr}`;
  fs.rmSync(data, { recursive: true, force: true });
  assert.equal(run.status, 0, report);
  // 12 KernelTests tests; only test_pager is skipped (kdlab has no pager payloads).
  assert.match(report, /Ran 12 tests/, report);
  assert.match(report, /OK \(skipped=1\)/, report);
  assert.match(report, /test_pager .*skipped/, report);
});
