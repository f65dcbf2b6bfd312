/**
 * tslab's converter rewrites a reference to an earlier cell's variable `x` as `exports.x`, but inside a shorthand
 * property (`{ x }`) that rewrite is lost and the emitted code reads an undefined local `x` (tslab 1.0.22).
 * Spelling every shorthand property out (`{ x: x }`, `{ x: x = 1 }` in patterns) is equivalent JavaScript and
 * sidesteps the bug. Only object literals change; a diagnostic's column after such a property moves right.
 */
import { ts } from './typescript';

export function expandShorthandProperties(code: string): string {
  if (!code.includes('{')) return code;
  const sf = ts.createSourceFile('/__cell__.ts', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts: { pos: number; text: string }[] = [];
  const visit = (node: import('@tslab/typescript-for-tslab').Node): void => {
    if (ts.isShorthandPropertyAssignment(node)) inserts.push({ pos: node.name.end, text: `: ${node.name.text}` });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  if (inserts.length === 0) return code;
  let out = '';
  let last = 0;
  for (const { pos, text } of inserts.sort((a, b) => a.pos - b.pos)) {
    out += code.slice(last, pos) + text;
    last = pos;
  }
  return out + code.slice(last);
}
