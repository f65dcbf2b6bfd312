/**
 * `kdlab setup tensorflow`: argument parsing, the errors a user sees, temp-file hygiene, and — when the
 * backend has been set up in this checkout (CI runs the setup first) — that a second run is a quick no-op.
 * The full build is exercised by running the command itself (see README / .ci/run), not here: it takes minutes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as backend from '../../lib/backend';
import { main, parseSetupArgs } from '../../kernel/commands/setup';
import { findProjectDir, setupTensorflow } from '../../kernel/commands/setup/tensorflow';
import { missing, onPath } from '../support/tools';

const REPO = path.join(__dirname, '..', '..', '..');

test('parseSetupArgs: flags, values, and clear errors', () => {
  assert.deepEqual(parseSetupArgs(['tensorflow']), {});
  assert.deepEqual(
    parseSetupArgs(['tensorflow', '--gpu', '--wheel', 'tf.whl', '--index-url=file:///idx', '--force', '--save']),
    { gpu: true, wheel: path.resolve('tf.whl'), indexUrl: 'file:///idx', force: true, save: true },
  );
  assert.deepEqual(parseSetupArgs(['--help']), { help: true });
  assert.throws(() => parseSetupArgs([]), /expected 'tensorflow' as the first argument, got nothing/);
  assert.throws(() => parseSetupArgs(['torch']), /expected 'tensorflow' as the first argument, got 'torch'/);
  assert.throws(() => parseSetupArgs(['tensorflow', '--wheel']), /--wheel expects a value/);
  assert.throws(() => parseSetupArgs(['tensorflow', '--index-url=']), /--index-url expects a value/);
  assert.throws(
    () => parseSetupArgs(['tensorflow', '--cuda']),
    /unknown option '--cuda'[\s\S]*usage: kdlab setup tensorflow/,
  );
});

test('the CLI command returns 2 on bad arguments and 0 for --help', async () => {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back as they were
  const write = process.stderr.write;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back as they were
  const out = process.stdout.write;
  let text = '';
  process.stderr.write = process.stdout.write = ((s: string) => {
    text += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    assert.equal(await main(['tensorflow', '--cuda']), 2);
    assert.equal(await main(['--help']), 0);
  } finally {
    process.stderr.write = write;
    process.stdout.write = out;
  }
  assert.match(text, /unknown option '--cuda'/);
  assert.match(text, /tensorflow-cpu==2\.21\.0/);
});

test('findProjectDir walks up to the nearest package.json', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-proj-'));
  try {
    fs.writeFileSync(path.join(dir, 'package.json'), '{}');
    fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    assert.equal(findProjectDir(path.join(dir, 'a', 'b')), dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing --wheel file is named in the error', async () => {
  await assert.rejects(
    setupTensorflow({ wheel: '/nonexistent/tensorflow.whl', log: () => {} }),
    /--wheel \/nonexistent\/tensorflow\.whl: no such file/,
  );
});

// Setup reads wheels with Python's zipfile, so this case needs python3 (a fresh machine may have none).
const noPython = onPath('python3') ? false : missing('python3', 'apt-get install -y python3');
test('a wheel without libtensorflow is rejected, and no temp dir is left behind', { skip: noPython }, async () => {
  const proj = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-proj-'));
  try {
    fs.writeFileSync(path.join(proj, 'package.json'), '{"name":"p","version":"1.0.0"}');
    // A stand-in for an installed tfjs-node (right version, one binding source) so no npm install runs.
    const pkg = path.join(proj, 'node_modules', '@tensorflow', 'tfjs-node');
    fs.mkdirSync(path.join(pkg, 'binding'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), '{"name":"@tensorflow/tfjs-node","version":"4.22.0"}');
    fs.writeFileSync(path.join(pkg, 'binding', 'b.cc'), '#include "tensorflow/c/c_api.h"\n');
    const wheel = path.join(proj, 'not_tensorflow-1.0-py3-none-any.whl');
    const py = cp.spawnSync('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1], "w").writestr("not_tensorflow/__init__.py", "")',
      wheel,
    ]);
    assert.equal(py.status, 0, String(py.stderr));
    const before = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('kdlab-setup-')).length;
    await assert.rejects(
      setupTensorflow({ cwd: proj, wheel, force: true, log: () => {} }),
      /not a TensorFlow 2\.x Linux wheel: tensorflow\/libtensorflow_cc\.so\.2 is missing/,
    );
    assert.equal(
      fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('kdlab-setup-')).length,
      before,
      'temp dir removed',
    );
  } finally {
    fs.rmSync(proj, { recursive: true, force: true });
  }
});

test('a second setup in a set-up checkout is a quick no-op that says so', async (t) => {
  if (!(await backend.available()).includes('tensorflow')) {
    if (process.env.KDLAB_REQUIRE_TENSORFLOW === '1')
      assert.fail('KDLAB_REQUIRE_TENSORFLOW=1 but tensorflow is not set up');
    t.skip('tensorflow backend not set up here (run `npx kdlab setup tensorflow`)');
    return;
  }
  const lines: string[] = [];
  const r = await setupTensorflow({ cwd: REPO, log: (s) => lines.push(s) });
  assert.equal(r.alreadySetUp, true);
  assert.match(lines.join('\n'), /@tensorflow\/tfjs-node(-gpu)?@4\.22\.0 is already set up .*loads and trains/);
  // the addon finds libtensorflow through its rpath, with no LD_LIBRARY_PATH
  const addon = path.join(r.packageDir, 'lib', 'napi-v8', 'tfjs_binding.node');
  const elf = cp.spawnSync('readelf', ['-d', addon], { encoding: 'utf8' });
  if (elf.status === 0) assert.match(elf.stdout, /RUNPATH.*\$ORIGIN\/\.\.\/\.\.\/deps\/lib/);
  assert.equal(fs.readlinkSync(path.join(r.packageDir, 'deps', 'lib', 'libtensorflow.so.2')), 'libtensorflow_cc.so.2');
});
