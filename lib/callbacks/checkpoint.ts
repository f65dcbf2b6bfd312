/**
 * Saving the best student so far, as a Distiller callback (Keras's `ModelCheckpoint` with `save_best_only`).
 */
import type { TrainingCallbacks, TrainingRun, ValidationResult } from '../distill/types';
import { saveModel } from '../distill/io';
import { checkMonitor, improves } from './monitor';
import type { Monitor } from './monitor';

export interface CheckpointOptions {
  /** Folder (path or file:// URL) where the student is saved in the tfjs layers format (kd.distill.loadModel reads it). */
  path: string;
  /** Validation metric that decides "best": 'accuracy' (default, higher is better) or 'loss' (lower is better). */
  monitor?: Monitor;
}

/**
 * After each epoch whose monitored validation metric is the best so far, save the student to `path`
 * (overwriting the previous save). Without validation in the fit options, saves after every epoch.
 *
 * @param options.path folder (path or file:// URL) to save into
 * @param options.monitor 'accuracy' (default) or 'loss'
 * @returns a callback for `FitOptions.callbacks`
 * @example
 * await distiller.fit(train, {
 *   epochs: 20, batchSize: 64, validation: val,
 *   callbacks: [kd.callbacks.checkpoint({ path: 'out/best-student' })],
 * });
 * const best = await kd.distill.loadModel('out/best-student');
 */
export function checkpoint(options: CheckpointOptions): TrainingCallbacks {
  const fn = 'checkpoint';
  if (options == null || typeof options !== 'object')
    throw new Error(`${fn}: expected options { path, monitor? }, got ${String(options)}`);
  const { path } = options;
  if (!(typeof path === 'string' && path.length > 0))
    throw new Error(`${fn}: path: expected a non-empty folder path or file:// URL, got ${JSON.stringify(path)}`);
  const monitor = checkMonitor(fn, options.monitor);

  let run: TrainingRun | undefined;
  let best: ValidationResult | undefined;
  return {
    setRun(r) {
      run = r;
      best = undefined;
    },
    async onEpochEnd(e) {
      if (run == null) throw new Error(`${fn}: expected to run inside Distiller.fit`);
      if (e.validation != null && !improves(monitor, e.validation, best)) return;
      best = e.validation;
      await saveModel(run.student, path);
    },
  };
}
