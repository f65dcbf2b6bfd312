/**
 * The private folder `kdlab run` makes for each kernel's connection file (which holds the HMAC key).
 * Nothing may outlive the runner, even one killed with SIGKILL, which runs no clean-up: so the runner names the
 * folder in the kernel's environment, and a kdlab kernel removes it as soon as it has read its connection file.
 * Other kernels' folders are removed by the runner once the kernel answers (it has read the file by then).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const RUN_DIR_ENV = 'KDLAB_RUN_CONNECTION_DIR';
const PREFIX = 'kdlab-run-';

export function makeRunDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), PREFIX));
}

export function removeRunDir(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    /* best effort: also called while exiting */
  }
}

/**
 * Kernel side: remove the connection file's folder if the runner said it made it for this kernel alone
 * (RUN_DIR_ENV names exactly that folder, and it has the runner's prefix). The variable is then unset,
 * so code in the notebook and processes it starts do not see it.
 */
export function removeRunDirOfConnectionFile(file: string, env: NodeJS.ProcessEnv = process.env): void {
  const dir = env[RUN_DIR_ENV];
  delete env[RUN_DIR_ENV];
  if (dir && path.resolve(dir) === path.dirname(path.resolve(file)) && path.basename(dir).startsWith(PREFIX))
    removeRunDir(dir);
}
