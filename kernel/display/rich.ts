/**
 * RichDisplay: value → MIME bundle, one instance per kernel session (it remembers whether plotly.js has
 * been embedded yet). Returns null for values without a rich form; the kernel then shows plain text.
 *
 *   Figure (kd.plot)      application/vnd.plotly.v1+json (object) + text/html (offline) + text/plain
 *   tf.Tensor             text/html table (truncated) + text/plain
 *   tf.LayersModel        text/html summary table + text/plain
 *   kd.plot.table / array of records   text/html table + text/plain
 *   kd.plot.image         image/png (+ text/plain)
 *   kd.plot.markdown      text/markdown + text/plain
 *   Distiller.fit history one row per epoch (losses, validation, seconds) as text/html + text/plain, instead
 *                         of every batch's losses
 */
import * as crypto from 'node:crypto';
import type { MimeBundle } from './types';
import { isFigure } from '../../lib/plot';
import { TABLE_KIND, MARKDOWN_KIND, IMAGE_KIND } from '../../lib/plot/objects';
import type { Figure, Table, Markdown, Image } from '../../lib/plot';
import { htmlTable, textTable, recordCells } from './html';
import { figureMarkup, libraryScript, plotlyLibrary } from './plotly';
import { encodePng } from './png';
import { isTensor, tensorBundle } from './tensor';
import { isModel, modelBundle } from './model';
import { historyRows, isHistory } from './history';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const MAX_RECORD_ROWS = 200;

function tagged(v: unknown, kind: string): boolean {
  return v !== null && typeof v === 'object' && (v as { kind?: unknown }).kind === kind;
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  // Object.prototype of any realm (tslab runs cells in this context, but a vm context would differ).
  const p: unknown = Object.getPrototypeOf(v);
  return (
    p === null ||
    (Object.getPrototypeOf(p) === null && (p as { constructor?: { name?: string } }).constructor?.name === 'Object')
  );
}

export interface RichDisplayOptions {
  /** Override the inlined library (tests); defaults to plotly.js-dist-min's plotly.min.js. */
  plotlyLibrary?: { source: string; version: string };
}

export class RichDisplay {
  private readonly session = crypto.randomBytes(4).toString('hex');
  private count = 0;
  /** null = not embedded yet; '' = embedded in an output without display id; else that display id. */
  private libraryCarrier: string | null = null;
  /** Cell executions seen (executionStarted) and the one whose output carries plotly.js. */
  private execution = 0;
  private carrierExecution = -1;

  constructor(private readonly opts: RichDisplayOptions = {}) {}

  /** Whether the next figure will carry plotly.js. */
  get plotlyPending(): boolean {
    return this.libraryCarrier === null;
  }

  /**
   * Make the next figure embed plotly.js again — call when the output that carried it is gone
   * (e.g. clear_output of that cell), so a saved notebook keeps one copy.
   */
  resetPlotly(): void {
    this.libraryCarrier = null;
  }

  /** The kernel calls this when a cell starts executing (lets outputCleared tell whose outputs go). */
  executionStarted(): void {
    this.execution++;
  }

  /**
   * The kernel calls this when the running cell clears its outputs (clear_output). If plotly.js was
   * embedded by this same cell, its output is gone, so the next figure embeds it again — e.g. a live
   * plot redrawn with clearOutput(true) + display(fig) in a training loop keeps exactly one copy.
   */
  outputCleared(): void {
    if (this.libraryCarrier !== null && this.carrierExecution === this.execution) this.libraryCarrier = null;
  }

  /**
   * The bundle for `value`, or null when it has no rich form.
   * ctx.displayId: pass the display id the bundle is shown or updated under. If the output that carries
   * plotly.js is later updated in place (same id), the update embeds the library again, since it replaces
   * that output.
   */
  toBundle(value: unknown, ctx: { displayId?: string } = {}): MimeBundle | null {
    if (value === null || typeof value !== 'object') return null;
    if (isFigure(value)) return this.figureBundle(value, ctx.displayId);
    if (tagged(value, TABLE_KIND)) {
      const t = value as Table;
      const { cells, footer } = recordCells(t.columns, t.rows, t.digits, Infinity);
      return this.tableBundle(t.columns, cells, t.caption, footer);
    }
    if (tagged(value, MARKDOWN_KIND)) {
      const text = (value as Markdown).text;
      return { data: { 'text/markdown': text, 'text/plain': text }, metadata: {} };
    }
    if (tagged(value, IMAGE_KIND)) return imageBundle(value as Image);
    if (isTensor(value)) return tensorBundle(value);
    if (isModel(value)) return modelBundle(value);
    if (isHistory(value)) {
      const h = historyRows(value);
      const { cells } = recordCells(h.columns, h.rows, 4, Infinity);
      return this.tableBundle(h.columns, cells, h.caption, h.footer);
    }
    if (Array.isArray(value) && value.length > 0 && value.every(isPlainRecord)) {
      const seen = new Set<string>();
      for (const r of value) for (const k of Object.keys(r)) seen.add(k);
      const columns = [...seen];
      const { cells, footer } = recordCells(columns, value, 4, MAX_RECORD_ROWS);
      return this.tableBundle(columns, cells, undefined, footer);
    }
    return null;
  }

  private tableBundle(columns: string[], cells: string[][], caption?: string, footer?: string): MimeBundle {
    return {
      data: {
        'text/plain': textTable(columns, cells, { caption, footer }),
        'text/html': htmlTable(columns, cells, { caption, footer }),
      },
      metadata: {},
    };
  }

  private figureBundle(fig: Figure, displayId?: string): MimeBundle {
    const json = fig.toJSON();
    const embed = this.libraryCarrier === null || (displayId !== undefined && this.libraryCarrier === displayId);
    if (embed) {
      this.libraryCarrier = displayId ?? '';
      this.carrierExecution = this.execution;
    }
    const id = `kdlab-plot-${this.session}-${++this.count}`;
    const html = (embed ? libraryScript(this.opts.plotlyLibrary ?? plotlyLibrary()) : '') + figureMarkup(json, id);
    return {
      data: { [PLOTLY_MIME]: json, 'text/html': html, 'text/plain': figureText(json) },
      metadata: {},
    };
  }
}

/** One-line description for console clients: title and traces. */
export function figureText(json: { data: Record<string, unknown>[]; layout: Record<string, unknown> }): string {
  const title = (json.layout.title as { text?: unknown } | undefined)?.text;
  const traces = json.data.map(
    (t) => `${label(t.type ?? 'scatter')}${t.name !== undefined ? ` "${label(t.name)}"` : ''}`,
  );
  const shown = traces.length > 8 ? [...traces.slice(0, 8), `… ${traces.length - 8} more`] : traces;
  return `Figure${title ? ` "${label(title)}"` : ''}: ${json.data.length} trace(s): ${shown.join(', ')}`;
}

/** A figure field as text: strings and numbers as they are, anything else (figure JSON is plain data) as JSON. */
function label(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

function imageBundle(img: Image): MimeBundle {
  const png = encodePng(img, img.scale);
  return {
    data: {
      'image/png': png.toString('base64'),
      'text/plain': `Image ${img.width}×${img.height}${img.channels === 3 ? ' RGB' : ' grayscale'}`,
    },
    metadata: { 'image/png': { width: img.width * img.scale, height: img.height * img.scale } },
  };
}
