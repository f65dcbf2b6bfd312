/**
 * `npm test` and `npm run test:unit`: node --test over dist/test, in two groups.
 *  - concurrent (2 files at a time): every test file not listed in SERIAL. They share nothing fixed — kernels
 *    listen on OS-assigned ports, Jupyter dirs, kernelspecs and teacher caches are per-test temp dirs.
 *  - serial, alone on the machine: files that assert an upper bound on a latency (an interrupt answered within
 *    N s), which a concurrent file's load could break.
 *  - lint (`npm run lint`: eslint, then prettier --check), first: it takes about a minute and its failure is
 *    reported in the summary without stopping the tests, so one run shows both.
 *   node dist/test/support/run-suite.js [--unit | --after REPORT]
 * --unit runs UNIT only: the library, display and protocol units (no kernel process, notebooks or chapters), no lint.
 * A new test file joins the concurrent group of `npm test`; list it here only if it must be serial or is a unit.
 *
 * Every run prints each file's wall and CPU time, and `npm test` writes what each file proved to REPORT (see
 * ./suite-record): whether it passed, which tests it skipped, which optional tools it found absent, whether it
 * tried to load the tensorflow backend. `--after REPORT` (CI's full phase, on the same build with the optional
 * tools and the tensorflow backend installed) runs only the files whose outcome the earlier run cannot vouch for
 * here, i.e. all but those that passed with nothing skipped, no tool absent and no tensorflow attempt, and says
 * which files it left out and why; it does not lint again. A file the report does not cover (another build, no
 * record, a crash) runs.
 */
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RECORD_DIR_ENV, RECORD_ENV, RecordLine, recordName } from './suite-record';

const DIST_TEST = path.resolve(__dirname, '..');
const REPO = path.resolve(DIST_TEST, '..', '..');

/** What `npm test` proved, per file, for a later `--after` run on the same build. */
export const REPORT = path.join(REPO, 'out', 'test-suite', 'report.json');

/** A test that sets no timeout of its own fails after this instead of hanging the suite (the longest take ~6 min). */
const TEST_TIMEOUT_MS = 20 * 60_000;

/** Paths under dist/test of the files that time an interrupt's reply. */
export const SERIAL = ['kernel/protocol.test.js', 'kernel/render-jupyterlab.test.js'];

/**
 * Started first in the concurrent group, in this order: the longest files (CI's per-file times, bare phase and full
 * phase), so that none of them starts late and runs alone at the end while the other lane idles.
 */
export const LONG_FIRST = [
  'notebooks/chapters.test.js',
  'kernel/export-browser.test.js',
  'bench/smoke.test.js',
  'kernel/runner.test.js',
  'kernel/assign-grade.test.js',
  'kernel/assign-a4.test.js',
  'notebooks/chapter-nbclient.test.js',
  'kernel/reliability-lifetime.test.js',
  'kernel/runner-reliability.test.js',
  'kernel/runner-jupyter.test.js',
];

/** The fast loop: everything under lib/, and the in-process kernel units. */
export const UNIT = (file: string) =>
  file.startsWith('lib/') ||
  [
    'kernel/assign-check-api.test.js',
    'kernel/assign-format.test.js',
    'kernel/display-png.test.js',
    'kernel/display-progress.test.js',
    'kernel/display.test.js',
    'kernel/export-render.test.js',
    'kernel/export-site.test.js',
    'kernel/late-output.test.js',
    'kernel/protocol-units.test.js',
    'kernel/runner-units.test.js',
    'kernel/setup.test.js',
    'kernel/shorthand.test.js',
  ].includes(file);

function testFiles(dir = DIST_TEST): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return testFiles(p);
      return e.name.endsWith('.test.js') ? [path.relative(DIST_TEST, p)] : [];
    })
    .sort();
}

/** What one file's run showed (see ./suite-record and ./suite-reporter). */
export interface FileOutcome {
  /** null: the file's process left no end record (killed, or never started) */
  wallSeconds: number | null;
  cpuSeconds: number | null;
  exitCode: number | null;
  skipped: string[];
  failed: string[];
  /** what its outcome depended on that a richer machine has: absent tools, an attempt to load tensorflow */
  depends: string[];
}

export interface Report {
  /** the build the outcomes are for: a hash of dist/ (lib, kernel, test) */
  build: string;
  files: Record<string, FileOutcome>;
}

/** A hash of every file under dist/lib, dist/kernel and dist/test: a report is only valid for this build. */
export function buildId(): string {
  const hash = crypto.createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) hash.update(path.relative(REPO, p)).update('\0').update(fs.readFileSync(p));
    }
  };
  for (const d of ['lib', 'kernel', 'test']) walk(path.join(REPO, 'dist', d));
  return hash.digest('hex');
}

interface GroupResult {
  label: string;
  ok: boolean;
  seconds: number;
  files?: number;
  outcomes?: Record<string, FileOutcome>;
}

/** Runs `files` (paths under `root`) with node --test, `concurrency` at a time, and reads what each proved. */
export function run(
  label: string,
  files: string[],
  concurrency: number,
  root = DIST_TEST,
  stdio: 'inherit' | 'ignore' = 'inherit',
): GroupResult {
  const started = Date.now();
  if (files.length === 0) return { label, ok: true, seconds: 0, files: 0, outcomes: {} };
  const records = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-suite-'));
  const events = path.join(records, 'events.jsonl');
  // A run started from inside a test file (run-suite's own test) is a runner of its own, with records of its own.
  const env: NodeJS.ProcessEnv = { ...process.env, [RECORD_DIR_ENV]: records };
  delete env.NODE_TEST_CONTEXT;
  delete env[RECORD_ENV];
  const r = spawnSync(
    process.execPath,
    [
      '--require',
      path.join(__dirname, 'suite-preload.js'),
      '--test',
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${TEST_TIMEOUT_MS}`,
      // node:test's own choice when no reporter is named, then ours into a file.
      `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
      '--test-reporter-destination=stdout',
      `--test-reporter=${path.join(__dirname, 'suite-reporter.js')}`,
      `--test-reporter-destination=${events}`,
      ...files.map((f) => path.join(root, f)),
    ],
    { stdio, env },
  );
  const outcomes = readOutcomes(records, events, files, root);
  fs.rmSync(records, { recursive: true, force: true });
  return { label, ok: r.status === 0, seconds: (Date.now() - started) / 1000, files: files.length, outcomes };
}

function readLines<T>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

function readOutcomes(records: string, events: string, files: string[], root: string): Record<string, FileOutcome> {
  const out: Record<string, FileOutcome> = {};
  for (const f of files) {
    const o: FileOutcome = {
      wallSeconds: null,
      cpuSeconds: null,
      exitCode: null,
      skipped: [],
      failed: [],
      depends: [],
    };
    for (const line of readLines<RecordLine>(path.join(records, recordName(path.join(root, f))))) {
      if ('depends' in line) {
        if (!o.depends.includes(line.depends)) o.depends.push(line.depends);
      } else if ('end' in line) {
        Object.assign(o, { wallSeconds: line.wallSeconds, cpuSeconds: line.cpuSeconds, exitCode: line.exitCode });
      }
    }
    out[f] = o;
  }
  type Event = { file: string | null; test: string; failed: boolean; skip: unknown; todo: unknown };
  for (const e of readLines<Event>(events)) {
    const o = e.file ? out[path.relative(root, e.file)] : undefined;
    if (!o) continue; // an event with no file cannot be pinned on one; its file's exit code still fails it
    if (e.failed) o.failed.push(e.test);
    else
      o.skipped.push(
        `${e.test}: ${typeof e.skip === 'string' ? e.skip : typeof e.todo === 'string' ? `todo ${e.todo}` : 'skipped'}`,
      );
  }
  return out;
}

function lint(): GroupResult {
  const started = Date.now();
  // npm is on PATH wherever `npm test` runs (the bare CI phase included); eslint and prettier are devDependencies.
  const r = spawnSync('npm', ['run', '--silent', 'lint'], {
    cwd: REPO,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  return { label: 'lint (npm run lint)', ok: r.status === 0, seconds: (Date.now() - started) / 1000 };
}

/** Why `--after` must run `file` again given the earlier outcome, or null when that outcome holds here too. */
export function whyRunAgain(o: FileOutcome | undefined): string | null {
  if (!o) return 'not in the earlier run';
  if (o.wallSeconds === null || o.exitCode !== 0) return 'did not finish cleanly in the earlier run';
  if (o.failed.length) return `failed in the earlier run (${o.failed.length} test(s))`;
  if (o.skipped.length) return `skipped in the earlier run: ${o.skipped.join('; ')}`;
  if (o.depends.length) return `in the earlier run: ${o.depends.join('; ')}`;
  return null;
}

function perFileLines(outcomes: Record<string, FileOutcome>): string {
  const secs = (s: number | null) => (s === null ? '   ?' : s.toFixed(0).padStart(4));
  return Object.entries(outcomes)
    .sort(([, a], [, b]) => (b.wallSeconds ?? Infinity) - (a.wallSeconds ?? Infinity))
    .map(([f, o]) => `#   ${secs(o.wallSeconds)} s wall ${secs(o.cpuSeconds)} s CPU  ${f}\n`)
    .join('');
}

function main(argv: string[]): number {
  const unit = argv[0] === '--unit' && argv.length === 1;
  const after = argv[0] === '--after' && argv.length === 2 ? argv[1] : null;
  if (argv.length > 0 && !unit && !after) {
    process.stderr.write(`run-suite: bad arguments ${argv.join(' ')} (usage: run-suite [--unit | --after REPORT])\n`);
    return 2;
  }
  const all = testFiles();
  const missing = SERIAL.filter((f) => !all.includes(f));
  if (missing.length) {
    process.stderr.write(`run-suite: SERIAL names files that do not exist: ${missing.join(', ')}\n`);
    return 2;
  }
  let selected = all;
  const build = buildId();
  if (after) {
    const report = fs.existsSync(after) ? (JSON.parse(fs.readFileSync(after, 'utf8')) as Report) : null;
    const valid = report?.build === build;
    if (!valid)
      process.stdout.write(
        `# --after ${after}: ${report ? 'made for another build' : 'no such report'}; running every file\n`,
      );
    const why = new Map(all.map((f) => [f, valid ? whyRunAgain(report.files[f]) : 'no valid report']));
    selected = all.filter((f) => why.get(f) !== null);
    process.stdout.write(`# --after ${after}: ${all.length - selected.length} of ${all.length} files not run again:\n`);
    for (const f of all.filter((f) => why.get(f) === null))
      process.stdout.write(
        `#   ${f}: passed there with nothing skipped, no optional tool absent, no tensorflow attempt\n`,
      );
    process.stdout.write(`# run again (${selected.length}):\n`);
    for (const f of selected) process.stdout.write(`#   ${f}: ${why.get(f)}\n`);
  }
  const groups: GroupResult[] = unit
    ? [run('unit (2 at a time)', all.filter(UNIT), 2)]
    : [
        ...(after ? [] : [lint()]),
        run(
          'concurrent (2 at a time)',
          [
            ...LONG_FIRST.filter((f) => selected.includes(f)),
            ...selected.filter((f) => !SERIAL.includes(f) && !LONG_FIRST.includes(f)),
          ],
          2,
        ),
        run(
          'serial',
          SERIAL.filter((f) => selected.includes(f)),
          1,
        ),
      ];
  if (!unit && !after) {
    const files = Object.assign({}, ...groups.map((g) => g.outcomes ?? {})) as Record<string, FileOutcome>;
    fs.mkdirSync(path.dirname(REPORT), { recursive: true });
    fs.writeFileSync(REPORT, JSON.stringify({ build, files } satisfies Report, null, 1) + '\n');
  }
  for (const g of groups) {
    const files = g.files === undefined ? '' : `${g.files} files, `;
    process.stdout.write(`# ${g.label}: ${files}${g.ok ? 'ok' : 'FAILED'}, ${g.seconds.toFixed(0)} s\n`);
    if (g.outcomes) process.stdout.write(perFileLines(g.outcomes));
  }
  return groups.every((g) => g.ok) ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
