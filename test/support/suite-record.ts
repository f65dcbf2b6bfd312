/**
 * What one test file's run proved, recorded for run-suite (`npm test`) so that a later run on a richer machine
 * (CI's full phase: optional tools and the TensorFlow backend installed) can skip the files whose outcome cannot
 * change there. run-suite loads ./suite-preload into every test file's process (`node --test --require`), which
 * calls installRecorder():
 *   - it names a record file for the test file in RECORD_ENV, which the file's descendants (kernels, runners,
 *     CLI children) inherit, so they can note what their outcome depended on;
 *   - at exit it appends the file's wall time and CPU time (its own and its reaped descendants').
 * Notes ({ depends }) come from noteDependency() (optional tools found absent, test/support/tools.ts) and from
 * lib/backend/loaders.ts (an attempt to load the tensorflow backend, whose presence changes what it finds).
 * Skipped tests are recorded by ./suite-reporter (the test runner's events), not here.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** The record file of the test file whose process (or ancestor) this is; JSON lines. */
export const RECORD_ENV = 'KDLAB_TEST_RECORD';
/** Set by run-suite: the folder the records of one run go to. */
export const RECORD_DIR_ENV = 'KDLAB_TEST_RECORD_DIR';

export type RecordLine =
  | { start: string; file: string }
  | { depends: string }
  | { end: string; wallSeconds: number; cpuSeconds: number; exitCode: number };

/** The record file name for a test file (by its absolute path). */
export function recordName(file: string): string {
  return crypto.createHash('sha256').update(file).digest('hex').slice(0, 24) + '.jsonl';
}

/** Notes that this test file's outcome depends on `what` (no-op outside a recorded run). */
export function noteDependency(what: string): void {
  const file = process.env[RECORD_ENV];
  if (file) fs.appendFileSync(file, JSON.stringify({ depends: what } satisfies RecordLine) + '\n');
}

/** CPU seconds of this process and its waited-for descendants (Linux /proc), else of this process only. */
function cpuSeconds(): number {
  try {
    // Fields after the parenthesised command name: utime stime cutime cstime are the 12th to 15th.
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((s, i) => s + Number(f[i]), 0);
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
}

/** In a test file's process of a recorded run (RECORD_DIR_ENV set): starts its record (see the top). */
export function installRecorder(): void {
  const dir = process.env[RECORD_DIR_ENV];
  const script = process.argv[1];
  // NODE_TEST_CONTEXT marks the processes node --test starts, one per file (not the runner, whose argv[1] is the
  // first file too); a file's own descendants inherit RECORD_ENV and keep their ancestor's record.
  if (!dir || !process.env.NODE_TEST_CONTEXT || !script?.endsWith('.test.js') || process.env[RECORD_ENV]) return;
  const file = path.resolve(script);
  const record = path.join(dir, recordName(file));
  process.env[RECORD_ENV] = record;
  const started = Date.now();
  fs.appendFileSync(
    record,
    JSON.stringify({ start: new Date(started).toISOString(), file } satisfies RecordLine) + '\n',
  );
  process.on('exit', (code) => {
    const end: RecordLine = {
      end: new Date().toISOString(),
      wallSeconds: (Date.now() - started) / 1000,
      cpuSeconds: cpuSeconds(),
      exitCode: code,
    };
    fs.appendFileSync(record, JSON.stringify(end) + '\n');
  });
}
