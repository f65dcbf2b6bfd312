/**
 * kd.losses — distillation losses as pure functions of tensors (batch first, features NHWC), each
 * returning a tf.Scalar, plus the name → loss registry the Distiller uses.
 * Families: response (KD, Hinton), feature (FitNets, attention transfer), metric (Yu et al.),
 * relational (RKD), multi-teacher (mean/entropy/CA-MKD), graph (IRG).
 * Teachers are treated as fixed targets: no loss sends gradient into a teacher tensor.
 */
export { softmaxWithTemperature, crossEntropy, kdLoss, hintonLoss } from './response';
export { fitnetLoss, attentionTransferLoss } from './feature';
export { absoluteTeacherLoss, relativeTeacherLoss } from './metric';
export { rkdDistanceLoss, rkdAngleLoss, rkdLoss } from './relational';
export { multiTeacherKdLoss } from './multiTeacher';
export type { TeacherWeighting, MultiTeacherOptions } from './multiTeacher';
export { irgLoss } from './graph';
export { registry } from './registry';
export type { TermLoss, TermContext } from './registry';
export { stopGradient } from './numerics';
