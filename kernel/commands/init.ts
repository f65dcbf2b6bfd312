/**
 * `kdlab init [DIR] [--force]`: copy the curriculum's notebooks (notebooks/**.ipynb of this package) into a
 * working folder, without outputs, with notebooks/README.md (the map of chapters and how to run them) beside them
 * (not notebooks/assignments/: those sources hold solutions). Working in JupyterLab autosaves outputs and edited
 * parameters into the notebook that is open; done in a copy, the package's committed notebooks stay clean and `kdlab run notebooks`
 * keeps running what they say. A file already in DIR is the user's (maybe edited): it is skipped unless --force.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PACKAGE_ROOT, list } from '../kernelspec/install';
import { listNotebooks } from '../runner/args';
import { readNotebook, writeNotebook } from '../runner/notebook';
import { shellWord } from '../shell-word';

export const DEFAULT_DIR = 'kdlab-notebooks';
/** The chapters' guide, copied with them: JupyterLab shows it beside the notebooks. */
const GUIDE = 'README.md';
/** kdlab assign's source notebooks (with solutions), never copied into a working folder. */
const ASSIGNMENTS = 'assignments';

const USAGE = `usage: kdlab init [DIR] [--force]

Copy kdlab's chapter notebooks, without outputs, and their README into DIR (default ./${DEFAULT_DIR}) to work in
with JupyterLab. Files already in DIR are kept as they are (they may hold your edits); --force overwrites them.
`;

export interface InitResult {
  copied: string[];
  skipped: string[];
}

class InitError extends Error {}

/**
 * Copy every notebook under `from` into `dir` (same layout), outputs and execution counts cleared, and `from`'s
 * README.md as it is. A file already in `dir` is skipped unless `force`.
 */
export function copyNotebooks(from: string, dir: string, opts: { force: boolean }): InitResult {
  const target = path.resolve(dir);
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory())
    throw new InitError(`${dir}: exists and is not a folder`);
  if (target === path.resolve(from))
    throw new InitError(`${dir}: is kdlab's own notebooks folder; choose another folder to work in`);
  const result: InitResult = { copied: [], skipped: [] };
  for (const source of listNotebooks(from).sort()) {
    const rel = path.relative(from, source);
    // Assignment sources hold the solutions: students get the released version from their instructor instead.
    if (rel.split(path.sep)[0] === ASSIGNMENTS) continue;
    const dest = path.join(target, rel);
    if (fs.existsSync(dest) && !opts.force) {
      result.skipped.push(rel);
      continue;
    }
    const nb = readNotebook(source);
    for (const cell of nb.cells) {
      if (cell.cell_type !== 'code') continue;
      cell.outputs = [];
      cell.execution_count = null;
      delete cell.metadata.execution;
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    writeNotebook(dest, nb);
    result.copied.push(rel);
  }
  if (fs.existsSync(path.join(from, GUIDE))) {
    const dest = path.join(target, GUIDE);
    if (fs.existsSync(dest) && !opts.force) result.skipped.push(GUIDE);
    else {
      fs.mkdirSync(target, { recursive: true });
      fs.copyFileSync(path.join(from, GUIDE), dest);
      result.copied.push(GUIDE);
    }
  }
  return result;
}

export async function main(args: string[]): Promise<number> {
  let dir: string | undefined;
  let force = false;
  for (const a of args) {
    if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a === '--force') force = true;
    else if (a.startsWith('-') && a !== '-') {
      process.stderr.write(`kdlab init: unknown option '${a}'\n\n${USAGE}`);
      return 2;
    } else if (dir !== undefined) {
      process.stderr.write(`kdlab init: expected one folder, got '${dir}' and '${a}'\n\n${USAGE}`);
      return 2;
    } else dir = a;
  }
  dir ??= DEFAULT_DIR;
  let r: InitResult;
  try {
    r = copyNotebooks(path.join(PACKAGE_ROOT, 'notebooks'), dir, { force });
  } catch (e) {
    if (!(e instanceof InitError)) {
      process.stderr.write(`kdlab init: cannot copy into ${dir}: ${(e as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`kdlab init: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  for (const f of r.copied) out(`copied   ${path.join(dir, f)}`);
  for (const f of r.skipped)
    out(`skipped  ${path.join(dir, f)} (already there, maybe with your edits; --force overwrites it)`);
  const kernelInstalled = list().some((s) => s.name === 'kdlab');
  out('');
  out('Next steps:');
  let step = 1;
  if (!kernelInstalled)
    out(`  ${step++}. npx kdlab kernel install --user   (once: Jupyter then offers the kernel "TypeScript (kdlab)")`);
  out(`  ${step}. jupyter lab ${shellWord(dir)}   (open a chapter; its kernel is "TypeScript (kdlab)")`);
  out(`Or run them all headlessly: npx kdlab run ${shellWord(dir)} --out out/`);
  return 0;
}
