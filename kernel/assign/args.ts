/** Command line of `kdlab assign`. */
import { UsageError } from '../runner/args';

export const USAGE = `usage: kdlab assign release <source.ipynb | folder ...> --out DIR [options]
       kdlab assign validate <notebook.ipynb ...> [options]

Coursework from TypeScript notebooks, with nbgrader's cell metadata (metadata.nbgrader, schema 3).

release    write the student version of each source notebook into DIR: solution regions
           (// BEGIN SOLUTION … // END SOLUTION, <!-- BEGIN SOLUTION --> … in markdown) replaced by stubs,
           outputs cleared, grade and read-only cells locked, nbgrader checksums computed. The hidden tests
           (<name>.hidden.ts beside <name>.ipynb) are not released. First it self-checks, in a fresh kernel
           each: the source passes every test, visible and hidden; the student version fails every one;
           otherwise nothing is written and the failing tests are listed.
validate   run a notebook with its visible tests and print a table of the tests and the visible score.

options:
  --out DIR       (release) folder for the student versions (folders keep their layout)
  --timeout S     per-cell timeout in seconds (default 600; 0 = none)
  --kernel NAME   kernelspec to use (default: 'kdlab', or this package's kernel if not installed)
  -h, --help      show this help

Exit status: 0 when released / every visible test passed, 1 when a self-check or a test failed or a notebook
is invalid, 2 on usage errors.
`;

export interface AssignArgs {
  command: 'release' | 'validate';
  inputs: string[];
  out?: string;
  timeoutS: number;
  kernel?: string;
}

export function parseAssignArgs(argv: string[]): AssignArgs | 'help' {
  if (argv.length === 0) throw new UsageError('expected a subcommand: release or validate');
  if (argv.includes('-h') || argv.includes('--help')) return 'help';
  const [command, ...rest] = argv;
  if (command !== 'release' && command !== 'validate')
    throw new UsageError(`unknown subcommand '${command}' (expected release or validate)`);
  const a: AssignArgs = { command, inputs: [], timeoutS: 600 };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const take = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag}: expected a value`);
      return v;
    };
    if (flag === '--out' && command === 'release') a.out = take();
    else if (flag === '--kernel') a.kernel = take();
    else if (flag === '--timeout') {
      const v = take();
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < 0)
        throw new UsageError(`--timeout: expected seconds >= 0 (0 = none), got '${v}'`);
      a.timeoutS = n;
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`${command}: unknown option '${arg}'`);
    else a.inputs.push(arg);
  }
  if (a.inputs.length === 0)
    throw new UsageError(`${command}: expected at least one notebook${command === 'release' ? ' or folder' : ''}`);
  if (command === 'release' && a.out === undefined) throw new UsageError('release: --out DIR is required');
  return a;
}
