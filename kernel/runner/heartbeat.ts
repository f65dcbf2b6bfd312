/**
 * The runner's "still running" line: a cell that runs for minutes (training) must never look hung, so every
 * interval the runner prints the elapsed time and, when the cell shows a kdlab progress bar, where it stands.
 * The bar's state is read from the text/plain of its display_data / update_display_data, whose format is
 * kernel/display/progress.ts's: `Title [####------] 45% epoch 3/10 batch 5/20 elapsed 0:30 ETA 0:40 | loss 0.3`
 * (or `… batch 20/20 done in 1:10`). test/kernel/runner-units.test.ts parses the bar's real output.
 */
import { clock } from '../display/progress';
import { Message } from './protocol';

/** Seconds between heartbeat lines; `KDLAB_RUN_HEARTBEAT_S` overrides it (tests use a second or two). */
export const HEARTBEAT_S = 60;

export function heartbeatSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KDLAB_RUN_HEARTBEAT_S;
  if (raw === undefined || raw.trim() === '') return HEARTBEAT_S;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`KDLAB_RUN_HEARTBEAT_S: expected seconds > 0, got '${raw}'`);
  return s;
}

const BAR = /^(.*) \[[#-]+\] (\d+%) (epoch \d+\/\d+) (batch \d+\/\d+) (?:elapsed \S+ ETA (\S+)|(.+?))(?: \| .*)?$/s;

/** "Training: epoch 3/10, batch 5/20, 45%, ETA 0:40" from a progress bar's text/plain; null for other text. */
export function progressState(plain: string): string | null {
  const m = BAR.exec(plain.trim());
  if (!m) return null;
  const [, title, pct, epoch, batch, eta, status] = m;
  return `${title}: ${epoch}, ${batch}, ${pct}${eta ? `, ETA ${eta}` : status ? `, ${status}` : ''}`;
}

/** The progress state carried by an iopub message, if it is a progress bar's display or update. */
export function progressOf(msg: Message): string | null {
  const type = msg.header.msg_type;
  if (type !== 'display_data' && type !== 'update_display_data') return null;
  const plain = (msg.content as { data?: Record<string, unknown> }).data?.['text/plain'];
  return typeof plain === 'string' ? progressState(plain) : null;
}

export function heartbeatLine(where: string, elapsedMs: number, progress: string | null): string {
  return `${where} still running, ${clock(elapsedMs / 1000)} elapsed${progress ? ` (${progress})` : ''}`;
}
