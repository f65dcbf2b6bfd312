/**
 * `kdlab run <notebook | folder ...>`: execute notebooks headlessly (see kernel/runner/args.ts for the options).
 * Each notebook gets a fresh kernel; a failing notebook does not stop the others, but makes the exit status 1.
 */
import * as fs from 'fs';
import * as path from 'path';
import { USAGE, UsageError, parseArgs, plan, Job, RunArgs } from '../runner/args';
import { resolveKernelSpec } from '../runner/kernelspec';
import { NotebookResult, abortAll, runNotebook } from '../runner/execute';

export async function main(args: string[]): Promise<number> {
  let a: RunArgs;
  let jobs: Job[];
  try {
    a = parseArgs(args);
    if (a.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    jobs = plan(a);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`kdlab run: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const spec = resolveKernelSpec(a.kernel);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  // Ctrl-C / termination: take the kernels down with us, keep what was computed.
  const onSignal = (sig: NodeJS.Signals) => {
    log(`kdlab run: ${sig}, stopping kernels`);
    for (const f of abortAll()) log(`kdlab run: partial notebook written to ${f}`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results: NotebookResult[] = [];
  try {
    for (const job of jobs) {
      fs.mkdirSync(path.dirname(path.resolve(job.output)), { recursive: true });
      const r = await runNotebook(job.input, job.output, {
        spec, timeoutS: a.timeoutS, allowErrors: a.allowErrors, params: a.params, log,
      });
      results.push(r);
      log(report(r));
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const failed = results.filter((r) => !r.ok);
  if (results.length > 1) log(`kdlab run: ${results.length - failed.length}/${results.length} notebooks ok`);
  return failed.length ? 1 : 0;
}

/** One line per notebook; for failures: notebook path, cell index and first line of the cell. */
export function report(r: NotebookResult): string {
  if (r.ok) return `${r.input}: ok, ${r.executed} cells executed -> ${r.output}`;
  const f = r.failure!;
  const cell = f.cellIndex !== undefined ? ` at cell index ${f.cellIndex} (\`${f.firstLine}\`)` : '';
  const kind = { error: 'error', timeout: 'timeout', dead: 'kernel died', input: 'bad input' }[f.kind];
  const partial = r.output ? `; partial notebook written to ${r.output}` : '';
  return `${r.input}: FAILED (${kind})${cell}: ${f.message}${partial}`;
}
