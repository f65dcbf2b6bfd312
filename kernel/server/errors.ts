/**
 * Turning what went wrong in a cell into the protocol's error triple (ename, evalue, traceback), used both for
 * the iopub `error` message and the `execute_reply` with status 'error'.
 *  - TypeScript diagnostics: ename 'CompileError', evalue the first diagnostic as `line:column - text`,
 *    traceback one line per diagnostic (prefixed by the file when it is an imported file, not the cell).
 *  - thrown values: ename from the error's name, evalue its message, traceback its stack without the kernel's
 *    own frames. Interrupts (V8's SIGINT watchdog or the executor's async interrupt) become 'KeyboardInterrupt'.
 */
import type { CompileDiagnostic } from '../engine/engine';
import { plainText } from '../engine/plain-text';

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

const RED = '\u001b[0;31m';
const RESET = '\u001b[0m';

export function compileError(diags: CompileDiagnostic[]): ErrorContent {
  const lines = diags.map((d) => `${d.file ? d.file + ':' : ''}${d.line}:${d.column} - ${d.message}`);
  return {
    ename: 'CompileError',
    evalue: lines[0] + (lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''),
    traceback: [
      `${RED}CompileError${RESET}: TypeScript reported ${diags.length} error${diags.length === 1 ? '' : 's'}`,
      ...lines,
    ],
  };
}

/** Is `e` one of the two ways a cell is interrupted? */
export function isInterrupt(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (
    e.message === 'Interrupted asynchronously' ||
    /^Script execution (was )?interrupted/.test(e.message) ||
    e.name === 'InterruptedError'
  );
}

export function exceptionError(e: unknown): ErrorContent {
  if (isInterrupt(e)) {
    return {
      ename: 'KeyboardInterrupt',
      evalue: 'the cell was interrupted',
      traceback: [`${RED}KeyboardInterrupt${RESET}: the cell was interrupted`],
    };
  }
  if (e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e && 'stack' in e)) {
    const err = e as Error;
    const ename = err.name || err.constructor?.name || 'Error';
    const evalue = String(err.message ?? '');
    const frames = String(err.stack ?? '')
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .filter((l) => !/node_modules[\\/]tslab[\\/]|[\\/]kernel[\\/](?:engine|server|wire)[\\/]|node:internal/.test(l));
    return { ename, evalue, traceback: [`${RED}${ename}${RESET}: ${evalue}`, ...frames] };
  }
  const text = plainText(e);
  return { ename: 'Uncaught', evalue: text, traceback: [`${RED}Uncaught${RESET} ${text}`] };
}
