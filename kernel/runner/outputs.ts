/**
 * Turning iopub messages into notebook outputs with nbclient's semantics (nbclient/client.py, process_message):
 * - stream, display_data, execute_result, error become outputs (nbformat's output_from_msg);
 * - a display_data / execute_result / update_display_data carrying `transient.display_id` rewrites data and
 *   metadata of EVERY earlier output with that display id, in any cell; update_display_data adds no output;
 * - clear_output empties the cell now, or with wait=true just before its next output;
 * - consecutive stream outputs of the same name are merged into one (as Jupyter front ends show them).
 */
import { Cell, Output } from './notebook';
import { Message } from './protocol';

/** nbformat's output_from_msg; null for messages that are not outputs. */
export function outputFromMsg(msg: Message): Output | null {
  const c = msg.content as Record<string, any>;
  switch (msg.header.msg_type) {
    case 'execute_result':
      return { output_type: 'execute_result', data: c.data ?? {}, metadata: c.metadata ?? {}, execution_count: c.execution_count ?? null };
    case 'display_data':
    case 'update_display_data':
      return { output_type: 'display_data', data: c.data ?? {}, metadata: c.metadata ?? {} };
    case 'stream':
      return { output_type: 'stream', name: c.name === 'stderr' ? 'stderr' : 'stdout', text: String(c.text ?? '') };
    case 'error':
      return { output_type: 'error', ename: String(c.ename ?? ''), evalue: String(c.evalue ?? ''), traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [] };
    default:
      return null;
  }
}

/** nbclient's timestamp(msg): the header date as an ISO string. */
const stamp = (msg: Message): string => {
  const d = msg.header.date as unknown;
  return typeof d === 'string' ? d : new Date().toISOString();
};

export class OutputCollector {
  /** display_id -> cell -> indices of outputs in that cell showing it. */
  private readonly displays = new Map<string, Map<Cell, number[]>>();
  private readonly clearPending = new Set<Cell>();

  /** Start a cell: outputs and timing cleared, as nbclient does before executing it. */
  begin(cell: Cell): void {
    cell.outputs = [];
    cell.execution_count = null;
    cell.metadata.execution = {};
    this.clearPending.delete(cell);
    this.forgetCell(cell);
  }

  /** Apply one iopub message whose parent request belongs to `cell`. */
  handle(cell: Cell, msg: Message): void {
    const type = msg.header.msg_type;
    const content = msg.content as Record<string, any>;
    const timing = (cell.metadata.execution ??= {});
    if (type === 'status') {
      if (content.execution_state === 'busy') timing['iopub.status.busy'] = stamp(msg);
      if (content.execution_state === 'idle') timing['iopub.status.idle'] = stamp(msg);
      return;
    }
    if (type === 'execute_input') {
      timing['iopub.execute_input'] = stamp(msg);
      if (typeof content.execution_count === 'number') cell.execution_count = content.execution_count;
      return;
    }
    if (type === 'clear_output') {
      if (content.wait) this.clearPending.add(cell);
      else this.clear(cell);
      return;
    }
    const displayId = content.transient?.display_id;
    if (displayId && (type === 'display_data' || type === 'execute_result' || type === 'update_display_data')) {
      this.update(displayId, msg);
    }
    if (type === 'update_display_data') return;
    const out = outputFromMsg(msg);
    if (!out) return;
    if (type === 'execute_result' && typeof content.execution_count === 'number') cell.execution_count = content.execution_count;
    if (this.clearPending.has(cell)) {
      this.clearPending.delete(cell);
      this.clear(cell);
    }
    const outs = (cell.outputs ??= []);
    const last = outs[outs.length - 1];
    if (out.output_type === 'stream' && last?.output_type === 'stream' && last.name === out.name) {
      last.text += out.text;
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
  }

  /** Record the shell reply's timestamp and execution count. */
  reply(cell: Cell, msg: Message): void {
    (cell.metadata.execution ??= {})['shell.execute_reply'] = stamp(msg);
    const n = (msg.content as Record<string, any>).execution_count;
    if (typeof n === 'number') cell.execution_count = n;
  }

  /** An update_display_data (or re-display) sent while another cell runs, or after its own cell finished. */
  update(displayId: string, msg: Message): void {
    const byCell = this.displays.get(displayId);
    const out = outputFromMsg(msg);
    if (!byCell || !out) return;
    for (const [cell, indices] of byCell) {
      for (const i of indices) {
        const target = cell.outputs?.[i];
        if (!target) continue;
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
    for (const byCell of this.displays.values()) byCell.delete(cell);
  }
}
