/**
 * The grading sandbox's kernel command (kernel/assign/sandbox.ts) is one Node accepts, whether node_modules is a
 * symlink (a dev checkout) or a real folder (a clone after `npm ci`, where the resolved path equals the named one):
 * Node 20 aborts on a path given twice to --allow-fs-read. The flags are run by the real node binary.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sandboxedSpec } from '../../kernel/assign/sandbox';
import type { KernelSpec } from '../../kernel/runner/kernelspec';

test('the sandboxed kernel command names each readable path once and Node starts with it', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-sandbox-'));
  try {
    for (const layout of ['real node_modules', 'symlinked node_modules']) {
      const root = path.join(tmp, layout.startsWith('real') ? 'clone' : 'checkout');
      fs.mkdirSync(path.join(root, 'dist', 'kernel'), { recursive: true });
      if (layout.startsWith('real')) fs.mkdirSync(path.join(root, 'node_modules'));
      else {
        fs.mkdirSync(path.join(tmp, 'shared_modules'), { recursive: true });
        fs.symlinkSync(path.join(tmp, 'shared_modules'), path.join(root, 'node_modules'));
      }
      const work = path.join(root, 'work');
      fs.mkdirSync(work);
      const spec: KernelSpec = {
        name: 'kdlab',
        resourceDir: root,
        argv: [process.execPath, path.join(root, 'dist', 'kernel', 'main.js'), '{connection_file}'],
        displayName: 'kdlab',
        language: 'typescript',
        interruptMode: 'signal',
        env: {},
      };
      const argv = sandboxedSpec(spec, work, 256).argv;
      const reads = argv.filter((a) => a.startsWith('--allow-fs-read='));
      assert.equal(new Set(reads).size, reads.length, `${layout}: a path given twice: ${reads.join(' ')}`);
      const expectNodeModules = layout.startsWith('real') ? 1 : 2;
      assert.equal(
        reads.filter((r) => r.endsWith('modules')).length,
        expectNodeModules,
        `${layout}: ${reads.join(' ')}`,
      );
      // The flags before the kernel's script, with {connection_dir} made real, run by this node.
      const connectionDir = fs.mkdtempSync(path.join(tmp, 'runtime-'));
      const flags = argv.slice(1, argv.indexOf(spec.argv[1])).map((a) => a.replace('{connection_dir}', connectionDir));
      const r = spawnSync(process.execPath, [...flags, '-e', 'process.exit(7)'], { encoding: 'utf8' });
      assert.equal(r.status, 7, `${layout}: node refused the flags: ${r.stderr.split('\n').slice(0, 3).join(' ')}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
