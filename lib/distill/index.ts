/**
 * kd.distill — the training stack: the Distiller (one loop for every KD method), evaluation,
 * model save/load in the tfjs folder format, and the trained-teacher cache.
 */
export { Distiller } from './distiller';
export { MutualLearning } from './mutual';
export { MultiTensorAdam, MultiTensorMomentum } from './multi-tensor';
export type { MutualLearningConfig } from './mutual';
export type {
  DistillerConfig,
  FitOptions,
  History,
  OptimizerSpec,
  TaskKind,
  Term,
  TermLoss,
  TrainingCallbacks,
  TrainingRun,
  ValidationResult,
} from './types';
export { evaluate, predict } from './evaluate';
export { retrievalRecall, recallAtK } from './retrieval';
export type { RetrievalOptions } from './retrieval';
export type { EvaluateOptions, EvaluateResult } from './evaluate';
export { tripletLoss, pairwiseDistances } from '../losses/triplet';
export { saveModel, loadModel, cloneModel, fileHandler } from './io';
export { cachedModel, cacheDir } from './cache';
export { hintonMnistTeacher, hintonMnistTeacherData, hintonMnistTeacherKey } from './hinton-teacher';
export type { HintonMnistTeacher, HintonMnistTeacherOptions } from './hinton-teacher';
export {
  metricLearningSetting,
  metricLearningData,
  metricLearningRecipe,
  metricLearningTeacherKey,
  samplePerClass,
} from './metric-teacher';
export type { MetricLearningOptions, MetricLearningRecipe, MetricLearningSetting } from './metric-teacher';
export { agreement } from './agreement';
export type { AgreementResult } from './agreement';
export { recordTeacher } from './recorded-teacher';
export type { RecordedTeacher } from './recorded-teacher';
