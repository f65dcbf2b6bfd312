/**
 * The value `Distiller.fit` resolves to, shown as one row per epoch. Left as the last expression of a cell it
 * would otherwise print every batch's losses — thousands of numbers for a real run.
 */
import type { History } from '../../lib/distill/types';

/** Duck-typed: `epochs` rows with losses and seconds, and `batches` arrays of numbers. */
export function isHistory(v: unknown): v is History {
  if (v === null || typeof v !== 'object') return false;
  const h = v as { epochs?: unknown; batches?: unknown };
  return (
    Array.isArray(h.epochs) &&
    h.epochs.every(
      (e) =>
        e !== null &&
        typeof e === 'object' &&
        typeof (e as { epoch?: unknown }).epoch === 'number' &&
        typeof (e as { losses?: unknown }).losses === 'object' &&
        typeof (e as { seconds?: unknown }).seconds === 'number',
    ) &&
    h.batches !== null &&
    typeof h.batches === 'object' &&
    Object.values(h.batches).every((b) => Array.isArray(b))
  );
}

/** Columns and rows of the per-epoch table (epochs counted from 1, as the progress bar does). */
export function historyRows(h: History): {
  columns: string[];
  rows: Record<string, unknown>[];
  caption: string;
  footer?: string;
} {
  const lossKeys = [...new Set(h.epochs.flatMap((e) => Object.keys(e.losses)))];
  const withVal = h.epochs.some((e) => e.validation);
  const columns = ['epoch', ...lossKeys, ...(withVal ? ['val loss', 'val acc %'] : []), 'seconds'];
  const rows = h.epochs.map((e) => ({
    epoch: e.epoch + 1,
    ...e.losses,
    ...(withVal
      ? {
          'val loss': e.validation?.loss,
          'val acc %': e.validation ? Number((100 * e.validation.accuracy).toFixed(2)) : undefined,
        }
      : {}),
    seconds: e.seconds,
  }));
  const batches = Math.max(0, ...Object.values(h.batches).map((b) => b.length));
  const stopped = h.stoppedEarly
    ? `stopped early after epoch ${h.stoppedEarly.epoch + 1} (best epoch ${h.stoppedEarly.bestEpoch + 1})`
    : undefined;
  return {
    columns,
    rows,
    caption: `Training history: ${h.epochs.length} epoch${h.epochs.length === 1 ? '' : 's'}, ${batches} batches`,
    footer: stopped,
  };
}
