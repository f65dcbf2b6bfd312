/**
 * `is_complete_request`: is this code ready to run (console front ends use it to decide whether Enter runs the
 * cell or opens a new line)? Answered from TypeScript's parser alone (no type check):
 *   complete   – parses without errors;
 *   incomplete – every parse error sits at the end of the code and is of the kind more input can fix
 *                ("'}' expected", "Expression expected", an unterminated template literal or block comment);
 *   invalid    – an error before the end (e.g. an unbalanced closing bracket, `let 1 = 2`), or an unterminated
 *                '...' / "..." string, which can never continue onto a new line.
 * Like IPython, code ending in two blank lines is complete whatever follows (the user forces execution).
 */
import { ts } from '../engine/typescript';

export type IsComplete = { status: 'complete' } | { status: 'invalid' } | { status: 'incomplete'; indent: string };

const UNTERMINATED_STRING = 1002;

export function isComplete(code: string): IsComplete {
  const sf = ts.createSourceFile('cell.ts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const diags = (sf as unknown as { parseDiagnostics: import('@tslab/typescript-for-tslab').DiagnosticWithLocation[] })
    .parseDiagnostics;
  if (diags.length === 0) return { status: 'complete' };
  const end = code.trimEnd().length;
  const atEnd = diags.every((d) => d.start >= end && d.code !== UNTERMINATED_STRING);
  if (!atEnd) return { status: 'invalid' };
  if (/\n[ \t]*\n[ \t]*$/.test(code)) return { status: 'complete' };
  return { status: 'incomplete', indent: nextIndent(code) };
}

/** The indentation for the next line: the last line's, plus two spaces after an opening bracket. */
function nextIndent(code: string): string {
  const lines = code.trimEnd().split('\n');
  const last = lines[lines.length - 1];
  const current = /^[ \t]*/.exec(last)![0];
  return /[{[(]\s*$/.test(last) ? current + '  ' : current;
}
