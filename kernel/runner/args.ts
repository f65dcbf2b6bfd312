/**
 * Command line of `kdlab run`, and where each notebook's result goes.
 * Default output: `<name>.out.ipynb` beside the input (git-ignored; folder runs skip `*.out.ipynb`),
 * so an input notebook is never overwritten unless --inplace is given.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Params, parseParam } from './parameters';
import { DEFAULT_OUTPUT_CAP } from './outputs';

export const USAGE = `usage: kdlab run <notebook.ipynb | folder ...> [options]

Execute notebooks headlessly in a fresh kernel each, cell by cell, and write them with outputs.

options:
  --out DIR         write results into DIR (same file names; folders keep their layout)
  --inplace         overwrite the input notebooks with the executed ones
                    (default: write <name>.out.ipynb beside each input)
  --timeout S       per-cell timeout in seconds, then interrupt and fail (default: none, as nbclient; 0 = none)
  --allow-errors    record cell errors and keep going (exit 0)
  --param k=v       set a parameter: injects \`k = v;\` after the cell tagged 'parameters'
                    (v is JSON if it parses: 3, true, [1,2], "s"; otherwise a string)
  --kernel NAME     kernelspec to use (default: 'kdlab', or this package's kernel if not installed)
  --max-output MB   output kept per cell, in millions of characters (default ${DEFAULT_OUTPUT_CAP / 1e6}); past it the
                    first and last halves are kept, with a note of how much was dropped in between
  --no-trust        leave the written notebooks untrusted (by default \`jupyter trust\` marks them trusted
                    when jupyter is on PATH, so their figures show when reopened)
  -h, --help        show this help

Cell tags: 'skip-execution' (not run), 'raises-exception' (an error is expected), 'parameters'.
--param names must be declared with let in the 'parameters' cell; a plain-typed one (number, boolean, string)
must get a value of that type. The injected cell failing stops the notebook, even with --allow-errors.
Folders run every .ipynb inside, sorted, skipping *.out.ipynb and .ipynb_checkpoints.
Progress on stderr: a line per code cell ("code cell 3/12" counts the code cells of the written notebook),
and a "still running" line every minute while a cell runs, with its progress bar's state.
Exit status: 0 if every notebook ran cleanly, 1 on a cell error, timeout, dead kernel, bad notebook or failed write,
2 on usage errors.
`;

export interface RunArgs {
  inputs: string[];
  out?: string;
  inplace: boolean;
  timeoutS: number;
  allowErrors: boolean;
  params: Params;
  kernel?: string;
  /** Characters of output kept per cell. */
  outputCap: number;
  trust: boolean;
  help: boolean;
}

export class UsageError extends Error {}

/**
 * Walks a command line: `--flag value` and `--flag=value` alike. `handle` gets each argument (the flag part of an
 * `=` form), a `take` that returns the flag's value (the inline one, or the next argument, which must not be an
 * option), and the argument as written.
 */
export function forEachArg(argv: string[], handle: (arg: string, take: () => string, raw: string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const arg = eq > 0 ? raw.slice(0, eq) : raw;
    const take = () => {
      if (eq > 0) return raw.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith('--'))
        throw new UsageError(`${arg}: expected a value, got ${v === undefined ? 'nothing' : `'${v}'`}`);
      return v;
    };
    handle(arg, take, raw);
  }
}

/** --timeout's value: seconds >= 0 (0 = none). */
export function timeoutOption(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new UsageError(`--timeout: expected seconds >= 0 (0 = none), got '${v}'`);
  return n;
}

/** Adds one --param k=v to `params` (a bad one is a usage error). */
export function paramOption(params: Params, kv: string): void {
  try {
    const [k, v] = parseParam(kv);
    params[k] = v;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export function parseArgs(argv: string[]): RunArgs {
  const a: RunArgs = {
    inputs: [],
    inplace: false,
    timeoutS: 0,
    allowErrors: false,
    params: {},
    outputCap: DEFAULT_OUTPUT_CAP,
    trust: true,
    help: false,
  };
  forEachArg(argv, (arg, take, raw) => {
    switch (arg) {
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '--inplace':
        a.inplace = true;
        break;
      case '--allow-errors':
        a.allowErrors = true;
        break;
      case '--no-trust':
        a.trust = false;
        break;
      case '--out':
        a.out = take();
        break;
      case '--kernel':
        a.kernel = take();
        break;
      case '--timeout':
        a.timeoutS = timeoutOption(take());
        break;
      case '--max-output': {
        const v = take();
        const n = Number(v);
        if (v.trim() === '' || !Number.isFinite(n) || n < 0.001)
          throw new UsageError(`--max-output: expected millions of characters >= 0.001, got '${v}'`);
        a.outputCap = Math.round(n * 1e6);
        break;
      }
      case '--param':
        paramOption(a.params, take());
        break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option '${raw}'`);
        a.inputs.push(raw);
    }
  });
  if (a.out !== undefined && a.inplace) throw new UsageError('--out and --inplace exclude each other');
  if (!a.help && a.inputs.length === 0) throw new UsageError('expected at least one notebook or folder');
  return a;
}

export interface Job {
  input: string;
  output: string;
  /** Found by expanding a folder argument (not named on the command line). */
  inFolder?: boolean;
}

const isNotebook = (f: string) => f.endsWith('.ipynb') && !f.endsWith('.out.ipynb');

/** Notebooks in `dir` and its sub-folders, skipping results (*.out.ipynb), checkpoints and hidden folders. */
export function listNotebooks(dir: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === '.ipynb_checkpoints' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) found.push(...listNotebooks(p));
    else if (e.isFile() && isNotebook(e.name)) found.push(p);
  }
  return found;
}

/**
 * Expand folders and decide each output path. Errors on missing inputs, on two inputs sharing one output,
 * on --out naming a file, and on outputs that cannot be written (checked now, not after the notebook ran).
 */
export function plan(a: RunArgs): Job[] {
  if (a.out !== undefined && fs.existsSync(a.out) && !fs.statSync(a.out).isDirectory()) {
    throw new UsageError(`--out: '${a.out}' is a file; expected a folder (created if missing)`);
  }
  const jobs: Job[] = [];
  for (const input of a.inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      throw new UsageError(`${input}: no such notebook or folder`);
    }
    // Results written into a folder being run are not inputs (e.g. `kdlab run notebooks --out notebooks/out`).
    const outDir = a.out !== undefined ? path.resolve(a.out) + path.sep : null;
    const files = stat.isDirectory()
      ? listNotebooks(input)
          .filter((f) => !outDir || !path.resolve(f).startsWith(outDir))
          .sort()
      : [input];
    if (stat.isDirectory() && files.length === 0) throw new UsageError(`${input}: folder holds no .ipynb notebooks`);
    for (const f of files) {
      let output: string;
      if (a.inplace) output = f;
      else if (a.out !== undefined)
        output = path.join(a.out, stat.isDirectory() ? path.relative(input, f) : path.basename(f));
      else output = f.replace(/\.ipynb$/, '') + '.out.ipynb';
      if (!a.inplace && path.resolve(output) === path.resolve(f)) {
        throw new UsageError(
          `${f}: output would overwrite the input notebook; use --inplace to allow it, or another --out`,
        );
      }
      jobs.push(stat.isDirectory() ? { input: f, output, inFolder: true } : { input: f, output });
    }
  }
  const seen = new Map<string, string>();
  for (const j of jobs) {
    const key = path.resolve(j.output);
    const other = seen.get(key);
    if (other !== undefined) throw new UsageError(`${other} and ${j.input} would both be written to ${j.output}`);
    seen.set(key, j.input);
  }
  for (const j of jobs) {
    const problem = unwritable(j.output);
    if (problem) throw new UsageError(`${j.output}: cannot write the result: ${problem}`);
  }
  return jobs;
}

/**
 * Why `file` could not be written by writeNotebook (temp file + rename), or null. Creates nothing: checks
 * the nearest existing folder on its path (its parents are created at write time) and an existing target.
 */
export function unwritable(file: string): string | null {
  const target = path.resolve(file);
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) return 'it is a folder';
  let dir = path.dirname(target);
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  if (!fs.statSync(dir).isDirectory()) return `${dir} is a file, not a folder`;
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    return `${dir} is not writable (${(e as NodeJS.ErrnoException).code})`;
  }
  return null;
}
