/**
 * A student's feedback page: one self-contained HTML file (no script, no stylesheet or image fetched: it opens
 * offline and can be mailed or uploaded to an LMS). It shows the score, each test's name, points and message
 * (hidden tests by name only), and the graded notebook's cells with their outputs as text and PNG images.
 * Hidden-test cells are left out whole (their code, and their outputs, which could echo it); so are outputs
 * other than text and PNG (HTML from a cell could run script or fetch from the network). A text that quotes a
 * line of the hidden tests (a cell that captured their code while they ran) is withheld.
 */
import { escapeHtml } from '../display/html';
import { Cell, Output, text } from '../runner/notebook';
import { StudentGrade, TestRow } from './grade';
import { hiddenOf } from './hidden';
import { gradeIdOf, isTestCell } from './metadata';

// eslint-disable-next-line no-control-regex -- ANSI colour codes in tracebacks
const ANSI = /\u001b\[[0-9;]*m/g;
const OUTPUT_CHARS = 20_000;

/** Lines of the hidden tests long enough to be theirs alone. */
let secret: string[] = [];
const WITHHELD = '(withheld: this text quotes the hidden tests)';
const shown = (s: string) => (secret.some((line) => s.includes(line)) ? WITHHELD : s);

const pre = (s: string, cls: string) => {
  const t = s.length > OUTPUT_CHARS ? `${s.slice(0, OUTPUT_CHARS)}\n… (${s.length - OUTPUT_CHARS} more characters)` : s;
  return `<pre class="${cls}">${escapeHtml(shown(t))}</pre>`;
};

function outputHtml(o: Output): string {
  if (o.output_type === 'stream') return pre(text(o.text), o.name);
  if (o.output_type === 'error')
    return pre([`${o.ename}: ${o.evalue}`, ...o.traceback.slice(1)].join('\n').replace(ANSI, ''), 'error');
  const png = o.data['image/png'];
  if (typeof png === 'string' && /^[A-Za-z0-9+/=\s]+$/.test(png))
    return `<img alt="figure" src="data:image/png;base64,${png.replace(/\s/g, '')}">`;
  const plain = o.data['text/plain'];
  return plain === undefined ? '' : pre(text(plain as string | string[]), 'result');
}

function testTable(rows: TestRow[]): string {
  if (!rows.length) return '';
  const tr = rows
    .map(
      (r) =>
        `<tr class="${r.points === r.max ? 'pass' : 'fail'}"><td>${r.points}/${r.max}</td>` +
        `<td>${escapeHtml(r.name)}${r.hidden ? ' <span class="tag">hidden test</span>' : ''}</td>` +
        `<td>${escapeHtml(shown(r.message))}</td></tr>`,
    )
    .join('');
  return `<table class="tests"><tr><th>points</th><th>test</th><th>message</th></tr>${tr}</table>`;
}

function cellHtml(cell: Cell, g: StudentGrade): string {
  const src = text(cell.source);
  if (cell.cell_type !== 'code') return `<section class="md">${pre(src, 'markdown')}</section>`;
  const outputs = (cell.outputs ?? []).map(outputHtml).join('');
  const id = isTestCell(cell) ? gradeIdOf(cell) : undefined;
  const results = id === undefined ? '' : testTable(g.tests.filter((t) => t.gradeId === id));
  const score = id === undefined ? '' : g.cells.find((c) => c.gradeId === id);
  const head = score ? `<h3>Tests '${escapeHtml(id!)}': ${score.points}/${score.max}</h3>` : '';
  return `<section class="code">${head}${pre(src, 'source')}${outputs}${results}</section>`;
}

/** `hiddenSource`: the hidden tests' code, whose lines no text of the page may quote. */
export function feedbackHtml(g: StudentGrade, assignment: string, hiddenSource = ''): string {
  secret = hiddenSource
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 24 && !l.startsWith('//'));
  const cells = g.graded.cells.filter((c) => hiddenOf(c) === undefined);
  const tamper = g.tamper.length
    ? `<div class="warn"><b>Changes to locked cells (restored before grading):</b><ul>${g.tamper
        .map((t) => `<li>${escapeHtml(t.detail)}</li>`)
        .join('')}</ul></div>`
    : '';
  const notes = g.notes.length
    ? `<div class="warn"><b>Notes:</b><ul>${g.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></div>`
    : '';
  const manual = g.manualMax ? ` (+ ${g.manualMax} points graded by hand)` : '';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${escapeHtml(`${assignment}: feedback for ${g.id}`)}</title>
<style>
body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{white-space:pre-wrap;word-break:break-word;padding:.5rem;margin:.3rem 0;border-radius:4px}
pre.source{background:#f6f8fa;border:1px solid #d0d7de}pre.markdown{background:none;font-family:sans-serif}
pre.error,pre.stderr{background:#fff0f0}section{margin:1.2rem 0}
table.tests{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.3rem;text-align:left;vertical-align:top}
tr.pass td:first-child{color:#1a7f37}tr.fail td:first-child{color:#cf222e}.tag{font-size:80%;color:#666}
.warn{background:#fff8c5;padding:.5rem 1rem;border-radius:4px}
</style></head><body>
<h1>${escapeHtml(assignment)}</h1>
<h2>${escapeHtml(g.id)}: ${g.points}/${g.max} points${manual}</h2>
${tamper}${notes}
<h2>All tests</h2>${testTable(g.tests)}
<h2>Your notebook, as graded</h2>
${cells.map((c) => cellHtml(c, g)).join('\n')}
</body></html>
`;
}
