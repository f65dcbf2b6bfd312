/**
 * `kdlab export <notebook | folder ...> --out DIR`: render executed notebooks into a static, offline site
 * (kernel/export/site.ts), or with --single one self-contained HTML file per notebook. --execute runs them first
 * (kernel/export/execute.ts: cached per notebook + parameters + kdlab version). `npm start` is
 * `kdlab export notebooks --execute --jobs auto --out site --executed-out out`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, forEachArg, listNotebooks, paramOption, timeoutOption } from '../runner/args';
import { Params } from '../runner/parameters';
import { NoSuchKernel, resolveKernelSpec } from '../runner/kernelspec';
import { heartbeatSeconds } from '../runner/heartbeat';
import { abortAll } from '../runner/execute';
import { ExportInput, Written, exportSingle, exportSite } from '../export/site';
import { autoJobs, executeAll } from '../export/execute';
import { takesNoParameters } from './run';

export const USAGE = `usage: kdlab export <notebook.ipynb | folder ...> --out DIR [options]

Render notebooks into a static tutorial site that opens offline (file:// or any static server): DIR/index.html
(the curriculum), one page per chapter, shared assets once (plotly.js, KaTeX, highlighting, search index).

options:
  --out DIR           where the site (or the --single files) go (required)
  --single            one self-contained HTML file per notebook instead (everything inlined)
  --execute           run the notebooks first (a fresh kernel each); a notebook whose bytes, parameters and
                      kdlab version are unchanged since its last successful execution is reused, not re-run
  --executed-out DIR  with --execute: where the executed notebooks are written (default: out)
  --param k=v         with --execute: set a parameter, as kdlab run does (repeatable)
  --quick             with --execute: the same as --param quick=true
  --timeout S         with --execute: per-cell timeout in seconds (default: none)
  --kernel NAME       with --execute: kernelspec to use (default as kdlab run)
  --jobs N|auto       with --execute: run N notebooks at once, each in its own kernel (default 1; auto: one per
                      core, at most 4). With several at once the wasm and tensorflow backends' threads are split
                      between them (KDLAB_WASM_THREADS, KDLAB_TF_THREADS, unless set); notebooks sharing a cached
                      teacher train it once.
  -h, --help          show this help

Without --execute the notebooks are rendered as they are (export executed notebooks, e.g. kdlab run's results).
Folders give the .ipynb files directly inside (not sub-folders), sorted. Exit status: 0 ok, 1 if a notebook failed to execute (the site is still
built from the others), 2 on usage errors.
`;

interface ExportArgs {
  inputs: string[];
  out?: string;
  single: boolean;
  execute: boolean;
  executedOut: string;
  params: Params;
  timeoutS: number;
  kernel?: string;
  jobs: number | 'auto';
  help: boolean;
}

export function parseExportArgs(argv: string[]): ExportArgs {
  const a: ExportArgs = {
    inputs: [],
    single: false,
    execute: false,
    executedOut: 'out',
    params: {},
    timeoutS: 0,
    jobs: 1,
    help: false,
  };
  let executedOnly = false;
  forEachArg(argv, (arg, take, raw) => {
    switch (arg) {
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '--out':
        a.out = take();
        break;
      case '--single':
        a.single = true;
        break;
      case '--execute':
        a.execute = true;
        break;
      case '--executed-out':
        a.executedOut = take();
        executedOnly = true;
        break;
      case '--quick':
        a.params.quick = true;
        executedOnly = true;
        break;
      case '--param':
        paramOption(a.params, take());
        executedOnly = true;
        break;
      case '--timeout':
        a.timeoutS = timeoutOption(take());
        executedOnly = true;
        break;
      case '--kernel':
        a.kernel = take();
        executedOnly = true;
        break;
      case '--jobs': {
        const v = take();
        if (v === 'auto') a.jobs = 'auto';
        else if (/^[1-9]\d*$/.test(v)) a.jobs = Number(v);
        else
          throw new UsageError(
            `--jobs: expected a whole number of notebooks at once (1 or more) or 'auto', got '${v}'`,
          );
        executedOnly = true;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${raw}'`);
        a.inputs.push(raw);
    }
  });
  if (a.help) return a;
  if (!a.inputs.length) throw new UsageError('expected at least one notebook or folder');
  if (a.out === undefined) throw new UsageError('--out DIR is required');
  if (executedOnly && !a.execute)
    throw new UsageError('--param, --quick, --timeout, --kernel, --jobs and --executed-out need --execute');
  return a;
}

/** Inputs expanded (folders → their notebooks, sorted), each once. */
function notebooks(inputs: string[]): { file: string; inFolder: boolean }[] {
  const found: { file: string; inFolder: boolean }[] = [];
  for (const input of inputs) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(input);
    } catch {
      throw new UsageError(`${input}: no such notebook or folder`);
    }
    if (stat.isDirectory()) {
      // The folder's own notebooks: sub-folders (notebooks/assignments) are not chapters.
      const files = listNotebooks(input)
        .filter((f) => path.dirname(path.resolve(f)) === path.resolve(input))
        .sort();
      if (!files.length) throw new UsageError(`${input}: folder holds no .ipynb notebooks`);
      found.push(...files.map((file) => ({ file, inFolder: true })));
    } else found.push({ file: input, inFolder: false });
  }
  return found;
}

const kb = (n: number) => `${(n / 1024).toFixed(n < 10240 ? 1 : 0)} KB`;

export function sizeReport(written: Written[], dir: string): string[] {
  const pages = written.filter((w) => w.file.endsWith('.html'));
  const assets = written.filter((w) => !w.file.endsWith('.html') && !w.file.endsWith('.ipynb'));
  const lines = pages.map(
    (w) => `  ${path.relative(dir, w.file)}: ${kb(w.bytes)}${w.figures ? `, ${w.figures} figures` : ''}`,
  );
  if (assets.length)
    lines.push(`  assets/ (shared, ${assets.length} files): ${kb(assets.reduce((s, w) => s + w.bytes, 0))}`);
  return lines;
}

export async function main(argv: string[]): Promise<number> {
  let a: ExportArgs;
  let found: { file: string; inFolder: boolean }[];
  try {
    a = parseExportArgs(argv);
    if (a.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    found = notebooks(a.inputs);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`kdlab export: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const out = a.out!;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  let inputs: ExportInput[] = found.map((f) => ({ file: f.file }));
  let failed = 0;
  if (a.execute) {
    let spec;
    try {
      spec = resolveKernelSpec(a.kernel);
    } catch (e) {
      if (!(e instanceof NoSuchKernel)) throw e;
      process.stderr.write(`kdlab export: ${e.message}\n`);
      return 2;
    }
    const jobs = found.map((f) => ({
      input: f.file,
      output: path.join(a.executedOut, path.basename(f.file)),
      params: takesNoParameters({ input: f.file, output: '', inFolder: f.inFolder }) ? {} : a.params,
    }));
    const onSignal = (sig: NodeJS.Signals) => {
      log(`kdlab export: ${sig}, stopping kernels`);
      abortAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let outcomes;
    try {
      fs.mkdirSync(a.executedOut, { recursive: true });
      outcomes = await executeAll(jobs, {
        spec,
        timeoutS: a.timeoutS,
        heartbeatS: heartbeatSeconds(),
        log,
        jobs: a.jobs === 'auto' ? autoJobs(jobs.length) : a.jobs,
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    inputs = [];
    for (const o of outcomes) {
      if (o.result && !o.result.ok) {
        failed++;
        log(`[${path.basename(o.job.input)}] FAILED: ${o.result.failure?.message ?? o.result.writeError ?? 'unknown'}`);
        // A partial notebook is still shown (its error is on the page), so the reader sees where it stopped.
        if (!o.result.output) continue;
      }
      inputs.push({ file: o.job.output, source: o.job.input });
    }
  }
  const written = a.single ? exportSingle(inputs, out) : exportSite(inputs, out);
  log(`kdlab export: ${inputs.length} chapter${inputs.length === 1 ? '' : 's'} -> ${out}`);
  for (const l of sizeReport(written, out)) log(l);
  const open = a.single ? path.resolve(out) : path.resolve(out, 'index.html');
  process.stdout.write(`Open ${a.single ? 'the files in ' : ''}file://${open}\n`);
  return failed ? 1 : 0;
}
