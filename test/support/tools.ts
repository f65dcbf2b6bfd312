/**
 * Finding optional tools the way a shell would: through PATH only, so a restricted PATH (.ci/bare) really hides
 * them. Tests that need a tool skip with `missing(tool, install)`'s message when it is absent.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { noteDependency } from './suite-record';

/** Every executable called `name` on PATH, in PATH order (resolved through symlinks only by the caller). */
export function allOnPath(name: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile() && !found.includes(file)) found.push(file);
    } catch {
      /* not here */
    }
  }
  // Present in a richer run (CI's full phase), the tool may change what this test file does.
  if (found.length === 0) noteDependency(`${name} absent from PATH`);
  return found;
}

/** The first `name` on PATH, or null. */
export function onPath(name: string): string | null {
  return allOnPath(name)[0] ?? null;
}

/** The first python3 on PATH that can import `module` (e.g. Debian's /usr/bin/python3 after pyenv's), or null. */
export function python3With(module: string): string | null {
  const py =
    allOnPath('python3').find((py) => spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0) ??
    null;
  if (!py) noteDependency(`no python3 with ${module}`);
  return py;
}

/** The skip message for an absent tool: what is missing and the command that installs it. */
export function missing(tool: string, install: string): string {
  return `${tool} not found on PATH: install it with \`${install}\``;
}
