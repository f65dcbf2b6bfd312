/**
 * Offline Plotly HTML. Front ends without a Plotly renderer (JupyterLab 4 / Notebook 7 without the
 * extension, nbconvert's HTML export) show the text/html part; it must draw with NO network, so the
 * plotly.js bundle from `plotly.js-dist-min` is inlined — once per kernel session (4.5 MB), in the first
 * figure's output. Later figures only carry a <div> and a small script that waits until `window.Plotly`
 * exists and then calls Plotly.newPlot.
 *
 * Why these details:
 * - The library runs inside `function (define, module, exports)` with all three undefined, so its UMD
 *   header always takes the browser-global branch and sets `self.Plotly` — even in pages where RequireJS
 *   defines `define.amd` (nbconvert's templates load require.js; an anonymous define() there would keep
 *   Plotly off `window` and throw "Mismatched anonymous define()").
 * - Front ends insert output HTML with innerHTML and re-create the <script> tags; they run once the output
 *   node is attached, in document order, but a later figure may still run first (virtualised notebooks),
 *   hence the wait loop rather than assuming load order.
 * - The div is found through `document.currentScript.previousElementSibling` (falling back to its id) so
 *   the same notebook opened twice in one page (duplicate ids) still draws each copy.
 * - No `application/javascript`: JupyterLab and nbconvert rank it above text/html.
 * - `</script` cannot appear in the inlined JSON: `<` is written as \u003c.
 */
import * as fs from 'node:fs';
import { escapeHtml } from './html';
import { shellWord } from '../shell-word';

let cachedLibrary: { source: string; version: string } | undefined;

/** plotly.js-dist-min's minified bundle and version, read once per process. */
export function plotlyLibrary(): { source: string; version: string } {
  if (!cachedLibrary) {
    const file = require.resolve('plotly.js-dist-min/plotly.min.js');
    const version = (require('plotly.js-dist-min/package.json') as { version: string }).version;
    const source = fs.readFileSync(file, 'utf8');
    // Defensive: a literal "</script" would end our inline script early (absent in 2.35.3).
    cachedLibrary = { source: source.replace(/<\/script/gi, '<\\/script'), version };
  }
  return cachedLibrary;
}

/** JSON for inlining inside <script>: no "</script>", no "<!--", no raw U+2028/9. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The <script> that defines window.Plotly (skipped if a page already has it, e.g. two sessions' outputs). */
export function libraryScript(lib = plotlyLibrary()): string {
  return (
    `<script type="text/javascript">/* plotly.js ${lib.version} (MIT), inlined by kdlab once per session: no CDN, works offline */\n` +
    `if (!window.Plotly) { (function (define, module, exports) {\n${lib.source}\n}).call(window); }\n</script>\n`
  );
}

const NOTE_STYLE = 'font:12px sans-serif;color:#888;';

/**
 * The command that makes a reopened notebook's figures draw, naming the notebook when the kernel knows it:
 * jupyter_server starts a notebook's kernel with JPY_SESSION_NAME = the notebook's path, and `kdlab run` with
 * the path of the notebook it writes. Other clients (nbclient, console) set nothing: a generic name then.
 */
export function trustCommand(notebook = process.env.JPY_SESSION_NAME): string {
  return `jupyter trust ${notebook ? shellWord(notebook) : '<your notebook>.ipynb'}`;
}

/** The per-figure markup: a sized div with a note (seen only if scripts do not run) + the draw script. */
export function figureMarkup(
  fig: { data: unknown[]; layout: Record<string, unknown>; config: Record<string, unknown> },
  id: string,
  trust = trustCommand(),
): string {
  const height = typeof fig.layout.height === 'number' ? `${fig.layout.height}px` : '450px';
  const width = typeof fig.layout.width === 'number' ? `${fig.layout.width}px` : '100%';
  const config = { responsive: true, displaylogo: false, ...fig.config };
  return (
    `<div id="${id}" class="kdlab-plot" style="width:${width};height:${height};">` +
    `<span class="kdlab-plot-note" style="${NOTE_STYLE}">Plotly figure: it draws in a trusted notebook. ` +
    `Run <code>${escapeHtml(trust)}</code>, then reopen the notebook.</span></div>\n` +
    `<script type="text/javascript">\n(function () {\n` +
    `  var id = ${JSON.stringify(id)}, s = document.currentScript, tries = 0;\n` +
    `  var el = s && s.previousElementSibling && s.previousElementSibling.id === id ? s.previousElementSibling : null;\n` +
    `  var fig = ${scriptJson({ data: fig.data, layout: fig.layout, config })};\n` +
    `  function draw() {\n` +
    `    el = el || document.getElementById(id);\n` +
    `    if (el && window.Plotly && typeof window.Plotly.newPlot === 'function') {\n` +
    `      var note = el.querySelector('.kdlab-plot-note'); if (note) note.parentNode.removeChild(note);\n` +
    `      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);\n` +
    `      return;\n` +
    `    }\n` +
    `    tries += 1;\n` +
    `    if (tries === 100 && el) { var n = el.querySelector('.kdlab-plot-note'); if (n) n.textContent = ` +
    `'Waiting for plotly.js, which kdlab embeds in the first figure output of the kernel session. If that output was cleared, re-run the notebook from the top.'; }\n` +
    `    if (tries < 7200) setTimeout(draw, tries < 200 ? 50 : 500);\n` +
    `  }\n` +
    `  draw();\n` +
    `})();\n</script>`
  );
}
