/**
 * Turning iopub messages into notebook outputs with nbclient's semantics (nbclient/client.py, process_message):
 * - stream, display_data, execute_result, error become outputs (nbformat's output_from_msg);
 * - a display_data / execute_result / update_display_data carrying `transient.display_id` rewrites data and
 *   metadata of EVERY earlier output with that display id, in any cell; update_display_data adds no output;
 * - clear_output empties the cell now, or with wait=true just before its next output;
 * - consecutive stream outputs of the same name are merged into one (as Jupyter front ends show them);
 * - a cell stores at most `cap` characters of output (a runaway print loop must not exhaust memory or make the
 *   notebook unwritable): past it, the first and last halves are kept and a stream output in between says
 *   "… N characters (M lines) dropped …". The tail is trimmed in steps of 1/8 of its size, so appending stays cheap.
 */
import { Cell, Output, StreamOutput, isRecord } from './notebook';
import { Read, Received, readMessage } from './messages';

/** nbformat's output_from_msg; null for messages that are not outputs. */
export function outputFromMsg(msg: Received): Output | null {
  const m = readMessage(msg);
  return m && outputOf(m);
}

function outputOf(m: Read): Output | null {
  switch (m.type) {
    case 'execute_result': {
      const { data, metadata, execution_count } = m.content;
      return { output_type: 'execute_result', data, metadata, execution_count };
    }
    case 'display_data':
    case 'update_display_data':
      return { output_type: 'display_data', data: m.content.data, metadata: m.content.metadata };
    case 'stream':
      return { output_type: 'stream', name: m.content.name, text: m.content.text };
    case 'error':
      return { output_type: 'error', ...m.content };
    default:
      return null;
  }
}

/** nbclient's timestamp(msg): the header date as an ISO string. */
const stamp = (msg: Received): string => {
  const d = msg.header.date as unknown;
  return typeof d === 'string' ? d : new Date().toISOString();
};

/** metadata.execution of a cell (timestamps by event, as nbclient records them), created if missing. */
function timing(cell: Cell): Record<string, unknown> {
  const t = cell.metadata.execution;
  if (isRecord(t)) return t;
  const fresh: Record<string, unknown> = {};
  cell.metadata.execution = fresh;
  return fresh;
}

/** Default per-cell output cap, in characters (about 5 MB of ASCII text). */
export const DEFAULT_OUTPUT_CAP = 5_000_000;
/** What an output costs beyond its text: keeps a flood of tiny interleaved outputs within the cap too. */
const OUTPUT_OVERHEAD = 64;

/** A cell past its cap: outputs [0, noteAt) are the head, `note` sits at noteAt, the tail follows. */
interface Overflow {
  note: Stream;
  noteAt: number;
  newlineFirst: boolean;
  tailSize: number;
  chars: number;
  lines: number;
  outputs: number;
}
interface Stored {
  size: number;
  overflow: Overflow | null;
}

/** A stream output whose text is one string, as every stream output the collector makes is. */
interface Stream extends StreamOutput {
  text: string;
}
const isStream = (o: Output | undefined): o is Stream => o?.output_type === 'stream' && typeof o.text === 'string';
const sizeOf = (o: Output): number => (isStream(o) ? o.text.length : JSON.stringify(o).length) + OUTPUT_OVERHEAD;
const countLines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

export class OutputCollector {
  /** display_id -> cell -> indices of outputs in that cell showing it. */
  private readonly displays = new Map<string, Map<Cell, number[]>>();
  private readonly clearPending = new Set<Cell>();
  private readonly stored = new Map<Cell, Stored>();

  /** `cap`: characters of output kept per cell (see above). */
  constructor(readonly cap = DEFAULT_OUTPUT_CAP) {
    if (!(cap >= 2 * OUTPUT_OVERHEAD))
      throw new Error(`output cap: expected at least ${2 * OUTPUT_OVERHEAD} characters, got ${cap}`);
  }

  /** Start a cell: outputs and timing cleared, as nbclient does before executing it. */
  begin(cell: Cell): void {
    cell.outputs = [];
    cell.execution_count = null;
    cell.metadata.execution = {};
    this.clearPending.delete(cell);
    this.forgetCell(cell);
  }

  /** The note of a cell that went over the cap (e.g. for the progress line), else null. */
  dropped(cell: Cell): string | null {
    const o = this.stored.get(cell)?.overflow;
    return o ? o.note.text.trim() : null;
  }

  /** Apply one iopub message whose parent request belongs to `cell`. */
  handle(cell: Cell, msg: Received): void {
    const t = timing(cell);
    const m = readMessage(msg);
    if (!m) return;
    switch (m.type) {
      case 'status':
        if (m.content.execution_state === 'busy') t['iopub.status.busy'] = stamp(msg);
        if (m.content.execution_state === 'idle') t['iopub.status.idle'] = stamp(msg);
        return;
      case 'execute_input':
        t['iopub.execute_input'] = stamp(msg);
        if (m.content.execution_count !== null) cell.execution_count = m.content.execution_count;
        return;
      case 'clear_output':
        if (m.content.wait) this.clearPending.add(cell);
        else this.clear(cell);
        return;
    }
    const displayId = displayIdOf(m);
    if (displayId) this.update(displayId, msg);
    if (m.type === 'update_display_data') return;
    const out = outputOf(m);
    if (!out) return;
    if (m.type === 'execute_result' && m.content.execution_count !== null)
      cell.execution_count = m.content.execution_count;
    if (this.clearPending.has(cell)) {
      this.clearPending.delete(cell);
      this.clear(cell);
    }
    this.store(cell, out, displayId);
  }

  /** Append an output (merging streams), within the cell's cap. */
  private store(cell: Cell, out: Output, displayId: string | undefined): void {
    const outs = (cell.outputs ??= []);
    const s = this.stored.get(cell) ?? { size: 0, overflow: null };
    this.stored.set(cell, s);
    const mergeable = (): Stream | null => {
      const last = outs[outs.length - 1];
      return isStream(out) && isStream(last) && last.name === out.name && last !== s.overflow?.note ? last : null;
    };
    // What a merge appends (merging needs `out` to be a stream).
    const text = isStream(out) ? out.text : '';
    const into = mergeable();
    const size = into ? text.length : sizeOf(out);
    if (!s.overflow && s.size + size <= this.cap) {
      s.size += size;
      if (into) {
        into.text += text;
        return;
      }
      if (displayId) {
        const byCell = this.displays.get(displayId) ?? new Map<Cell, number[]>();
        this.displays.set(displayId, byCell);
        const idx = byCell.get(cell) ?? [];
        byCell.set(cell, idx);
        idx.push(outs.length);
      }
      outs.push(out);
      return;
    }
    const o = s.overflow ?? this.overflow(cell, outs);
    s.overflow = o;
    // In the tail, outputs move as older ones are dropped: display updates no longer reach them.
    const tailInto = mergeable();
    if (tailInto) tailInto.text += text;
    else outs.push(out);
    o.tailSize += tailInto ? text.length : sizeOf(out);
    this.trimTail(outs, o);
  }

  /** Cut the outputs down to the head (half the cap, splitting a stream), insert the note; the rest becomes the tail. */
  private overflow(cell: Cell, outs: Output[]): Overflow {
    const half = Math.floor(this.cap / 2);
    let used = 0;
    let i = 0;
    for (; i < outs.length && used + sizeOf(outs[i]) <= half; i++) used += sizeOf(outs[i]);
    const rest = outs.splice(i);
    const first = rest[0];
    if (isStream(first) && half - used > OUTPUT_OVERHEAD) {
      const keep = half - used - OUTPUT_OVERHEAD;
      outs.push({ ...first, text: first.text.slice(0, keep) });
      rest[0] = { ...first, text: first.text.slice(keep) };
    }
    for (const byCell of this.displays.values()) {
      const idx = byCell.get(cell);
      if (idx)
        byCell.set(
          cell,
          idx.filter((k) => k < outs.length),
        );
    }
    const before = outs[outs.length - 1];
    const name = isStream(first) ? first.name : isStream(before) ? before.name : 'stderr';
    const note: Stream = { output_type: 'stream', name, text: '' };
    const o: Overflow = {
      note,
      noteAt: outs.length,
      newlineFirst: isStream(before) && !before.text.endsWith('\n'),
      tailSize: 0,
      chars: 0,
      lines: 0,
      outputs: 0,
    };
    outs.push(note, ...rest);
    for (const r of rest) o.tailSize += sizeOf(r);
    return o;
  }

  /** Drop the oldest tail output (or the start of a stream) once the tail is over its half of the cap. */
  private trimTail(outs: Output[], o: Overflow): void {
    const tailCap = this.cap - Math.floor(this.cap / 2);
    if (o.tailSize <= tailCap) return;
    let excess = o.tailSize - (tailCap - Math.floor(tailCap / 8));
    const start = o.noteAt + 1;
    // Errors (an interrupt's, say, followed by a last burst of prints) are kept, up to half the tail.
    const kept: Output[] = [];
    let keptSize = 0;
    let k = start;
    while (excess > 0 && k < outs.length) {
      const first = outs[k];
      const size = sizeOf(first);
      if (first.output_type === 'error' && keptSize + size <= tailCap / 2) {
        kept.push(first);
        keptSize += size;
        k++;
        continue;
      }
      if (isStream(first) && size - excess > OUTPUT_OVERHEAD) {
        const cut = first.text.slice(0, excess);
        first.text = first.text.slice(excess);
        o.chars += cut.length;
        o.lines += countLines(cut);
        o.tailSize -= excess;
        break;
      }
      if (isStream(first)) {
        o.chars += first.text.length;
        o.lines += countLines(first.text);
      } else {
        o.outputs++;
      }
      o.tailSize -= size;
      excess -= size;
      k++;
    }
    outs.splice(start, k - start, ...kept);
    const others = o.outputs ? ` and ${o.outputs} other output${o.outputs === 1 ? '' : 's'}` : '';
    o.note.text =
      `${o.newlineFirst ? '\n' : ''}… ${o.chars} characters (${o.lines} lines)${others} dropped: ` +
      `this cell's output went over kdlab run's cap of ${this.cap} characters (--max-output) …\n`;
  }

  /** Record the shell reply's timestamp and execution count. */
  reply(cell: Cell, msg: Received): void {
    timing(cell)['shell.execute_reply'] = stamp(msg);
    const n = msg.content.execution_count;
    if (typeof n === 'number') cell.execution_count = n;
  }

  /** An update_display_data (or re-display) sent while another cell runs, or after its own cell finished. */
  update(displayId: string, msg: Received): void {
    const byCell = this.displays.get(displayId);
    const out = outputFromMsg(msg);
    if (!byCell || !out) return;
    for (const [cell, indices] of byCell) {
      for (const i of indices) {
        const target = cell.outputs?.[i];
        // Only display_data and execute_result outputs are registered under a display id.
        if (!target || !('data' in target) || !('data' in out)) continue;
        target.data = out.data;
        target.metadata = out.metadata;
      }
    }
  }

  private clear(cell: Cell): void {
    cell.outputs = [];
    this.forgetCell(cell);
  }

  private forgetCell(cell: Cell): void {
    this.stored.delete(cell);
    for (const byCell of this.displays.values()) byCell.delete(cell);
  }
}

/** transient.display_id of a message that shows or updates a display. */
function displayIdOf(m: Read): string | undefined {
  return m.type === 'display_data' || m.type === 'execute_result' || m.type === 'update_display_data'
    ? m.content.displayId
    : undefined;
}
