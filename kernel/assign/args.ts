/** Command line of `kdlab assign`. */
import { UsageError } from '../runner/args';

export const USAGE = `usage: kdlab assign release <source.ipynb | folder ...> --out DIR [options]
       kdlab assign validate <notebook.ipynb ...> [options]
       kdlab assign grade <submissions folder> --source <source.ipynb> --out DIR [options]

Coursework from TypeScript notebooks, with nbgrader's cell metadata (metadata.nbgrader, schema 3).

release    write the student version of each source notebook into DIR: solution regions
           (// BEGIN SOLUTION … // END SOLUTION, <!-- BEGIN SOLUTION --> … in markdown) replaced by stubs,
           outputs cleared, grade and read-only cells locked, nbgrader checksums computed. The hidden tests
           (<name>.hidden.ts beside <name>.ipynb) are not released. First it self-checks, in a fresh kernel
           each: the source passes every test, visible and hidden; the student version fails every one;
           otherwise nothing is written and the failing tests are listed.
validate   run a notebook with its visible tests and print a table of the tests and the visible score.
grade      grade each submission in the folder (a notebook per student: <id>.ipynb, or <id>/<any>.ipynb):
           locked and test cells restored from the source (tampering reported), hidden tests appended, run
           in a fresh sandboxed kernel per submission (no file outside the package and the submission's
           folder readable, no processes), scored from the tests' signed results only. Writes
           DIR/gradebook.csv, DIR/gradebook.json, DIR/graded/<id>.ipynb, DIR/feedback/<id>.html and
           DIR/report.ipynb + DIR/report.html (score histogram, pass rate per test).

options:
  --out DIR       (release) folder for the student versions (folders keep their layout)
  --source FILE   (grade) the source notebook; its hidden tests are <name>.hidden.ts beside it
  --out DIR       (grade) folder for the gradebook, graded notebooks, feedback and report
  --timeout S     per-cell timeout in seconds (default 600; grade: 60; 0 = none)
  --memory MB     (grade) heap limit of each submission's kernel (default 2048)
  --jobs N        (grade) submissions graded at once (default 1)
  --quick         run the notebook with --param quick=true (its parameters cell declares \`let quick\`); an
                  assignment with a held-out set gets the short one, and its hidden tests the quick thresholds
  --kernel NAME   kernelspec to use (default: 'kdlab', or this package's kernel if not installed)
  -h, --help      show this help

Exit status: 0 when released / every visible test passed / every submission graded, 1 when a self-check or a
test failed or a notebook is invalid (grade: a submission could not be graded), 2 on usage errors.
`;

export interface AssignArgs {
  command: 'release' | 'validate' | 'grade';
  inputs: string[];
  out?: string;
  source?: string;
  timeoutS: number;
  memoryMB: number;
  jobs: number;
  kernel?: string;
  quick: boolean;
}

const COMMANDS = ['release', 'validate', 'grade'] as const;

export function parseAssignArgs(argv: string[]): AssignArgs | 'help' {
  if (argv.length === 0) throw new UsageError('expected a subcommand: release, validate or grade');
  if (argv.includes('-h') || argv.includes('--help')) return 'help';
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as AssignArgs['command']))
    throw new UsageError(`unknown subcommand '${command}' (expected release, validate or grade)`);
  const a: AssignArgs = {
    command: command as AssignArgs['command'],
    inputs: [],
    timeoutS: command === 'grade' ? 60 : 600,
    memoryMB: 2048,
    jobs: 1,
    quick: false,
  };
  const positive = (flag: string, v: string, min: number) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min)
      throw new UsageError(`${flag}: expected a whole number >= ${min}, got '${v}'`);
    return n;
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const take = () => {
      const v = eq > 0 ? arg.slice(eq + 1) : rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag}: expected a value`);
      return v;
    };
    if (flag === '--out' && (command === 'release' || command === 'grade')) a.out = take();
    else if (flag === '--source' && command === 'grade') a.source = take();
    else if (flag === '--memory' && command === 'grade') a.memoryMB = positive(flag, take(), 64);
    else if (flag === '--jobs' && command === 'grade') a.jobs = positive(flag, take(), 1);
    else if (flag === '--kernel') a.kernel = take();
    else if (arg === '--quick') a.quick = true;
    else if (flag === '--timeout') {
      const v = take();
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < 0)
        throw new UsageError(`--timeout: expected seconds >= 0 (0 = none), got '${v}'`);
      a.timeoutS = n;
    } else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`${command}: unknown option '${arg}'`);
    else a.inputs.push(arg);
  }
  if (command === 'grade') {
    if (a.inputs.length !== 1) throw new UsageError('grade: expected one submissions folder');
    if (a.source === undefined) throw new UsageError('grade: --source <source.ipynb> is required');
    if (a.out === undefined) throw new UsageError('grade: --out DIR is required');
    return a;
  }
  if (a.inputs.length === 0)
    throw new UsageError(`${command}: expected at least one notebook${command === 'release' ? ' or folder' : ''}`);
  if (command === 'release' && a.out === undefined) throw new UsageError('release: --out DIR is required');
  return a;
}
