/**
 * One cell output → HTML for a static page. Each display picks its richest representation a page can show
 * without a kernel, in this order: Plotly JSON (drawn by the site's one shared plotly.js, see ./assets), HTML,
 * SVG, PNG/JPEG, markdown, LaTeX, JSON, plain text. kdlab's own text/html of a figure (which inlines plotly.js)
 * is therefore never used. Streams and tracebacks keep their ANSI colours (anser, as classes the site's CSS
 * colours in light and dark schemes). A representation that is malformed falls through to the next one; an
 * output nothing can show becomes a visible placeholder, never a thrown export.
 */
import Anser from 'anser';
import { escapeHtml } from '../display/html';
import { PLOTLY_MIME } from '../display/rich';
import { scriptJson } from '../display/plotly';
import type { MimeData, Output } from '../runner/notebook';
import { text } from '../runner/notebook';
import { renderMarkdown, Slugger } from './markdown';
import { typeset } from './math';
import { LIVE_MODELS_MIME } from '../display/live-models';
import { LiveState, liveLink } from './live';

export interface OutputContext {
  /** Used for markdown outputs' heading ids (unique in the page). */
  slugger: Slugger;
  /** Counts Plotly figures on the page (the browser test compares it with drawn figures). */
  figures: { count: number };
  /** The site's live page, when this notebook handed models to it (./live); absent in --single files. */
  live?: LiveState;
}

/** ANSI-coloured text → HTML: escaped, carriage-return overwrites applied, colours as `ansi-*` classes. */
export function ansiHtml(s: string): string {
  const lines = s.split('\n').map((l) => {
    // A progress line rewritten with \r shows only its last state, as a terminal would.
    const parts = l.split('\r').filter((p, i, all) => p !== '' || i === all.length - 1);
    return parts[parts.length - 1] ?? '';
  });
  return Anser.ansiToHtml(Anser.escapeForHtml(lines.join('\n')), { use_classes: true });
}

const placeholder = (what: string) =>
  `<div class="output-missing" role="note">Output not shown: ${escapeHtml(what)}</div>`;

type Renderer = (value: unknown, data: MimeData, ctx: OutputContext) => string | null;

const asText = (v: unknown): string | null =>
  typeof v === 'string' ? v : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join('') : null;

/** A short description of a display for alt text: its text/plain, or the figure's title. */
function altText(data: MimeData, fallback: string): string {
  const plain = asText(data['text/plain'])?.trim();
  return plain && plain.length <= 200 ? plain : fallback;
}

function plotlyTitle(layout: Record<string, unknown>): string | null {
  const t = layout.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string')
    return (t as { text: string }).text;
  return null;
}

const RENDERERS: [string, Renderer][] = [
  [LIVE_MODELS_MIME, (_v, _data, ctx) => liveLink(ctx.live)],
  [
    PLOTLY_MIME,
    (v, _data, ctx) => {
      if (!v || typeof v !== 'object' || !Array.isArray((v as { data?: unknown }).data)) return null;
      const fig = v as { data: unknown[]; layout?: unknown; config?: unknown };
      const layout =
        fig.layout && typeof fig.layout === 'object'
          ? (fig.layout as Record<string, unknown>)
          : ({} as Record<string, unknown>);
      const config = fig.config && typeof fig.config === 'object' ? fig.config : {};
      ctx.figures.count++;
      const title = plotlyTitle(layout)?.replace(/<[^>]+>/g, ' ') ?? 'untitled';
      const height = typeof layout.height === 'number' ? layout.height : 450;
      return (
        `<figure class="plot"><div class="plotly-figure" role="img" aria-label="Plotly figure: ${escapeHtml(title)}" ` +
        `style="min-height:${height}px"><noscript>Plotly figure “${escapeHtml(title)}”: needs JavaScript.</noscript></div>` +
        `<script type="application/json" class="plotly-data">${scriptJson({ data: fig.data, layout, config })}</script></figure>`
      );
    },
  ],
  ['text/html', (v) => (asText(v) !== null ? `<div class="output-html">${asText(v)}</div>` : null)],
  [
    'image/svg+xml',
    (v, data) => {
      const s = asText(v);
      if (s === null) return null;
      const uri = `data:image/svg+xml;base64,${Buffer.from(s).toString('base64')}`;
      return `<img class="output-image" src="${uri}" alt="${escapeHtml(altText(data, 'SVG image output'))}">`;
    },
  ],
  ['image/png', (v, data) => image('image/png', v, data)],
  ['image/jpeg', (v, data) => image('image/jpeg', v, data)],
  [
    'text/markdown',
    (v, _data, ctx) => {
      const s = asText(v);
      return s === null ? null : `<div class="output-markdown">${renderMarkdown(s, { slugger: ctx.slugger })}</div>`;
    },
  ],
  [
    'text/latex',
    (v) => {
      const s = asText(v);
      return s === null
        ? null
        : `<div class="output-latex">${typeset(s.trim().replace(/^\$\$?|\$\$?$/g, ''), true)}</div>`;
    },
  ],
  [
    'application/json',
    (v) =>
      v === undefined
        ? null
        : `<pre class="output-text">${escapeHtml(JSON.stringify(v, null, 2) ?? 'undefined')}</pre>`,
  ],
  ['text/plain', (v) => (asText(v) !== null ? `<pre class="output-text">${ansiHtml(asText(v)!)}</pre>` : null)],
];

function image(mime: string, v: unknown, data: MimeData): string | null {
  const b64 = asText(v)?.replace(/\s/g, '');
  if (!b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) return null;
  return `<img class="output-image" src="data:${mime};base64,${b64}" alt="${escapeHtml(altText(data, 'image output'))}">`;
}

/** The HTML of a display_data / execute_result bundle. */
export function renderBundle(data: MimeData, ctx: OutputContext): string {
  for (const [mime, render] of RENDERERS) {
    if (!(mime in data)) continue;
    try {
      const html = render(data[mime], data, ctx);
      if (html !== null) return html;
    } catch {
      /* a malformed representation: try the next one */
    }
  }
  const types = Object.keys(data);
  return placeholder(types.length ? `no representation this page can show (${types.join(', ')})` : 'an empty output');
}

/** The HTML of one nbformat output of any type. */
export function renderOutput(output: Output, ctx: OutputContext): string {
  try {
    switch (output.output_type) {
      case 'stream':
        return `<pre class="output-stream ${output.name === 'stderr' ? 'stderr' : 'stdout'}">${ansiHtml(text(output.text))}</pre>`;
      case 'error': {
        const tb = Array.isArray(output.traceback) && output.traceback.length ? output.traceback.join('\n') : '';
        const head = `${output.ename}: ${output.evalue}`;
        return `<pre class="output-error" role="alert">${ansiHtml(tb.includes(output.ename) ? tb : `${head}\n${tb}`)}</pre>`;
      }
      case 'display_data':
      case 'execute_result':
        if (!output.data || typeof output.data !== 'object') return placeholder('a display without data');
        return renderBundle(output.data, ctx);
      default:
        return placeholder(`unknown output type '${String((output as { output_type?: unknown }).output_type)}'`);
    }
  } catch (e) {
    return placeholder(`it could not be rendered (${(e as Error).message})`);
  }
}

/** A cell's outputs, consecutive stream outputs of one name merged (as Jupyter shows them). */
export function renderOutputs(outputs: Output[], ctx: OutputContext): string {
  const merged: Output[] = [];
  for (const o of outputs) {
    const prev = merged[merged.length - 1];
    if (o?.output_type === 'stream' && prev?.output_type === 'stream' && prev.name === o.name) {
      merged[merged.length - 1] = { ...prev, text: text(prev.text) + text(o.text) };
    } else merged.push(o);
  }
  return merged.map((o) => `<div class="output">${renderOutput(o, ctx)}</div>`).join('\n');
}
