/**
 * kd.losses — distillation losses as pure functions of tensors (batch first, features NHWC), each
 * returning a tf.Scalar, plus the name → loss registry the Distiller uses.
 * Families: response (KD, Hinton), feature (FitNets, attention transfer), metric (Yu et al.),
 * relational (RKD), multi-teacher (mean/entropy/CA-MKD), graph (IRG; graph-smoothed soft targets), and the
 * triplet task loss.
 * Teachers are treated as fixed targets: no loss sends gradient into a teacher tensor.
 * The typed term constructors for the Distiller are kd.terms (terms.ts).
 */
export { softmaxWithTemperature, crossEntropy, kdLoss, hintonLoss } from './response';
export type { KdOptions, HintonOptions } from './response';
export { fitnetLoss, attentionTransferLoss, attentionMap } from './feature';
export type { AttentionOptions } from './feature';
export { absoluteTeacherLoss, relativeTeacherLoss } from './metric';
export { rkdDistanceLoss, rkdAngleLoss, rkdLoss, rkdPotentials } from './relational';
export type { RkdOptions } from './relational';
export { multiTeacherKdLoss, multiTeacherWeights } from './multiTeacher';
export type { TeacherWeighting, MultiTeacherOptions, MultiTeacherWeightOptions } from './multiTeacher';
export { irgLoss } from './graph';
export type { IrgOptions } from './graph';
export { graphSmoothedTargets, graphSmoothedKdLoss } from './graph-smoothing';
export type { GraphSmoothingOptions, GraphSmoothedKdOptions } from './graph-smoothing';
export { tripletLoss, pairwiseDistances } from './triplet';
export type { TripletOptions } from './triplet';
export { registry } from './registry';
export type { TermLoss, TermContext } from './registry';
export type { TermArgs, TermConstructor, TermFields } from './term';
export { stopGradient } from './numerics';
