/**
 * Output that a cell produces after it finished (a timer, an unawaited promise, a background training loop).
 *
 * Jupyter clients stop listening to a request once its reply and idle status are in: nbclient (`jupyter
 * execute`) only reads messages whose parent is the cell it is running now. The one message the protocol lets
 * a later request address to an earlier cell is `update_display_data`, which replaces every output carrying the
 * same display id, wherever it is. So a cell that ends with asynchronous work still pending gets an empty
 * display output with its own display id (`LateOutput.displayId`); everything it prints later is collected
 * here and sent as an update of that one output, rendered from all late pieces so far.
 *
 * Rendering: one display piece is sent unchanged (a late Plotly figure keeps its JSON); otherwise text/plain
 * is the concatenated text, and text/html is added when a piece needs more than text (a rich display, or
 * stderr, which is tinted as front ends tint stderr streams).
 */
import { escapeHtml } from '../display/html';
import type { MimeBundle } from '../display/types';

export type LatePiece =
  { kind: 'stream'; name: 'stdout' | 'stderr'; text: string } | { kind: 'display'; bundle: MimeBundle; id?: string };

/** Late text kept per cell; older text is dropped past this, so an endless interval cannot grow without bound. */
export const LATE_TEXT_LIMIT = 100_000;
export const TRIMMED_MARK = '[… earlier output trimmed …]\n';

export class LateOutput {
  private pieces: LatePiece[] = [];
  private clearOnNext = false;
  private trimmed = false;

  constructor(readonly displayId: string) {}

  add(piece: LatePiece): void {
    if (this.clearOnNext) {
      this.pieces = [];
      this.clearOnNext = false;
      this.trimmed = false;
    }
    const last = this.pieces[this.pieces.length - 1];
    if (piece.kind === 'stream' && last?.kind === 'stream' && last.name === piece.name) last.text += piece.text;
    else this.pieces.push(piece.kind === 'stream' ? { ...piece } : piece);
    this.trim();
  }

  /** Replaces the display piece with display id `id`; false when this cell holds no such piece. */
  update(id: string, bundle: MimeBundle): boolean {
    const i = this.pieces.findIndex((p) => p.kind === 'display' && p.id === id);
    if (i < 0) return false;
    this.pieces[i] = { kind: 'display', bundle, id };
    return true;
  }

  /** clearOutput() from the finished cell: empties its late output now, or (wait) at the next piece. */
  clear(wait: boolean): void {
    if (wait) this.clearOnNext = true;
    else {
      this.pieces = [];
      this.trimmed = false;
    }
  }

  bundle(): MimeBundle {
    return renderLate(
      this.trimmed ? [{ kind: 'stream', name: 'stdout', text: TRIMMED_MARK }, ...this.pieces] : this.pieces,
    );
  }

  private trim(): void {
    let excess = this.pieces.reduce((n, p) => n + (p.kind === 'stream' ? p.text.length : 0), 0) - LATE_TEXT_LIMIT;
    if (excess <= 0) return;
    this.trimmed = true;
    for (let i = 0; i < this.pieces.length && excess > 0;) {
      const p = this.pieces[i];
      if (p.kind !== 'stream') i++;
      else if (p.text.length <= excess) {
        excess -= p.text.length;
        this.pieces.splice(i, 1);
      } else {
        p.text = p.text.slice(excess);
        excess = 0;
      }
    }
  }
}

/** The bundle shown for a cell's late pieces (see the file comment for the rules). */
export function renderLate(pieces: readonly LatePiece[]): MimeBundle {
  if (pieces.length === 1 && pieces[0].kind === 'display') return pieces[0].bundle;
  const plain = pieces.map((p) => (p.kind === 'stream' ? p.text : withNewline(textOf(p.bundle)))).join('');
  const needsHtml = pieces.some((p) =>
    p.kind === 'stream' ? p.name === 'stderr' : Object.keys(p.bundle.data).some((m) => m !== 'text/plain'),
  );
  const data: Record<string, unknown> = { 'text/plain': plain };
  if (needsHtml) data['text/html'] = pieces.map(pieceHtml).join('\n');
  return { data, metadata: {} };
}

const PRE = 'margin:0;padding:1px 5px;white-space:pre-wrap;font-family:monospace;';
const STDERR = 'background:#fdd;';

function pieceHtml(p: LatePiece): string {
  if (p.kind === 'stream') return `<pre style="${PRE}${p.name === 'stderr' ? STDERR : ''}">${escapeHtml(p.text)}</pre>`;
  const d = p.bundle.data;
  if (typeof d['text/html'] === 'string') return d['text/html'];
  if (typeof d['image/png'] === 'string') return `<img src="data:image/png;base64,${d['image/png']}">`;
  if (typeof d['image/svg+xml'] === 'string') return d['image/svg+xml'];
  return `<pre style="${PRE}">${escapeHtml(textOf(p.bundle))}</pre>`;
}

function textOf(b: MimeBundle): string {
  const t = b.data['text/plain'];
  return typeof t === 'string' ? t : '';
}

const withNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : s + '\n');
