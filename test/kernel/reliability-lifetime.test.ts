/**
 * How a kernel ends: it exits when the process that started it is gone (killed with SIGKILL, so it could not
 * clean up), also during its start-up and while a cell blocks the main thread, and when the JPY_PARENT_PID
 * process jupyter_client names is gone; process.exit(n) from a cell or a callback ends it with code n after its output went out (it
 * used to abort in zeromq's addon: SIGABRT); on every shipped backend.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KERNEL_MAIN, KernelClient, freePort, kernelBackends } from '../support/kernel-client';
import { RUN_DIR_ENV } from '../../kernel/runner/run-dir';

/** Whether `pid` is still a running process (a zombie waiting to be reaped counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function goneWithin(pid: number, ms: number): Promise<number> {
  const t0 = Date.now();
  while (running(pid)) {
    if (Date.now() - t0 > ms) return -1;
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

/** A process that stays alive until killed. */
function sleeper() {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
}

for (const backend of kernelBackends()) {
  describe(`kernel lifetime on ${backend}`, () => {
    test('a kernel whose parent is killed exits, idle or with a cell blocking its main thread', async () => {
      // The two cases run side by side (a launcher and kernel each): each is mostly a kernel start and a wait for its exit.
      const parentKilled = async (blocked: boolean) => {
        // The test process starts a launcher, which starts the kernel (through KernelClient) and tells us its pid.
        const launcher = spawn(
          process.execPath,
          [
            '-e',
            `
          const { KernelClient } = require(${JSON.stringify(require.resolve('../support/kernel-client'))});
          KernelClient.start({ backend: ${JSON.stringify(backend)} }).then(async (k) => {
            await k.execute('1');
            if (${blocked}) await k.send('shell', 'execute_request', { code: 'while (true) {}', silent: false });
            process.stdout.write(String(k.proc.pid) + '\\n');
          });
          setInterval(() => {}, 1000);`,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        const pid = await new Promise<number>((resolve) =>
          launcher.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
        );
        assert.ok(pid > 0 && running(pid));
        await new Promise((r) => setTimeout(r, 300));
        launcher.kill('SIGKILL');
        const took = await goneWithin(pid, 15000);
        if (took < 0) process.kill(pid, 'SIGKILL');
        assert.ok(took >= 0, `kernel ${pid} still runs 15 s after its parent was killed (cell blocking: ${blocked})`);
      };
      const results = await Promise.allSettled([parentKilled(false), parentKilled(true)]);
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    });

    test('a kernel whose parent is killed during its start-up exits within 3 s, its connection folder removed', async () => {
      // Start-up (TypeScript, tslab, the library and backend) takes seconds; the kill lands at its very start and
      // a moment later. The launcher stands in for `kdlab run`: a private kdlab-run-* folder holding the
      // connection file, named in the kernel's environment, JPY_PARENT_PID set to itself.
      for (const delay of [0, 800]) {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-startup-kill-'));
        const dir = fs.mkdtempSync(path.join(tmp, 'kdlab-run-'));
        const file = path.join(dir, 'kernel.json');
        const ports = {
          shell_port: await freePort(),
          iopub_port: await freePort(),
          stdin_port: await freePort(),
          control_port: await freePort(),
          hb_port: await freePort(),
        };
        fs.writeFileSync(
          file,
          JSON.stringify({ transport: 'tcp', ip: '127.0.0.1', key: 'k', signature_scheme: 'hmac-sha256', ...ports }),
        );
        const stderrFile = path.join(tmp, 'kernel.stderr');
        const launcher = spawn(
          process.execPath,
          [
            '-e',
            `
          const fs = require('fs');
          const { spawn } = require('child_process');
          const env = { ...process.env, KDLAB_BACKEND: ${JSON.stringify(backend)}, JPY_PARENT_PID: String(process.pid), ${JSON.stringify(RUN_DIR_ENV)}: ${JSON.stringify(dir)} };
          const err = fs.openSync(${JSON.stringify(stderrFile)}, 'w');
          const k = spawn(process.execPath, [${JSON.stringify(KERNEL_MAIN)}, ${JSON.stringify(file)}], { env, stdio: ['ignore', 'ignore', err] });
          process.stdout.write(String(k.pid) + '\\n');
          setInterval(() => {}, 1000);`,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        const pid = await new Promise<number>((resolve) =>
          launcher.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
        );
        await new Promise((r) => setTimeout(r, delay));
        launcher.kill('SIGKILL');
        const took = await goneWithin(pid, 15000);
        if (took < 0) process.kill(pid, 'SIGKILL');
        const stderr = fs.readFileSync(stderrFile, 'utf8');
        const folderLeft = fs.existsSync(dir);
        fs.rmSync(tmp, { recursive: true, force: true });
        assert.ok(
          took >= 0 && took <= 3000,
          `kernel ${pid} took ${took < 0 ? 'over 15000' : took} ms to exit after its parent was killed ${delay} ms into start-up; stderr:\n${stderr}`,
        );
        assert.match(stderr, /process \d+ exited during start-up: exiting/, 'the kill landed during start-up');
        assert.equal(folderLeft, false, 'the connection folder is removed');
      }
    });

    test('a kernel exits when the JPY_PARENT_PID process is gone, though its own parent lives on', async () => {
      const manager = sleeper();
      const k = await KernelClient.start({ backend, env: { JPY_PARENT_PID: String(manager.pid) } });
      await k.execute('1');
      manager.kill('SIGKILL');
      const took = await goneWithin(k.proc.pid!, 15000);
      if (took < 0) k.proc.kill('SIGKILL');
      assert.ok(took >= 0, 'kernel still runs 15 s after the JPY_PARENT_PID process was killed');
      if (k.proc.exitCode === null) await new Promise((r) => k.proc.once('exit', r));
      assert.equal(k.proc.exitCode, 0, `an orderly shutdown (signal ${k.proc.signalCode})`);
      assert.match(k.stderr, new RegExp(`JPY_PARENT_PID process ${manager.pid} exited: shutting down`));
      await k.close();
    });

    // [where process.exit is called, cell code, expected exit code]
    const EXITS: [string, string, number][] = [
      ['in a cell', `console.log('bye'); process.exit(3); console.log('not reached')`, 3],
      [
        'in a timer callback, with process.exitCode',
        `process.exitCode = 5; setTimeout(() => { console.log('bye'); process.exit() }, 20); 'started'`,
        5,
      ],
    ];
    for (const [where, code, status] of EXITS) {
      test(`process.exit ${where} ends the kernel with that code, its output delivered`, async () => {
        const k = await KernelClient.start({ backend });
        await k.execute('1');
        const id = await k.send('shell', 'execute_request', { code, silent: false, allow_stdin: false });
        if (k.proc.exitCode === null && k.proc.signalCode === null) await new Promise((r) => k.proc.once('exit', r));
        assert.equal(k.proc.signalCode, null, `no signal; stderr:\n${k.stderr.slice(-800)}`);
        assert.equal(k.proc.exitCode, status);
        await new Promise((r) => setTimeout(r, 200));
        const printed = k.iopubLog
          .filter((m) => m.header.msg_type === 'stream' || m.header.msg_type === 'update_display_data')
          .map((m) => m.content.text ?? m.content.data?.['text/plain'])
          .join('');
        assert.match(printed, /bye/);
        assert.doesNotMatch(printed, /not reached/);
        assert.equal(k.hasReply(id) && where === 'in a cell', false, 'no reply to the cell that exited');
        await k.close();
      });
    }

    test("JPY_PARENT_PID naming the kernel's own live parent keeps it running", async () => {
      const k = await KernelClient.start({ backend, env: { JPY_PARENT_PID: String(process.pid) } });
      await new Promise((r) => setTimeout(r, 2500));
      const r = await k.execute('6 * 7');
      assert.equal(r.outputs.find((m) => m.header.msg_type === 'execute_result')?.content.data['text/plain'], '42');
      const { code } = await k.close();
      assert.equal(code, 0);
    });
  });
}
