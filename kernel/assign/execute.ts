/**
 * Executing an assignment notebook through the runner (kernel/runner/execute.ts: one fresh kernel, cell by cell,
 * errors recorded and execution continued) and reading back what its tests recorded: the CHECK_MIME display
 * outputs of each cell, and each cell's error. A timeout or a dead kernel still stops the run (`failure`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Failure, RunOptions, runNotebook } from '../runner/execute';
import { KernelSpec } from '../runner/kernelspec';
import { Notebook, isRecord, readNotebook, writeNotebook } from '../runner/notebook';
import { CHECK_MIME, CheckResult } from './check-api';
import { gradeIdOf, isTestCell } from './metadata';
import { hiddenOf } from './hidden';

export interface RecordedCheck extends CheckResult {
  /** Index of the cell that recorded it, in the executed notebook. */
  cell: number;
  /** The test cell it counts for (a hidden-tests cell counts for the cell it extends); undefined outside test cells. */
  gradeId?: string;
  hidden: boolean;
}

export interface CellError {
  cell: number;
  gradeId?: string;
  hidden: boolean;
  ename: string;
  evalue: string;
}

export interface AssignmentRun {
  /** The executed notebook (outputs filled in). */
  notebook: Notebook;
  checks: RecordedCheck[];
  errors: CellError[];
  /** A timeout, a dead kernel or a notebook the runner could not read: the cells after it did not run. */
  failure?: Failure;
}

export interface ExecuteOptions {
  spec: KernelSpec;
  /** Kernel working folder: the source notebook's, so it finds the files it reads. */
  cwd: string;
  /** Per-cell timeout in seconds (0 = none). */
  timeoutS: number;
  log: (line: string) => void;
  /** The name the kernel sees (JPY_SESSION_NAME). */
  name: string;
  /** More runner options (grading: sealed test cells, the grading key, going on after a timeout, output cap). */
  runner?: Pick<RunOptions, 'continueAfterTimeout' | 'requestMetadata' | 'env' | 'connection' | 'outputCap' | 'params'>;
}

export async function executeAssignment(nb: Notebook, opts: ExecuteOptions): Promise<AssignmentRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kdlab-assign-'));
  try {
    const input = path.join(dir, 'in.ipynb');
    const output = path.join(dir, 'out.ipynb');
    writeNotebook(input, nb);
    const r = await runNotebook(input, output, {
      spec: opts.spec,
      cwd: opts.cwd,
      timeoutS: opts.timeoutS,
      heartbeatS: 0,
      allowErrors: true,
      params: {},
      sessionName: opts.name,
      ...opts.runner,
      log: (line) => opts.log(line.replace(/^\[in\.ipynb\]/, `[${opts.name}]`)),
    });
    if (!r.output)
      throw new Error(`executing ${opts.name}: ${r.writeError ?? r.failure?.message ?? 'no notebook written'}`);
    const executed = readNotebook(output);
    return { notebook: executed, ...recorded(executed), failure: r.failure };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The checks and errors recorded in an executed notebook's outputs. */
export function recorded(nb: Notebook): { checks: RecordedCheck[]; errors: CellError[] } {
  const checks: RecordedCheck[] = [];
  const errors: CellError[] = [];
  nb.cells.forEach((cell, i) => {
    const hiddenFor = hiddenOf(cell);
    const gradeId = hiddenFor ?? (isTestCell(cell) ? gradeIdOf(cell) : undefined);
    const where = { cell: i, gradeId, hidden: hiddenFor !== undefined };
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'error') {
        errors.push({ ...where, ename: o.ename, evalue: o.evalue });
      } else if (o.output_type === 'display_data' || o.output_type === 'execute_result') {
        const r = asCheckResult(o.data[CHECK_MIME]);
        if (r) checks.push({ ...r, ...where });
      }
    }
  });
  return { checks, errors };
}

function asCheckResult(v: unknown): CheckResult | null {
  if (!isRecord(v)) return null;
  const { name, points, passed, message } = v;
  if (typeof name !== 'string' || typeof points !== 'number' || typeof passed !== 'boolean') return null;
  return { name, points, passed, message: typeof message === 'string' ? message : '' };
}
