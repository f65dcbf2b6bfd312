/**
 * A live training progress bar for kd.distill's TrainingCallbacks: shown once per fit with a display id,
 * then updated in place (update_display_data) — at most once per `minIntervalMs` for batches (default
 * 200 ms, ≤ 5 updates/s, so a fast loop does not flood the front end), always at epoch ends and at the end.
 * text/html for notebooks, a one-line text/plain fallback for console clients.
 */
import * as crypto from 'node:crypto';
import type { DisplaySink, MimeBundle } from './types';
import type { TrainingCallbacks } from '../../lib/distill/types';
import { cellText, escapeHtml, htmlTable } from './html';

export interface ProgressOptions {
  title?: string;
  /** Minimum time between batch updates (ms). */
  minIntervalMs?: number;
  /** Clock in ms (tests inject a fake one). */
  now?: () => number;
}

interface EpochRow {
  epoch: number;
  losses: Record<string, number>;
  validation?: { accuracy: number; loss: number };
}

/** m:ss or h:mm:ss */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600),
    m = Math.floor((s % 3600) / 60),
    r = s % 60;
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

const lossText = (losses: Record<string, number>) =>
  Object.entries(losses)
    .map(([k, v]) => `${k} ${cellText(v)}`)
    .join(' · ');

export function progressBar(
  sink: DisplaySink,
  opts: ProgressOptions = {},
): TrainingCallbacks & { readonly displayId: string | undefined } {
  const now = opts.now ?? (() => Date.now());
  const minInterval = opts.minIntervalMs ?? 200;
  const title = opts.title ?? 'Training';
  const base = `kdlab-progress-${crypto.randomBytes(4).toString('hex')}`;
  let run = 0;
  let id: string | undefined;
  let start = 0,
    last = -Infinity;
  let epochs = 1,
    perEpoch = 1,
    epoch = 0,
    batch = -1;
  let losses: Record<string, number> = {};
  let rows: EpochRow[] = [];
  let status = '';
  let finished = false;

  const begin = (e: { epochs: number; batchesPerEpoch: number }) => {
    id = `${base}-${++run}`;
    start = now();
    last = start;
    epochs = e.epochs;
    perEpoch = e.batchesPerEpoch;
    epoch = 0;
    batch = -1;
    losses = {};
    rows = [];
    status = '';
    finished = false;
    sink.display(render(), { id });
  };
  const ensure = (e: { epochs: number; batchesPerEpoch?: number }) => {
    if (id === undefined || finished) begin({ epochs: e.epochs, batchesPerEpoch: e.batchesPerEpoch ?? perEpoch });
  };
  const fraction = () => Math.min(1, Math.max(0, (epoch * perEpoch + batch + 1) / (epochs * perEpoch)));

  function render(): MimeBundle {
    const f = status ? 1 : fraction();
    const elapsed = (now() - start) / 1000;
    const eta = f > 0 ? (elapsed * (1 - f)) / f : NaN;
    const where = `epoch ${Math.min(epoch + 1, epochs)}/${epochs} · batch ${Math.max(0, batch + 1)}/${perEpoch}`;
    const timing = status
      ? `${status} in ${clock(elapsed)}`
      : `elapsed ${clock(elapsed)} · ETA ${f > 0 ? clock(eta) : '?'}`;
    const pct = `${(100 * f).toFixed(0)}%`;
    const lt = lossText(losses);
    const width = 30,
      filled = Math.round(f * width);
    const text =
      `${title} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct} ${`${where} ${timing}`.replace(/ · /g, ' ')}` +
      (lt ? ` | ${lt.replace(/ · /g, ' ')}` : '');
    let table = '';
    if (rows.length) {
      const keys = Object.keys(rows[rows.length - 1].losses);
      const withVal = rows.some((r) => r.validation);
      const header = ['epoch', ...keys, ...(withVal ? ['val loss', 'val acc'] : [])];
      const shown = rows.slice(-10);
      table = htmlTable(
        header,
        shown.map((r) => [
          String(r.epoch + 1),
          ...keys.map((k) => cellText(r.losses[k])),
          ...(withVal
            ? [cellText(r.validation?.loss), r.validation ? `${(100 * r.validation.accuracy).toFixed(2)}%` : '']
            : []),
        ]),
        { footer: rows.length > shown.length ? `(last ${shown.length} of ${rows.length} epochs)` : undefined },
      );
    }
    const html =
      `<div class="kdlab-progress" style="font:12px monospace;">` +
      `<div><b>${escapeHtml(title)}</b> ${escapeHtml(where)} · ${pct} · ${escapeHtml(timing)}</div>` +
      `<div style="background:#e6e6e6;width:320px;height:10px;margin:3px 0;"><div style="background:${status ? '#2ca02c' : '#1f77b4'};width:${(100 * f).toFixed(1)}%;height:100%;"></div></div>` +
      (lt ? `<div>${escapeHtml(lt)}</div>` : '') +
      table +
      `</div>`;
    return { data: { 'text/plain': text, 'text/html': html }, metadata: {} };
  }

  const push = () => {
    last = now();
    sink.update(render(), id!);
  };

  return {
    get displayId() {
      return id;
    },
    onTrainBegin(e) {
      begin(e);
    },
    onBatchEnd(e) {
      ensure(e);
      epochs = e.epochs;
      perEpoch = e.batchesPerEpoch;
      epoch = e.epoch;
      batch = e.batch;
      losses = e.losses;
      if (now() - last >= minInterval) push();
    },
    onEpochEnd(e) {
      ensure(e);
      epochs = e.epochs;
      epoch = e.epoch;
      batch = perEpoch - 1;
      losses = e.losses;
      rows.push({ epoch: e.epoch, losses: e.losses, validation: e.validation });
      push();
    },
    onTrainEnd(e) {
      if (id === undefined || finished) return;
      const stopped = (e.history as { stoppedEarly?: { epoch: number; bestEpoch: number } }).stoppedEarly;
      status = stopped ? `stopped early after epoch ${stopped.epoch + 1} (best ${stopped.bestEpoch + 1})` : 'done';
      push();
      finished = true;
    },
  };
}
