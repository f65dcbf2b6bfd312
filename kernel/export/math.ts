/**
 * A markdown-it plugin for TeX math, typeset by KaTeX at build time (the page needs only KaTeX's CSS and fonts):
 * `$…$` inline, `$$…$$` displayed (inline in a paragraph or as a block of its own lines).
 * Pandoc's rule keeps prices and shell variables literal: an inline `$` opens only if not followed by a space and
 * closes only if not preceded by one nor followed by a digit. `\$` is a literal dollar. Bad TeX shows KaTeX's red
 * error text in place (a visible problem, never a crashed export).
 */
import type MarkdownIt from 'markdown-it';
import katex from 'katex';
import { escapeHtml } from '../display/html';

/** TeX → HTML (+ MathML for screen readers); a KaTeX parse error becomes visible red source text. */
export function typeset(tex: string, displayMode: boolean): string {
  try {
    return katex.renderToString(tex, { displayMode, throwOnError: false, output: 'htmlAndMathml', strict: 'ignore' });
  } catch (e) {
    return `<span class="math-error" title="${escapeHtml((e as Error).message)}">${escapeHtml(tex)}</span>`;
  }
}

/** Index of the `$` closing an inline span starting at `from`, or -1. */
function closingDollar(src: string, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (src[i] === '\\') {
      i++;
      continue;
    }
    if (src[i] !== '$') continue;
    if (/\s/.test(src[i - 1]) || /\d/.test(src[i + 1] ?? '')) return -1;
    return i;
  }
  return -1;
}

function inlineMath(state: MarkdownIt.StateInline, silent: boolean): boolean {
  const { src, pos, posMax } = state;
  if (src[pos] !== '$') return false;
  const display = src[pos + 1] === '$';
  let start: number, close: number, after: number;
  if (display) {
    start = pos + 2;
    close = src.indexOf('$$', start);
    if (close < 0 || close > posMax - 2 || close === start) return false;
    after = close + 2;
  } else {
    start = pos + 1;
    if (start >= posMax || /\s/.test(src[start])) return false;
    close = closingDollar(src, start, posMax);
    if (close < 0 || close === start) return false;
    after = close + 1;
  }
  if (!silent) {
    const token = state.push(display ? 'math_display' : 'math_inline', 'math', 0);
    token.content = src.slice(start, close);
    token.markup = display ? '$$' : '$';
  }
  state.pos = after;
  return true;
}

function blockMath(state: MarkdownIt.StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const lineText = (l: number) => state.src.slice(state.bMarks[l] + state.tShift[l], state.eMarks[l]);
  const first = lineText(startLine);
  if (!first.startsWith('$$')) return false;
  let body = first.slice(2);
  let line = startLine;
  let closed = body.trimEnd().endsWith('$$') && body.trim().length >= 2;
  if (closed) body = body.trimEnd().slice(0, -2);
  while (!closed && ++line < endLine) {
    const t = lineText(line);
    if (t.trimEnd().endsWith('$$')) {
      body += '\n' + t.trimEnd().slice(0, -2);
      closed = true;
    } else body += '\n' + t;
  }
  if (!closed) return false;
  // Text after the closing $$ on the same line is not a block of math alone: leave it to the inline rule.
  if (silent) return true;
  const token = state.push('math_block', 'math', 0);
  token.block = true;
  token.content = body.trim();
  token.map = [startLine, line + 1];
  state.line = line + 1;
  return true;
}

export function mathPlugin(md: MarkdownIt.MarkdownIt): void {
  md.inline.ruler.after('escape', 'math_inline', inlineMath);
  md.block.ruler.before('fence', 'math_block', blockMath, { alt: ['paragraph', 'reference', 'blockquote', 'list'] });
  md.renderer.rules.math_inline = (tokens, idx) => typeset(tokens[idx].content, false);
  md.renderer.rules.math_display = (tokens, idx) => typeset(tokens[idx].content, true);
  md.renderer.rules.math_block = (tokens, idx) =>
    `<div class="math-block">${typeset(tokens[idx].content, true)}</div>\n`;
}
