/**
 * `kdlab assign release|validate` (see kernel/assign/args.ts for the command line): coursework from TypeScript
 * notebooks carrying nbgrader's metadata. Everything that can be checked without a kernel (arguments, metadata,
 * solution regions, the hidden-tests file) is checked first; a usage error costs no kernel start and writes nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, listNotebooks, unwritable } from '../runner/args';
import { KernelSpec, NoSuchKernel, resolveKernelSpec } from '../runner/kernelspec';
import { Notebook, readNotebook, writeNotebook } from '../runner/notebook';
import { AssignArgs, USAGE, parseAssignArgs } from '../assign/args';
import { executeAssignment } from '../assign/execute';
import { HiddenTests, HiddenTestsError, hiddenFileOf, parseHiddenTests, withHiddenTests } from '../assign/hidden';
import { MetadataError, checkMetadata } from '../assign/metadata';
import { ReleaseError, studentVersion } from '../assign/release';
import { scoreTable, visibleScore } from '../assign/score';
import { selfCheck } from '../assign/selfcheck';
import { gradeCommand } from '../assign/grade-command';
import { SandboxError } from '../assign/sandbox';
import { heldOutKindOf, prepareHeldOut } from '../assign/held-out';

/** A notebook that cannot be read. */
class UnreadableNotebook extends Error {}

/** Errors that reject one notebook (exit 1) without a kernel having run. */
const REJECTIONS = [UnreadableNotebook, MetadataError, HiddenTestsError, ReleaseError, SandboxError];

function read(file: string): Notebook {
  try {
    return readNotebook(file);
  } catch (e) {
    throw new UnreadableNotebook((e as Error).message);
  }
}

export async function main(args: string[]): Promise<number> {
  let a: AssignArgs;
  let spec: KernelSpec;
  let jobs: { input: string; output: string }[];
  try {
    const parsed = parseAssignArgs(args);
    if (parsed === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    a = parsed;
    jobs = a.command === 'grade' ? [] : plan(a);
    spec = resolveKernelSpec(a.kernel);
  } catch (e) {
    if (!(e instanceof UsageError) && !(e instanceof NoSuchKernel)) throw e;
    process.stderr.write(`kdlab assign: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (a.command === 'grade') {
    try {
      return await gradeCommand(a, spec, log, read);
    } catch (e) {
      if (e instanceof UsageError) {
        log(`kdlab assign grade: ${e.message}\n\n${USAGE}`);
        return 2;
      }
      if (!REJECTIONS.some((E) => e instanceof E)) throw e;
      log(`kdlab assign grade: ${(e as Error).message}`);
      return 1;
    }
  }
  let failed = 0;
  for (const job of jobs) {
    try {
      const ok =
        a.command === 'release'
          ? await release(job.input, job.output, a, spec, log)
          : await validate(job.input, a, spec, log);
      if (!ok) failed++;
    } catch (e) {
      if (!REJECTIONS.some((E) => e instanceof E)) throw e;
      log(`kdlab assign ${a.command}: ${(e as Error).message}`);
      failed++;
    }
  }
  if (jobs.length > 1) log(`kdlab assign ${a.command}: ${jobs.length - failed}/${jobs.length} notebooks ok`);
  return failed ? 1 : 0;
}

/** Inputs (folders expanded, hidden-tests files aside) and, for release, where each student version goes. */
export function plan(
  a: Pick<AssignArgs, 'command' | 'inputs' | 'out' | 'timeoutS'>,
): { input: string; output: string }[] {
  const jobs: { input: string; output: string }[] = [];
  for (const input of a.inputs) {
    if (!fs.existsSync(input)) throw new UsageError(`${input}: no such notebook or folder`);
    const isDir = fs.statSync(input).isDirectory();
    if (isDir && a.command === 'validate') throw new UsageError(`${input}: validate takes notebooks, not folders`);
    // Student versions written into the folder being released are not sources (`release . --out release/`).
    const outDir = a.out === undefined ? null : path.resolve(a.out) + path.sep;
    const files = isDir
      ? listNotebooks(input)
          .filter((f) => !outDir || !path.resolve(f).startsWith(outDir))
          .sort()
      : [input];
    if (files.length === 0) throw new UsageError(`${input}: folder holds no .ipynb notebooks`);
    for (const f of files) {
      const output = a.out === undefined ? '' : path.join(a.out, isDir ? path.relative(input, f) : path.basename(f));
      if (output && path.resolve(output) === path.resolve(f))
        throw new UsageError(`${f}: the student version would overwrite the source; choose another --out`);
      const problem = output ? unwritable(output) : null;
      if (problem) throw new UsageError(`${output}: cannot write the student version: ${problem}`);
      jobs.push({ input: f, output });
    }
  }
  return jobs;
}

async function release(
  input: string,
  output: string,
  a: AssignArgs,
  spec: KernelSpec,
  log: (s: string) => void,
): Promise<boolean> {
  const source = read(input);
  checkMetadata(source, input);
  const hiddenFile = hiddenFileOf(input);
  const hidden: HiddenTests | null = fs.existsSync(hiddenFile) ? parseHiddenTests(hiddenFile) : null;
  if (hidden)
    withHiddenTests(source, hidden, input); // an unknown grade_id is reported before any kernel starts
  else log(`kdlab assign release: ${input}: no hidden tests (${hiddenFile} does not exist)`);
  const draft = studentVersion(source, input);
  const cwd = path.dirname(path.resolve(input));
  const name = path.basename(input);
  const kind = heldOutKindOf(source, input);
  const heldOut = kind ? prepareHeldOut(kind, a.quick) : null;
  if (heldOut) log(`kdlab assign release: ${input}: held-out set: ${heldOut.n} ${heldOut.source} samples`);
  const check = await selfCheck(source, draft, hidden, input, {
    spec,
    cwd,
    timeoutS: a.timeoutS,
    log,
    name,
    runner: {
      params: a.quick ? { quick: true } : {},
      ...(heldOut ? { connection: { kdlab_held_out: heldOut.payload } } : {}),
    },
  });
  if (check.problems.length) {
    log(
      `kdlab assign release: ${input}: refused (nothing written), the self-check failed:\n${check.problems.map((p) => `  ${p}`).join('\n')}`,
    );
    return false;
  }
  fs.mkdirSync(path.dirname(path.resolve(output)), { recursive: true });
  writeNotebook(output, studentVersion(source, input, check.visiblePoints));
  const visible = [...check.visiblePoints.values()].reduce((s, p) => s + p, 0);
  log(`kdlab assign release: ${input}: self-check passed (${visible} visible points) -> ${output}`);
  return true;
}

async function validate(input: string, a: AssignArgs, spec: KernelSpec, log: (s: string) => void): Promise<boolean> {
  const nb = read(input);
  checkMetadata(nb, input);
  const run = await executeAssignment(nb, {
    spec,
    cwd: path.dirname(path.resolve(input)),
    timeoutS: a.timeoutS,
    log,
    name: path.basename(input),
    runner: { params: a.quick ? { quick: true } : {} },
  });
  const score = visibleScore(run.notebook, run);
  process.stdout.write(`${input}\n${scoreTable(score)}`);
  return score.rows.every((r) => r.message === '') && !run.failure;
}
