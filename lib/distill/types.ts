/**
 * Public types of the training stack (`kd.distill`; README's "The library" lists the namespaces).
 * Kept in one file so the Distiller, the kernel's progress bar and the chapters agree on shapes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data';

/** A distillation loss in the torchdistill registry form; defined by kd.losses, beside its registry of losses by name. */
export type { TermLoss } from '../losses';
import type { TermLoss, TripletOptions } from '../losses';

/**
 * One distillation term of the student's objective: `weight × loss(student side, teacher side)`.
 * Build it with a typed constructor, `kd.terms.hinton({ temperature: 4, alpha: 0.9 })`, or spell it as
 * in a JSON config, `{ loss: 'hinton', options: { temperature: 4, alpha: 0.9 } }` (the same Term).
 * - `studentLayer` / `teacherLayer`: layer names whose outputs feed the loss (one name → a tensor,
 *   several → an array, e.g. IRG's layer pairs). Absent → the model's output (logits / embedding).
 * - `adapter`: a small model (FitNets regressor, 1×1 conv or dense) applied to the student feature(s)
 *   before the loss. It trains with the student (its variables are optimised) but is not part of it.
 * - `teacherIndex`: with several teachers, use only this one (default: all → array, one per teacher).
 * - `name`: the key under which the term is reported (default: the registered loss name, or `term<i>`).
 */
export interface Term {
  loss: string | TermLoss;
  weight?: number;
  options?: Record<string, unknown>;
  teacherLayer?: string | string[];
  studentLayer?: string | string[];
  adapter?: tf.LayersModel;
  teacherIndex?: number;
  name?: string;
}

export type OptimizerSpec =
  tf.Optimizer | { name: 'adam' | 'sgd' | 'momentum'; learningRate: number; momentum?: number };

/** Task loss on labels: softmax cross-entropy, a triplet loss on embeddings, or none (unlabeled transfer set). */
export type TaskKind = 'crossEntropy' | 'triplet' | null;

export interface DistillerConfig {
  student: tf.LayersModel;
  teacher?: tf.LayersModel | tf.LayersModel[];
  terms?: Term[];
  /**
   * Default 'crossEntropy'. With a 'hinton' term (which contains its own cross-entropy) use null or taskWeight 0.
   * Without a task (null or taskWeight 0) at least one term needs a non-zero weight: else there is nothing to train on.
   */
  task?: TaskKind;
  /** Default 1. */
  taskWeight?: number;
  /** Options of the task loss: triplet `{margin = 0.2, mining: 'batchHard' | 'semiHard' | 'distanceWeighted' = 'batchHard', ...}` (see TripletOptions). */
  taskOptions?: TripletOptions;
  /** Default `{name: 'adam', learningRate: 1e-3}`. */
  optimizer?: OptimizerSpec;
  /** Seeds batch shuffling and the dropout noise of training steps. Default 0. */
  seed?: number;
  /** Name of a `Dataset.views` entry the teacher reads (cross-modal KD); default the main `x`. */
  teacherView?: string;
  /** Name of a `Dataset.views` entry the student reads; default the main `x`. */
  studentView?: string;
  /**
   * On the tensorflow backend, run models that are plain chains of dense layers (Dense with 'relu' or 'linear',
   * Flatten, L2Normalize, dropout at inference) as one op per layer: TensorFlow's 2-D MatMul, Add and Relu forward,
   * the gradient written out (ReluGrad, two MatMuls, a Sum) — about half the native calls of tfjs-layers' Dense.
   * Values equal model.apply's within float32 rounding, not bit for bit (the products sum in another order), so a
   * run with it does not reproduce one without it exactly; that is why it is off by default (README, Performance).
   * Ignored on other backends and for other models. Default false.
   */
  fusedDense?: boolean;
}

export interface ValidationResult {
  accuracy: number;
  loss: number;
}

/**
 * What a callback may read and do during one `fit` (Keras's `callback.model` and `model.stop_training`).
 * Given to each callback's `setRun` before any `onTrainBegin`.
 */
export interface TrainingRun {
  /** The model being trained (the Distiller's student); its weights may be read and set between steps. */
  readonly student: tf.LayersModel;
  /** Whether this fit has a validation Dataset (so `onEpochEnd` receives `validation`). */
  readonly hasValidation: boolean;
  /**
   * End training after the current epoch (once every callback's `onEpochEnd` has run; called before the
   * first epoch ends, after that one). `History.stoppedEarly` records that epoch and `bestEpoch`.
   * @param bestEpoch 0-based epoch reported as the best one (default: the current epoch)
   */
  stopTraining(bestEpoch?: number): void;
  /**
   * Run `release` when this fit ends, normally or by an error, after every `onTrainEnd`: where a callback
   * frees the tensors it holds for the run (onTrainEnd is not called when training fails).
   */
  atEnd(release: () => void): void;
}

/** Hooks called by `Distiller.fit`, each awaited, in the order the callbacks are listed. */
export interface TrainingCallbacks {
  /** First call of each fit, before any `onTrainBegin`: the run this callback may act on. */
  setRun?(run: TrainingRun): void;
  onTrainBegin?(e: { epochs: number; batchesPerEpoch: number }): void | Promise<void>;
  onBatchEnd?(e: {
    epoch: number;
    epochs: number;
    batch: number;
    batchesPerEpoch: number;
    losses: Record<string, number>;
  }): void | Promise<void>;
  onEpochEnd?(e: {
    epoch: number;
    epochs: number;
    losses: Record<string, number>;
    validation?: ValidationResult;
  }): void | Promise<void>;
  /** Called when training ends normally (every epoch ran, or a callback stopped it); not after an error. */
  onTrainEnd?(e: { history: History }): void | Promise<void>;
}

export interface History {
  epochs: { epoch: number; losses: Record<string, number>; validation?: ValidationResult; seconds: number }[];
  /** One array per loss key ('task', 'total', each term), one entry per batch over all epochs. */
  batches: Record<string, number[]>;
  /** Set when a callback ended training early (kd.callbacks.earlyStopping): the 0-based last epoch run, and the epoch whose weights were kept. */
  stoppedEarly?: { epoch: number; bestEpoch: number };
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  validation?: Dataset;
  /** ±2 px jitter (Hinton 2015), applied by kd.data.batches to the main x. */
  augment?: boolean;
  /** Shuffle each epoch with seed `seed + epoch`. Default true. */
  shuffle?: boolean;
  /** Called in list order; e.g. `[kd.callbacks.earlyStopping({ patience: 3 }), kd.callbacks.checkpoint({ path })]`. */
  callbacks?: TrainingCallbacks | TrainingCallbacks[];
  /**
   * Run the frozen teacher(s) over the transfer set ONCE at the start of fit and look their outputs (and the
   * layers the terms read) up per batch, instead of a teacher forward pass per batch. Exact, because the teacher
   * runs in inference mode; it needs a fixed transfer set, so not with `augment`. Costs memory: N rows of every
   * teacher side the terms use (a feature map of [N, 28, 28, 32] is 100 MB for N = 1,000). Default false.
   */
  cacheTeacherOutputs?: boolean;
}
