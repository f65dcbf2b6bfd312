/** Escaping and the one HTML/text table renderer shared by records, kd.plot.table, tensors and models. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Text for one table cell: numbers to `digits` significant digits, integers exact, objects as short JSON. */
export function cellText(v: unknown, digits = 4): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-4 || a >= 1e9) ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (
    typeof v === 'object' &&
    Array.isArray((v as { shape?: unknown }).shape) &&
    typeof (v as { dtype?: unknown }).dtype === 'string'
  ) {
    return `Tensor ${(v as { dtype: string }).dtype} [${(v as { shape: number[] }).shape.join(',')}]`;
  }
  if (ArrayBuffer.isView(v)) v = Array.from(v as unknown as ArrayLike<number>);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? s.slice(0, 79) + '…' : s;
}

export const TABLE_STYLE = 'border-collapse:collapse;font-family:monospace;font-size:12px;';
const CELL = 'border:1px solid #ccc;padding:2px 6px;text-align:right;';

/** An HTML table of already-formatted cell text (escaped here). `head` cells get <th>. */
export function htmlTable(
  header: string[],
  cells: string[][],
  opts: { caption?: string; rowHeader?: boolean; footer?: string } = {},
): string {
  const th = (s: string) => `<th style="${CELL}background:#f4f4f4;">${escapeHtml(s)}</th>`;
  const td = (s: string) => `<td style="${CELL}">${escapeHtml(s)}</td>`;
  const rows = cells.map((r) => `<tr>${r.map((c, j) => (opts.rowHeader && j === 0 ? th(c) : td(c))).join('')}</tr>`);
  return (
    `<table class="kdlab-table" style="${TABLE_STYLE}">` +
    (opts.caption !== undefined
      ? `<caption style="caption-side:top;text-align:left;font-weight:bold;">${escapeHtml(opts.caption)}</caption>`
      : '') +
    (header.length ? `<thead><tr>${header.map(th).join('')}</tr></thead>` : '') +
    `<tbody>${rows.join('')}</tbody></table>` +
    (opts.footer ? `<div style="font:12px monospace;color:#666;">${escapeHtml(opts.footer)}</div>` : '')
  );
}

/** The same table as aligned plain text, for console clients. */
export function textTable(
  header: string[],
  cells: string[][],
  opts: { caption?: string; footer?: string } = {},
): string {
  const all = header.length ? [header, ...cells] : cells;
  const widths = (all[0] ?? []).map((_, j) => Math.max(...all.map((r) => (r[j] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, j) => c.padStart(widths[j]))
      .join('  ')
      .trimEnd();
  const out: string[] = [];
  if (opts.caption !== undefined) out.push(opts.caption);
  if (header.length) {
    out.push(line(header));
    out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  for (const r of cells) out.push(line(r));
  if (opts.footer) out.push(opts.footer);
  return out.join('\n');
}

/** Records → header + cell text (at most `maxRows`), shared by arrays of records and kd.plot.table. */
export function recordCells(
  columns: string[],
  rows: Record<string, unknown>[],
  digits: number,
  maxRows: number,
): { cells: string[][]; footer?: string } {
  const shown = rows.slice(0, maxRows);
  return {
    cells: shown.map((r) => columns.map((c) => cellText(r[c], digits))),
    footer: rows.length > maxRows ? `… ${rows.length - maxRows} more rows (${rows.length} in total)` : undefined,
  };
}
