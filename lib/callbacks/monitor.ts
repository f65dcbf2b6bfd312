/** The validation metric a callback watches, shared by earlyStopping and checkpoint. */
import type { ValidationResult } from '../distill/types';

/** 'accuracy' (higher is better) or 'loss' (lower is better), of `Distiller.validate`. */
export type Monitor = 'accuracy' | 'loss';

export function checkMonitor(fn: string, monitor: unknown): Monitor {
  if (monitor === undefined) return 'accuracy';
  if (monitor !== 'accuracy' && monitor !== 'loss')
    throw new Error(`${fn}: monitor: expected 'accuracy' or 'loss', got ${JSON.stringify(monitor)}`);
  return monitor;
}

/** Whether `v` is strictly better than `best` (anything beats no best yet). */
export function improves(monitor: Monitor, v: ValidationResult, best: ValidationResult | undefined): boolean {
  if (best == null) return true;
  return monitor === 'accuracy' ? v.accuracy > best.accuracy : v.loss < best.loss;
}
