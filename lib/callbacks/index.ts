/**
 * kd.callbacks — what may happen around the Distiller's one training loop, as `FitOptions.callbacks`
 * (cf. Keras callbacks): early stopping with best-weight restore, and checkpoints of the best student.
 * A callback of your own is any object with some of the kd.distill.TrainingCallbacks hooks.
 */
export { earlyStopping } from './early-stopping';
export type { EarlyStoppingOptions } from './early-stopping';
export { checkpoint } from './checkpoint';
export type { CheckpointOptions } from './checkpoint';
export type { Monitor } from './monitor';
