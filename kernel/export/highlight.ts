/**
 * Code highlighting at build time with highlight.js (core + the languages a chapter holds), so pages carry
 * classed <span>s and only a stylesheet, no highlighter script. Unknown languages are escaped, not guessed.
 */
import hljs from 'highlight.js/lib/core';
import typescript from 'highlight.js/lib/languages/typescript';
import javascript from 'highlight.js/lib/languages/javascript';
import python from 'highlight.js/lib/languages/python';
import bash from 'highlight.js/lib/languages/bash';
import json from 'highlight.js/lib/languages/json';
import { escapeHtml } from '../display/html';

hljs.registerLanguage('typescript', typescript);
hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('python', python);
hljs.registerLanguage('bash', bash);
hljs.registerLanguage('json', json);

const ALIASES: Record<string, string> = { ts: 'typescript', js: 'javascript', sh: 'bash', shell: 'bash', py: 'python' };

/** The language highlight.js knows for a fence info / notebook language name, or null. */
export function knownLanguage(lang: string): string | null {
  const l = lang.trim().toLowerCase();
  const name = ALIASES[l] ?? l;
  return hljs.getLanguage(name) ? name : null;
}

/** Highlighted HTML (the inside of <code>) for `code` in `lang`; escaped plain text when the language is unknown. */
export function highlight(code: string, lang: string): string {
  const name = knownLanguage(lang);
  if (!name) return escapeHtml(code);
  return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
}
