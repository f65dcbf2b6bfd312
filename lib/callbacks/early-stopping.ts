/**
 * Early stopping with best-weight restore, as a Distiller callback (Keras's `EarlyStopping`).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainingCallbacks, TrainingRun, ValidationResult } from '../distill/types';
import { checkMonitor, improves } from './monitor';
import type { Monitor } from './monitor';

export interface EarlyStoppingOptions {
  /** Epochs without improvement tolerated before stopping: an integer >= 0 (0 stops at the first epoch that is not better). */
  patience: number;
  /** Validation metric watched: 'accuracy' (default, higher is better) or 'loss' (lower is better). */
  monitor?: Monitor;
  /** Put the best epoch's student weights back when training ends (default true). */
  restoreBest?: boolean;
}

/**
 * Stop `fit` when the monitored validation metric has not improved for `patience` epochs, and (by default)
 * end with the best epoch's student weights. `History.stoppedEarly` reports the last epoch run and the best
 * epoch. Needs `validation` in the fit options. The best weights are copies on the device, freed when fit
 * ends (also when it fails); one callback object may serve several fits, each starting afresh.
 *
 * @param options.patience epochs without improvement before stopping (integer >= 0)
 * @param options.monitor 'accuracy' (default) or 'loss'
 * @param options.restoreBest restore the best epoch's weights at the end (default true)
 * @returns a callback for `FitOptions.callbacks`
 * @example
 * const history = await distiller.fit(train, {
 *   epochs: 50, batchSize: 64, validation: val,
 *   callbacks: [kd.callbacks.earlyStopping({ patience: 3, monitor: 'loss' })],
 * });
 * history.stoppedEarly; // e.g. { epoch: 12, bestEpoch: 9 }
 */
export function earlyStopping(options: EarlyStoppingOptions): TrainingCallbacks {
  const fn = 'earlyStopping';
  if (options == null || typeof options !== 'object')
    throw new Error(`${fn}: expected options { patience, monitor?, restoreBest? }, got ${String(options)}`);
  const { patience, restoreBest = true } = options;
  if (!(Number.isInteger(patience) && patience >= 0))
    throw new Error(`${fn}: patience: expected an integer >= 0, got ${patience}`);
  if (typeof restoreBest !== 'boolean')
    throw new Error(`${fn}: restoreBest: expected a boolean, got ${JSON.stringify(restoreBest)}`);
  const monitor = checkMonitor(fn, options.monitor);

  let run: TrainingRun | undefined;
  let best: ValidationResult | undefined;
  let bestEpoch = -1;
  let bestWeights: tf.Tensor[] | null = null;
  const release = (): void => {
    if (bestWeights) tf.dispose(bestWeights);
    bestWeights = null;
  };
  return {
    setRun(r) {
      if (!r.hasValidation) throw new Error(`${fn}: needs a validation Dataset (expected opts.validation, got none)`);
      release();
      run = r;
      best = undefined;
      bestEpoch = -1;
      r.atEnd(release);
    },
    onEpochEnd(e) {
      if (run == null || e.validation == null)
        throw new Error(`${fn}: expected to run inside Distiller.fit with a validation Dataset`);
      if (improves(monitor, e.validation, best)) {
        best = e.validation;
        bestEpoch = e.epoch;
        if (restoreBest) {
          release();
          bestWeights = run.student.getWeights().map((w) => w.clone());
        }
      }
      if (e.epoch - bestEpoch > patience) run.stopTraining(bestEpoch);
    },
    onTrainEnd() {
      if (run != null && bestWeights != null) run.student.setWeights(bestWeights);
    },
  };
}
