/**
 * Tensor bundles: a header (dtype, shape, min/max/mean) and the values as an HTML table, truncated to the
 * first and last EDGE rows/columns (like NumPy's printing) so a [60000,784] tensor stays a small output.
 */
import type { MimeBundle } from './types';
import { cellText, escapeHtml, htmlTable } from './html';

/** Structural view of a tf.Tensor (duck-typed: the notebook's tf instance need not be ours). */
export interface TensorView {
  shape: number[];
  dtype: string;
  size: number;
  isDisposed?: boolean;
  dataSync(): ArrayLike<number> | unknown[];
  toString(): string;
}

export function isTensor(v: unknown): v is TensorView {
  return (
    v !== null &&
    typeof v === 'object' &&
    Array.isArray((v as TensorView).shape) &&
    typeof (v as TensorView).dtype === 'string' &&
    typeof (v as TensorView).dataSync === 'function' &&
    typeof (v as TensorView).size === 'number'
  );
}

const EDGE = 5; // values kept at each end of a truncated axis
const MAX_SLICES = 3; // 2-D slices shown for rank ≥ 3

/** Indices 0..n-1, or the first and last EDGE with -1 marking the elided middle. */
function axisIndices(n: number): number[] {
  if (n <= 2 * EDGE + 2) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE }, (_, i) => i), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)];
}

export function tensorBundle(t: TensorView): MimeBundle {
  const head = `Tensor ${t.dtype} [${t.shape.join(',')}]`;
  if (t.isDisposed) {
    return {
      data: { 'text/plain': `${head} (disposed)`, 'text/html': `<div><b>${escapeHtml(head)}</b> (disposed)</div>` },
      metadata: {},
    };
  }
  const values = t.dataSync() as ArrayLike<unknown>;
  const fmt = (v: unknown) => (t.dtype === 'bool' ? String(v === 1 || v === true) : cellText(v));
  let stats = '';
  if ((t.dtype === 'float32' || t.dtype === 'int32') && t.size > 0) {
    let lo = Infinity,
      hi = -Infinity,
      sum = 0,
      nan = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) {
        nan++;
        continue;
      }
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      sum += v;
    }
    stats =
      ` · min ${cellText(lo)} · max ${cellText(hi)} · mean ${cellText(sum / (values.length - nan))}` +
      (nan ? ` · ${nan} NaN` : '');
  }
  const rank = t.shape.length;
  let body: string;
  if (rank === 0) {
    body = `<div style="font:12px monospace;">${escapeHtml(fmt(values[0]))}</div>`;
  } else {
    // View the tensor as [slices, rows, cols]; rank 1 is a single row.
    const cols = t.shape[rank - 1];
    const rows = rank >= 2 ? t.shape[rank - 2] : 1;
    const lead = t.shape.slice(0, Math.max(0, rank - 2));
    const nSlices = lead.reduce((a, b) => a * b, 1);
    const colIdx = axisIndices(cols),
      rowIdx = axisIndices(rows);
    const parts: string[] = [];
    const sliceIdx = nSlices <= MAX_SLICES ? Array.from({ length: nSlices }, (_, i) => i) : [0, 1, nSlices - 1];
    for (const s of sliceIdx) {
      const header = ['', ...colIdx.map((j) => (j < 0 ? '…' : String(j)))];
      const cells = rowIdx.map((i) => [
        i < 0 ? '…' : rank >= 2 ? String(i) : '',
        ...colIdx.map((j) => (i < 0 || j < 0 ? '…' : fmt(values[(s * rows + i) * cols + j]))),
      ]);
      let caption: string | undefined;
      if (lead.length) {
        const pos: number[] = [];
        let r = s;
        for (let d = lead.length - 1; d >= 0; d--) {
          pos.unshift(r % lead[d]);
          r = Math.floor(r / lead[d]);
        }
        caption = `[${[...pos, ':', ':'].join(',')}]`;
      }
      if (nSlices > MAX_SLICES && s === nSlices - 1)
        parts.push(`<div style="font:12px monospace;">… ${nSlices - 3} more slices …</div>`);
      parts.push(htmlTable(header, cells, { caption, rowHeader: true }));
    }
    body = parts.join('\n');
  }
  let text: string;
  try {
    text = `${head}${stats}\n${t.toString()}`;
  } catch {
    text = head + stats;
  }
  return {
    data: {
      'text/plain': text,
      'text/html': `<div class="kdlab-tensor"><div style="font:12px monospace;margin-bottom:4px;"><b>${escapeHtml(head)}</b>${escapeHtml(stats)}</div>${body}</div>`,
    },
    metadata: {},
  };
}
