/**
 * Running `kdlab run` from tests: the CLI against a throwaway kernelspec of this checkout's kernel
 * (test-kernelspec.ts), with a TMPDIR of its own so the kernels it starts (whose argv holds their connection
 * file, in that folder) and the connection folders it leaves can be found; and the backends to run on.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { kernelBackends } from './kernel-client';
import { testBackends } from './backends';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const CLI = path.join(ROOT, 'dist', 'kernel', 'cli.js');

export type RunnerBackend = 'cpu' | 'wasm' | 'tensorflow';

/**
 * The backends a runner test runs its kernel on (KDLAB_BACKEND): the kernel tests' list (kernelBackends), plus
 * tensorflow for tests of what touches the backend. Whether tensorflow loads here is known only at run time
 * (testBackends), so its tests call `skipUnlessLoads` first.
 */
export function runnerBackends(touchesBackend: boolean): RunnerBackend[] {
  return [...kernelBackends(), ...(touchesBackend ? (['tensorflow'] as const) : [])];
}

/** For a tensorflow test: the reason to skip it when the backend does not load here, else null. */
export async function skipUnlessLoads(backend: RunnerBackend): Promise<string | null> {
  if (backend !== 'tensorflow') return null;
  return (await testBackends()).includes('tensorflow')
    ? null
    : 'tensorflow backend not installed: npx kdlab setup tensorflow';
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  tmpdir: string;
}

export interface RunOptions {
  /** JUPYTER_PATH holding the kdlab test kernelspec (makeTestKernelspec). */
  jupyterPath: string;
  /** Where the run's TMPDIR is made (a fresh folder inside), unless `tmpdir` names one. */
  tmp: string;
  tmpdir?: string;
  backend?: RunnerBackend;
  /** Sees the stderr text so far and the runner process (e.g. to signal it). */
  onStderr?: (text: string, p: ChildProcess) => void;
  /** Gets the runner process at once. */
  onSpawn?: (p: ChildProcess) => void;
}

export function kdlabRun(args: string[], opts: RunOptions): Promise<Run> {
  const tmpdir = opts.tmpdir ?? fs.mkdtempSync(path.join(opts.tmp, 'run-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: tmpdir,
    JUPYTER_PATH: opts.jupyterPath,
    JUPYTER_DATA_DIR: path.join(opts.tmp, 'nodata'),
  };
  if (opts.backend) env.KDLAB_BACKEND = opts.backend;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'run', ...args], { env });
    opts.onSpawn?.(p);
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr += d;
      opts.onStderr?.(stderr, p);
    });
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stderr, tmpdir }));
  });
}

/** A notebook of code cells, `<dir>/<name>.ipynb` (a fresh folder under `tmp` by default). */
export function notebook(
  tmp: string,
  name: string,
  sources: string[],
  dir = fs.mkdtempSync(path.join(tmp, `${name}-`)),
): string {
  const file = path.join(dir, `${name}.ipynb`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: sources.map((source, i) => ({
        id: `c${i}`,
        cell_type: 'code',
        metadata: {},
        source,
        outputs: [],
        execution_count: null,
      })),
    }),
  );
  return file;
}

/** Kernel processes started with a connection file under `dir`, and kdlab-run folders left in it. */
export function leftovers(dir: string): { processes: string[]; folders: string[] } {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return {
    processes: ps.split('\n').filter((l) => l.includes(dir) && !l.includes('ps -eo')),
    folders: fs.readdirSync(dir).filter((f) => f.startsWith('kdlab-run-')),
  };
}

/** Polls `check` every 50 ms for up to `ms`; the milliseconds it took to hold, or -1. */
export async function within(check: () => boolean, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (check()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check() ? Date.now() - t0 : -1;
}

export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  return (await within(check, ms)) >= 0;
}
