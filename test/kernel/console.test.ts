/**
 * `jupyter console` (jupyter_console, a real terminal client) against the kdlab kernel: a cell's result comes
 * back, and output a timer prints after its cell finished is printed by the console (a console has no cells, so
 * the kernel sends it as a plain stream of that cell rather than a late-output display update).
 * Skipped when jupyter_console is not installed (pip install jupyter_console).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { install } from '../../kernel/kernelspec/install';

const hasConsole = spawnSync('jupyter', ['console', '--version'], { encoding: 'utf8' }).status === 0;

test(
  'jupyter console shows results and output printed after the cell finished',
  { skip: hasConsole ? false : 'jupyter console not installed (pip install jupyter_console)', timeout: 120_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-console-'));
    install(dir, 'kdlab');
    const env = {
      ...process.env,
      JUPYTER_PATH: dir,
      JUPYTER_DATA_DIR: path.join(dir, 'data'),
      JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
      KDLAB_BACKEND: 'cpu',
    };
    const p = spawn('jupyter', ['console', '--kernel', 'kdlab', '--simple-prompt'], { env, cwd: dir });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    // 'exit', not 'close': a kernel left behind would hold the console's pipes open.
    const exited = new Promise<number | null>((r) => p.on('exit', r));
    const until = async (re: RegExp, ms: number) => {
      const end = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${re} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await until(/In \[1\]/, 60_000);
      p.stdin.write('setTimeout(() => console.log("printed " + "late"), 500); 6 * 7\n');
      await until(/Out\[1\]: 42/, 30_000);
      await new Promise((r) => setTimeout(r, 1500));
      // --simple-prompt blocks on input(): the console shows what arrived meanwhile when the next cell runs.
      p.stdin.write('"second cell"\n');
      await until(/Out\[2\]: 'second cell'/, 30_000);
      p.stdin.end();
      assert.equal(await exited, 0, out);
      assert.equal(out.match(/printed late/g)?.length, 1, `printed once:\n${out}`);
      assert.ok(
        out.indexOf('printed late') > out.indexOf('Out[1]: 42') &&
          out.indexOf('printed late') < out.indexOf("Out[2]: 'second cell'"),
        out,
      );
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      // A kernel the console did not shut down (a failed run) has the runtime dir in its argv.
      const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
      for (const line of ps.split('\n'))
        if (line.includes(dir) && line.includes('main.js'))
          process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
