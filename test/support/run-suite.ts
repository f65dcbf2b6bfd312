/**
 * `npm test` and `npm run test:unit`: node --test over dist/test, in two groups.
 *  - concurrent (2 files at a time): every test file not listed in SERIAL. They share nothing fixed — kernels
 *    listen on OS-assigned ports, Jupyter dirs, kernelspecs and teacher caches are per-test temp dirs.
 *  - serial, alone on the machine: files that assert an upper bound on a latency (an interrupt answered within
 *    N s), which a concurrent file's load could break.
 *  - lint (`npm run lint`: eslint, then prettier --check), first: it takes about a minute and its failure is
 *    reported in the summary without stopping the tests, so one run shows both.
 *   node dist/test/support/run-suite.js [--unit]
 * --unit runs UNIT only: the library, display and protocol units (no kernel process, notebooks or chapters), no lint.
 * A new test file joins the concurrent group of `npm test`; list it here only if it must be serial or is a unit.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const DIST_TEST = path.resolve(__dirname, '..');
const REPO = path.resolve(DIST_TEST, '..', '..');

/** A test that sets no timeout of its own fails after this instead of hanging the suite (the longest take ~6 min). */
const TEST_TIMEOUT_MS = 20 * 60_000;

/** Paths under dist/test of the files that time an interrupt's reply. */
export const SERIAL = ['kernel/protocol.test.js', 'kernel/render-jupyterlab.test.js'];

/** Started first in the concurrent group: the longest files, so they do not run alone at the end. */
export const LONG_FIRST = ['notebooks/chapters.test.js'];

/** The fast loop: everything under lib/, and the in-process kernel units. */
export const UNIT = (file: string) =>
  file.startsWith('lib/') ||
  [
    'kernel/assign-check-api.test.js',
    'kernel/assign-format.test.js',
    'kernel/display-png.test.js',
    'kernel/display-progress.test.js',
    'kernel/display.test.js',
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

function run(
  label: string,
  files: string[],
  concurrency: number,
): { label: string; ok: boolean; seconds: number; files: number } {
  const started = Date.now();
  const r =
    files.length === 0
      ? { status: 0 }
      : spawnSync(
          process.execPath,
          [
            '--test',
            `--test-concurrency=${concurrency}`,
            `--test-timeout=${TEST_TIMEOUT_MS}`,
            ...files.map((f) => path.join(DIST_TEST, f)),
          ],
          { stdio: 'inherit' },
        );
  return { label, ok: r.status === 0, seconds: (Date.now() - started) / 1000, files: files.length };
}

function lint(): { label: string; ok: boolean; seconds: number; files?: number } {
  const started = Date.now();
  // npm is on PATH wherever `npm test` runs (the bare CI phase included); eslint and prettier are devDependencies.
  const r = spawnSync('npm', ['run', '--silent', 'lint'], {
    cwd: REPO,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  return { label: 'lint (npm run lint)', ok: r.status === 0, seconds: (Date.now() - started) / 1000 };
}

function main(argv: string[]): number {
  const unknown = argv.filter((a) => a !== '--unit');
  if (unknown.length) {
    process.stderr.write(`run-suite: unknown argument ${unknown.join(' ')} (usage: run-suite [--unit])\n`);
    return 2;
  }
  const all = testFiles();
  const missing = SERIAL.filter((f) => !all.includes(f));
  if (missing.length) {
    process.stderr.write(`run-suite: SERIAL names files that do not exist: ${missing.join(', ')}\n`);
    return 2;
  }
  const groups = argv.includes('--unit')
    ? [run('unit (2 at a time)', all.filter(UNIT), 2)]
    : [
        lint(),
        run(
          'concurrent (2 at a time)',
          [
            ...LONG_FIRST.filter((f) => all.includes(f)),
            ...all.filter((f) => !SERIAL.includes(f) && !LONG_FIRST.includes(f)),
          ],
          2,
        ),
        run('serial', SERIAL, 1),
      ];
  for (const g of groups) {
    const files = g.files === undefined ? '' : `${g.files} files, `;
    process.stdout.write(`# ${g.label}: ${files}${g.ok ? 'ok' : 'FAILED'}, ${g.seconds.toFixed(0)} s\n`);
  }
  return groups.every((g) => g.ok) ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
