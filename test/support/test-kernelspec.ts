/**
 * A throwaway Jupyter data folder holding a 'kdlab' kernelspec that starts this checkout's built kernel, so runner
 * tests use the code under test whatever kernelspecs the machine has installed (point JUPYTER_PATH at it).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const KERNEL_MAIN = path.resolve(__dirname, '..', '..', 'kernel', 'main.js');

/** Makes a temp folder `<prefix>XXXX` with `jupyter/kernels/kdlab/kernel.json`; returns both paths. */
export function makeTestKernelspec(prefix: string): { tmp: string; jupyterPath: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const jupyterPath = path.join(tmp, 'jupyter');
  const spec = path.join(jupyterPath, 'kernels', 'kdlab');
  fs.mkdirSync(spec, { recursive: true });
  fs.writeFileSync(
    path.join(spec, 'kernel.json'),
    JSON.stringify({
      argv: [process.execPath, KERNEL_MAIN, '{connection_file}'],
      display_name: 'TypeScript (kdlab, test)',
      language: 'typescript',
      interrupt_mode: 'message',
    }),
  );
  return { tmp, jupyterPath };
}
