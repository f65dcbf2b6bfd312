/**
 * What the `kdlab run` end-to-end tests share (test/kernel/runner*.test.ts): spawning the CLI against a throwaway
 * kernelspec, fixture copies, and outputs reduced to comparable tuples.
 *
 * KDLAB_RUNNER_KERNEL=python3 runs the same scenarios against ipykernel with the Python twins of the fixtures
 * (test/kernel/fixtures/python), to tell client bugs from kernel bugs.
 */
import * as assert from 'node:assert/strict';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeTestKernelspec } from './test-kernelspec';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'kernel', 'cli.js');
export const FLAVOUR = process.env.KDLAB_RUNNER_KERNEL === 'python3' ? 'python3' : 'kdlab';
export const FIXTURES = path.join(ROOT, 'test', 'kernel', 'fixtures', ...(FLAVOUR === 'python3' ? ['python'] : []));
/** What differs between the two kernels: the exception classes the fixtures raise. */
export const EXPECT =
  FLAVOUR === 'python3'
    ? { expectedFailure: 'ValueError', badValue: 'ValueError' }
    : { expectedFailure: 'RangeError', badValue: 'RangeError' };
/** The skip reason of a test of a kdlab-kernel feature when the python3 twin runs. */
export const kdlabOnly = FLAVOUR === 'python3' ? 'kdlab kernel feature (progressBar, TypeScript parameters)' : false;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  tmpdir: string;
}

/** A temp folder with the test kernelspec; call in `before`, and `cleanup` in `after`. */
export class RunnerHarness {
  readonly tmp: string;
  readonly jupyterPath: string;

  constructor(prefix: string) {
    // The runner is under test, not the backend: naming one (for every kernel this test file starts, through the
    // runner or a KernelClient) keeps the kernels from trying tensorflow first, which would tie the file's outcome
    // to whether tensorflow is installed, so CI's full phase would run it again.
    process.env.KDLAB_BACKEND ??= 'cpu';
    ({ tmp: this.tmp, jupyterPath: this.jupyterPath } = makeTestKernelspec(prefix));
  }

  cleanup(): void {
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Environment for a Jupyter client (nbclient) that must find the test kernelspec and no user data. */
  jupyterEnv(): NodeJS.ProcessEnv {
    return { ...process.env, JUPYTER_PATH: this.jupyterPath, JUPYTER_DATA_DIR: path.join(this.tmp, 'nodata') };
  }

  /**
   * Spawn `kdlab run`, with its own TMPDIR so leftover kernel processes (whose argv holds it) can be found.
   * `onStderr` sees the stderr text so far, with the runner process (e.g. to signal it).
   */
  kdlabRun(
    args: string[],
    name: string,
    onStderr?: (text: string, p: ChildProcess) => void,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<Run> {
    const tmpdir = fs.mkdtempSync(path.join(this.tmp, `${name}-tmp-`));
    const env = { ...this.jupyterEnv(), TMPDIR: tmpdir, ...extraEnv };
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, [CLI, 'run', '--kernel', FLAVOUR, ...args], { env });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => {
        stdout += d;
      });
      p.stderr.on('data', (d) => {
        stderr += d;
        onStderr?.(stderr, p);
      });
      p.on('error', reject);
      p.on('close', (code) => resolve({ code, stdout, stderr, tmpdir }));
    });
  }

  /** Copy a fixture into a fresh folder of its own, so outputs land beside it. */
  fixture(name: string): string {
    const dir = fs.mkdtempSync(path.join(this.tmp, `${name}-`));
    const file = path.join(dir, `${name}.ipynb`);
    fs.copyFileSync(path.join(FIXTURES, `${name}.ipynb`), file);
    return file;
  }
}

/** Processes whose command line mentions `dir` (a kernel started with a connection file inside it). */
export function processesMentioning(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(dir) && !l.includes('ps -eo'));
}

export const joined = (s: string | string[]) => (Array.isArray(s) ? s.join('') : s);
export const outName = (f: string) => f.replace(/\.ipynb$/, '.out.ipynb');

/**
 * The kdlab kernel prints a one-line banner (version, backend) into the first cell it runs; drop it, so
 * expectations do not depend on the backend of the machine.
 */
export function dropBanner(nb: any): any {
  const first = nb.cells.find((c: any) => c.cell_type === 'code' && c.execution_count === 1);
  const out = first?.outputs[0];
  if (out?.output_type === 'stream' && out.name === 'stdout') {
    const t = joined(out.text);
    if (/^kdlab .*backend/.test(t)) {
      const rest = t.slice(t.indexOf('\n') + 1);
      if (rest) out.text = rest;
      else first.outputs.shift();
    }
  }
  return nb;
}

export const read = (f: string) => dropBanner(JSON.parse(fs.readFileSync(f, 'utf8')));

/** Outputs reduced to comparable tuples. */
export function summary(cell: any): unknown[] {
  return cell.outputs.map((o: any) => {
    switch (o.output_type) {
      case 'stream':
        return ['stream', o.name, joined(o.text)];
      case 'execute_result':
        return ['execute_result', joined(o.data['text/plain']), o.execution_count];
      case 'display_data':
        return ['display_data', joined(o.data['text/plain'])];
      default:
        return ['error', o.ename, o.evalue];
    }
  });
}

/** nbclient shows streams as sent; merge consecutive same-name streams as kdlab run (and every front end) does. */
export function coalesce(outputs: any[]): any[] {
  const res: any[] = [];
  for (const o of outputs) {
    const last = res[res.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream' && last.name === o.name)
      last.text = joined(last.text) + joined(o.text);
    else res.push({ ...o });
  }
  return res;
}

/**
 * The late fixture's code cells as any client must show them (worked out from its timers): late output goes to the
 * display its cell opened, in order, stderr tinted; a timer that fires after the run ended leaves its display empty.
 */
export function assertLateOutputs(nb: any, client: string): void {
  const code = nb.cells.filter((c: any) => c.cell_type === 'code');
  assert.deepEqual(
    code.map((c: any) => summary({ outputs: coalesce(c.outputs) })),
    [
      [
        ['execute_result', "'c0 done'", 1],
        ['display_data', 'late from c0\n'],
      ],
      [['execute_result', "'c1 done'", 2]],
      [['display_data', 'tick 1\ntick 2\ntick 3\nticker stopped\n']],
      [['stream', 'stdout', 'c3 own line\n']],
      [
        ['execute_result', "'c4 done'", 5],
        ['display_data', ''],
      ],
    ],
    client,
  );
  assert.match(
    joined(code[2].outputs[0].data['text/html']),
    /background:#fdd;">ticker stopped\n<\/pre>/,
    `${client}: stderr tinted`,
  );
}
