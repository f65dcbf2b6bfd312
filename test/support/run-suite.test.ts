/**
 * run-suite's records: what a file's run proved (time, skips, absent tools, a tensorflow attempt, a crash), read
 * from real node --test runs of small files, and which of them `--after` would run again.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run, whyRunAgain } from './run-suite';

const DIST = path.resolve(__dirname, '..', '..');

/** Busy-waits until this process has used `seconds` more CPU (so the amount does not depend on the load). */
const burn = (seconds: number) =>
  `{ const c0 = process.cpuUsage(); const used = () => { const c = process.cpuUsage(c0); return (c.user + c.system) / 1e6; }; while (used() < ${seconds}) {} }`;

const FILES: Record<string, string> = {
  'plain.test.js': `require('node:test')('passes', async () => { ${burn(0.5)}; await new Promise((r) => setTimeout(r, 300)); });`,
  'child-cpu.test.js': `require('node:test')('a child burns CPU', () => {
    const r = require('child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(burn(0.6))}]);
    if (r.status !== 0) throw new Error('child failed');
  });`,
  'skips.test.js': `const test = require('node:test');
    test('runs', () => {});
    test('needs a tool', (t) => { t.skip('frobnicate not found'); });
    test('declared', { skip: 'not on this OS' }, () => {});`,
  'probe.test.js': `const { onPath } = require(${JSON.stringify(path.join(DIST, 'test', 'support', 'tools.js'))});
    require('node:test')('probes', () => { if (onPath('kdlab-no-such-tool') !== null) throw new Error('found?'); });`,
  'tensorflow.test.js': `require('node:test')('a child tries tensorflow', () => {
    const code = 'require(' + ${JSON.stringify(JSON.stringify(path.join(DIST, 'lib', 'backend')))} + ').init("tensorflow").then(() => 0, () => 0)';
    const r = require('child_process').spawnSync(process.execPath, ['-e', code], { env: { ...process.env, KDLAB_BACKEND: 'cpu' } });
    if (r.status !== 0) throw new Error(String(r.stderr));
  });`,
  'crash.test.js': `require('node:test')('exits mid-test', () => { process.exit(3); });`,
};

test('each file records its time, skips, absent tools, tensorflow attempts and crashes; --after picks what to run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-run-suite-'));
  try {
    for (const [name, src] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, name), src);
    const r = run('fixture', Object.keys(FILES), 2, dir, 'ignore');
    assert.equal(r.ok, false, 'crash.test.js fails the group');
    const o = r.outcomes!;

    assert.ok(o['plain.test.js'].wallSeconds! >= 0.8, `wall ${o['plain.test.js'].wallSeconds}`);
    assert.ok(o['plain.test.js'].cpuSeconds! >= 0.5, `cpu ${o['plain.test.js'].cpuSeconds}`);
    assert.deepEqual(o['plain.test.js'].skipped, []);
    assert.equal(whyRunAgain(o['plain.test.js']), null);

    // The child's 0.6 s count: the record adds the reaped descendants' CPU.
    assert.ok(o['child-cpu.test.js'].cpuSeconds! >= 0.6, `cpu ${o['child-cpu.test.js'].cpuSeconds}`);
    assert.equal(whyRunAgain(o['child-cpu.test.js']), null);

    assert.deepEqual(o['skips.test.js'].skipped.sort(), [
      'declared: not on this OS',
      'needs a tool: frobnicate not found',
    ]);
    assert.match(whyRunAgain(o['skips.test.js'])!, /^skipped in the earlier run: .*frobnicate not found/);

    assert.deepEqual(o['probe.test.js'].depends, ['kdlab-no-such-tool absent from PATH']);
    assert.match(whyRunAgain(o['probe.test.js'])!, /kdlab-no-such-tool absent from PATH/);

    // Forced to cpu by KDLAB_BACKEND, the child still tried tensorflow through init('tensorflow'): noted.
    assert.deepEqual(o['tensorflow.test.js'].depends, ['tried to load the tensorflow backend']);

    assert.notEqual(o['crash.test.js'].exitCode, 0);
    assert.equal(whyRunAgain(o['crash.test.js']), 'did not finish cleanly in the earlier run');
    assert.equal(whyRunAgain(undefined), 'not in the earlier run');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
