/**
 * `kdlab run <notebook | folder ...>`: execute notebooks headlessly (see kernel/runner/args.ts for the options).
 * Each notebook gets a fresh kernel; a failing notebook (or one that cannot be written) does not stop the others,
 * but makes the exit status 1. Everything that can be checked without a kernel (paths, writability, --kernel,
 * --param names and types) is, first: a usage error costs no kernel start and writes nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { USAGE, UsageError, parseArgs, plan, Job, RunArgs } from '../runner/args';
import { KernelSpec, NoSuchKernel, resolveKernelSpec } from '../runner/kernelspec';
import { NotebookResult, abortAll, runNotebook } from '../runner/execute';
import { heartbeatSeconds } from '../runner/heartbeat';
import { readNotebook, tags } from '../runner/notebook';
import { checkParameters } from '../runner/parameters';
import { trustNotebooks, trustReport } from '../runner/trust';

export async function main(args: string[]): Promise<number> {
  let a: RunArgs;
  let jobs: Job[];
  let spec: KernelSpec;
  try {
    a = parseArgs(args);
    if (a.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    jobs = plan(a);
    spec = resolveKernelSpec(a.kernel);
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof NoSuchKernel)) throw e;
    process.stderr.write(`kdlab run: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const problems = parameterProblems(jobs, a, spec);
  if (problems.length) {
    process.stderr.write(`${problems.map((p) => `kdlab run: --param: ${p}`).join('\n')}\n\n${USAGE}`);
    return 2;
  }
  const heartbeatS = heartbeatSeconds();
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
      let r: NotebookResult;
      try {
        fs.mkdirSync(path.dirname(path.resolve(job.output)), { recursive: true });
        const asIs = Object.keys(a.params).length > 0 && takesNoParameters(job);
        if (asIs) log(`[${path.basename(job.input)}] no cell tagged 'parameters': runs without --param`);
        r = await runNotebook(job.input, job.output, {
          spec,
          timeoutS: a.timeoutS,
          heartbeatS,
          allowErrors: a.allowErrors,
          params: asIs ? {} : a.params,
          outputCap: a.outputCap,
          log,
          sessionName: job.output,
        });
      } catch (e) {
        // runNotebook reports its own failures; this is e.g. an output folder that could not be created.
        r = {
          input: job.input,
          output: null,
          ok: false,
          executed: 0,
          writeError: `cannot write ${job.output}: ${(e as Error).message}`,
        };
      }
      results.push(r);
      log(report(r));
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  const written = results.map((r) => r.output).filter((f): f is string => f !== null);
  if (a.trust && written.length) log(trustReport(trustNotebooks(written)));
  const failed = results.filter((r) => !r.ok);
  if (results.length > 1) log(`kdlab run: ${results.length - failed.length}/${results.length} notebooks ok`);
  return failed.length ? 1 : 0;
}

/**
 * --param checked against every notebook's 'parameters' cell (TypeScript kernels only: other languages'
 * declarations are not parsed). Unreadable notebooks are left to runNotebook, which reports them.
 */
function parameterProblems(jobs: Job[], a: RunArgs, spec: KernelSpec): string[] {
  if (Object.keys(a.params).length === 0 || !/typescript|javascript/i.test(spec.language)) return [];
  return jobs.flatMap((job) => {
    try {
      if (takesNoParameters(job)) return [];
      return checkParameters(readNotebook(job.input), a.params, job.input);
    } catch {
      return [];
    }
  });
}

/**
 * A notebook found in a folder that has no 'parameters' cell (e.g. an assignment beside the chapters) runs as it
 * is: `--param quick=true` is meant for the notebooks that declare it. Named on the command line, it is an error.
 */
export function takesNoParameters(job: Job): boolean {
  if (!job.inFolder) return false;
  try {
    return !readNotebook(job.input).cells.some((c) => c.cell_type === 'code' && tags(c).includes('parameters'));
  } catch {
    return false;
  }
}

/** One line per notebook; for failures: notebook path, the cell (numbered as in the progress lines) and its first line. */
export function report(r: NotebookResult): string {
  if (r.ok) return `${r.input}: ok, ${r.executed} code cells executed -> ${r.output}`;
  const f = r.failure;
  if (!f) return `${r.input}: FAILED (not written): ${r.executed} code cells executed, but ${r.writeError}`;
  const cell = f.cell ? ` at code cell ${f.cell.number}/${f.cell.of} (\`${f.cell.firstLine}\`)` : '';
  const kind = {
    error: 'error',
    timeout: 'timeout',
    dead: 'kernel died',
    input: 'bad input',
    internal: 'kdlab run error',
  }[f.kind];
  const partial = r.output
    ? `; partial notebook written to ${r.output}`
    : r.writeError
      ? `; partial notebook not written: ${r.writeError}`
      : '';
  return `${r.input}: FAILED (${kind})${cell}: ${f.message}${partial}`;
}
