/**
 * The kernel a submission runs in, for `kdlab assign grade`: kdlab's own kernel under Node's permission model,
 * so a solution cell cannot read the hidden tests, the source, the gradebook or other students' work, write
 * anything, or start processes. Readable: the kernel's package (dist/, node_modules/, package.json), the
 * submission's work folder, the kernel's connection folder (removed by the kernel as it starts) and, for an
 * assignment with a held-out set, the training files of its data set (`dataReads`: held-out.ts). Native
 * addons (zeromq, tfjs-node) and worker threads (the kernel's parent watch) stay allowed, as the kernel needs
 * them. `--max-old-space-size` caps the heap: a cell allocating without end kills its own kernel, nothing else.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KernelSpec } from '../runner/kernelspec';

export class SandboxError extends Error {}

const MAIN = path.join('dist', 'kernel', 'main.js');

export function sandboxedSpec(
  spec: KernelSpec,
  workDir: string,
  memoryMB: number,
  dataReads: string[] = [],
): KernelSpec {
  const [node, main, ...rest] = spec.argv;
  if (!main || !/node(\.exe)?$/.test(path.basename(node)) || !main.endsWith(MAIN))
    throw new SandboxError(
      `kernelspec '${spec.name}' (${spec.argv.join(' ')}) is not kdlab's kernel run by node: grading needs it, ` +
        'to sandbox each submission (pass --kernel with a kdlab kernelspec)',
    );
  const root = main.slice(0, -MAIN.length - 1);
  const reads = [path.join(root, 'dist'), path.join(root, 'package.json'), workDir, '{connection_dir}', ...dataReads];
  // Module resolution walks node_modules as named and as resolved (a symlinked node_modules has two paths).
  for (const p of [path.join(root, 'node_modules')]) {
    reads.push(p);
    if (fs.existsSync(p)) reads.push(fs.realpathSync(p));
  }
  // zeromq's addon loader asks whether this is Alpine (fs.existsSync throws under the permission model).
  reads.push('/etc/alpine-release');
  return {
    ...spec,
    argv: [
      node,
      '--experimental-permission',
      '--allow-addons',
      '--allow-worker',
      // Once each: Node 20 aborts (an assertion in its permission tree) when a path is given twice, as a
      // node_modules that is not a symlink would be.
      ...[...new Set(reads)].map((r) => `--allow-fs-read=${r}`),
      '--allow-fs-write={connection_dir}',
      `--max-old-space-size=${memoryMB}`,
      main,
      ...rest,
    ],
  };
}
