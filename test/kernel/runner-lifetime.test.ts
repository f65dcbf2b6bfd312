/**
 * Nothing outlives `kdlab run` (issue 17 item 4): whatever ends it — kill -9 while a cell runs or while its kernel
 * starts, SIGTERM during start-up — no kernel process and no connection folder (which holds the key) remain, on
 * each backend, tensorflow included when it loads here (the backend is loaded during start-up).
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeTestKernelspec } from '../support/test-kernelspec';
import {
  eventually,
  kdlabRun,
  leftovers,
  notebook,
  Run,
  RunnerBackend,
  runnerBackends,
  skipUnlessLoads,
  within,
} from '../support/kdlab-run';

let tmp: string;
let jupyterPath: string;

before(() => {
  ({ tmp, jupyterPath } = makeTestKernelspec('kdlab-runlife-test-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SLEEPER = ['console.log("up")', 'await new Promise((r) => setTimeout(r, 120000))'];

/** Signal the runner as soon as its kernel process exists (it is then starting up: no cell has run). */
async function signalDuringStartup(sig: NodeJS.Signals, name: string, backend: RunnerBackend): Promise<Run> {
  const input = notebook(tmp, name, SLEEPER);
  const tmpdir = fs.mkdtempSync(path.join(tmp, `${name}-tmp-`));
  let sent = false;
  let runnerProcess: ChildProcess | undefined;
  const runner = kdlabRun([input], {
    tmp,
    jupyterPath,
    tmpdir,
    backend,
    onSpawn: (p) => {
      runnerProcess = p;
    },
  });
  const watch = setInterval(() => {
    if (!sent && leftovers(tmpdir).processes.length) {
      sent = true;
      runnerProcess!.kill(sig);
    }
  }, 20);
  const r = await runner;
  clearInterval(watch);
  assert.ok(sent, `the runner was signalled during start-up: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\] code cell/, 'no cell ran');
  return r;
}

for (const backend of runnerBackends(true)) {
  describe(`kdlab run on ${backend}: nothing survives it`, () => {
    test('kill -9 of kdlab run while a cell runs: within seconds no kernel and no connection folder remain', async (t) => {
      const skip = await skipUnlessLoads(backend);
      if (skip) return t.skip(skip);
      const input = notebook(tmp, `kill9-${backend}`, SLEEPER);
      let killed = false;
      const r = await kdlabRun([input], {
        tmp,
        jupyterPath,
        backend,
        onStderr: (text, p) => {
          if (!killed && /cell 1\/2 ok/.test(text)) {
            killed = true;
            p.kill('SIGKILL');
          }
        },
      });
      assert.ok(killed && r.signal === 'SIGKILL', r.stderr);
      assert.ok(
        await eventually(() => {
          const l = leftovers(r.tmpdir);
          return !l.processes.length && !l.folders.length;
        }, 8000),
        JSON.stringify(leftovers(r.tmpdir)),
      );
    });

    test('SIGTERM during kernel start-up: the kernel and its connection folder are gone when kdlab run exits', async (t) => {
      const skip = await skipUnlessLoads(backend);
      if (skip) return t.skip(skip);
      const r = await signalDuringStartup('SIGTERM', `term-startup-${backend}`, backend);
      assert.equal(r.code, 143, r.stderr);
      assert.deepEqual(leftovers(r.tmpdir).folders, []);
      // SIGKILL was sent to the kernel's process group before the runner exited; give the OS a moment to reap it.
      assert.ok(
        await eventually(() => leftovers(r.tmpdir).processes.length === 0, 2000),
        JSON.stringify(leftovers(r.tmpdir)),
      );
    });

    test('kill -9 during kernel start-up: within 3 s no kernel and no connection folder remain', async (t) => {
      const skip = await skipUnlessLoads(backend);
      if (skip) return t.skip(skip);
      const r = await signalDuringStartup('SIGKILL', `kill9-startup-${backend}`, backend);
      assert.equal(r.signal, 'SIGKILL');
      // Start-up takes seconds (longer on a loaded machine); the parent watch runs from its first moment
      // (JPY_PARENT_PID names the dead runner), polls once a second and ends the kernel at once.
      const took = await within(() => leftovers(r.tmpdir).processes.length === 0, 15000);
      assert.ok(
        took >= 0 && took <= 3000,
        `the kernel took ${took < 0 ? 'over 15000' : took} ms to exit: ${JSON.stringify(leftovers(r.tmpdir))}`,
      );
      assert.deepEqual(leftovers(r.tmpdir).folders, []);
    });
  });
}
