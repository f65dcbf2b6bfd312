/**
 * Running `kdlab assign` from tests: the CLI against a throwaway kernelspec of this checkout's kernel, on the cpu
 * backend (pure JavaScript, so nothing is skipped on a bare machine), with a TMPDIR of its own; and nbgrader cells.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI } from './kdlab-run';

export interface AssignRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function kdlabAssign(args: string[], opts: { jupyterPath: string; tmp: string }): Promise<AssignRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TMPDIR: fs.mkdtempSync(path.join(opts.tmp, 'run-')),
    JUPYTER_PATH: opts.jupyterPath,
    JUPYTER_DATA_DIR: path.join(opts.tmp, 'nodata'),
    KDLAB_BACKEND: 'cpu',
  };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, 'assign', ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type Flags = { grade?: boolean; solution?: boolean; locked?: boolean; points?: number };

/** A cell carrying nbgrader metadata (schema 3) under `gradeId`, or none when gradeId is undefined. */
export function nbCell(type: 'code' | 'markdown', source: string, gradeId?: string, flags: Flags = {}) {
  const { points, ...rest } = flags;
  const nbgrader =
    gradeId === undefined
      ? undefined
      : {
          schema_version: 3,
          grade: false,
          solution: false,
          locked: false,
          ...rest,
          grade_id: gradeId,
          ...(points === undefined ? {} : { points }),
        };
  return {
    cell_type: type,
    id: Math.random().toString(16).slice(2, 10),
    metadata: nbgrader ? { nbgrader } : {},
    source,
    ...(type === 'code' ? { outputs: [], execution_count: null } : {}),
  };
}

export function writeAssignment(file: string, cells: unknown[], hidden?: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'kdlab', display_name: 'TypeScript (kdlab)', language: 'typescript' } },
      cells,
    }),
  );
  if (hidden !== undefined) fs.writeFileSync(file.replace(/\.ipynb$/, '.hidden.ts'), hidden);
  return file;
}
