/**
 * Loss registry (in the spirit of torchdistill's name → loss registry): the Distiller looks terms up by
 * name, and users can add their own. Every entry has the uniform TermLoss signature
 *   (student, teacher, { labels?, options? }) => tf.Scalar
 * where `options` are passed to the loss unchanged (unknown option names throw).
 */
import * as tf from '@tensorflow/tfjs';
import { attentionTransferLoss, fitnetLoss } from './feature';
import { irgLoss } from './graph';
import { absoluteTeacherLoss, relativeTeacherLoss } from './metric';
import { multiTeacherKdLoss } from './multiTeacher';
import { rkdAngleLoss, rkdDistanceLoss, rkdLoss } from './relational';
import { hintonLoss, kdLoss } from './response';
import { describe } from './validate';

export interface TermContext {
  labels?: tf.Tensor;
  options?: Record<string, unknown>;
}
export type TermLoss = (student: tf.Tensor | tf.Tensor[], teacher: tf.Tensor | tf.Tensor[], ctx: TermContext) => tf.Scalar;

/** A single tensor; a one-element array is unwrapped, anything else is an error naming the term. */
function single(term: string, side: string, x: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (!Array.isArray(x)) return x;
  if (x.length === 1) return x[0];
  throw new Error(`registry term '${term}': ${side} must be a single tf.Tensor, got an array of length ${x.length}`);
}

/** Adapt a (student, teacher, options) loss to the TermLoss signature. */
function pairTerm(name: string, loss: (s: tf.Tensor, t: tf.Tensor, o?: Record<string, unknown>) => tf.Scalar): TermLoss {
  return (s, t, ctx) => loss(single(name, 'student', s), single(name, 'teacher', t), ctx?.options);
}

function noOptions(name: string, loss: (s: tf.Tensor, t: tf.Tensor) => tf.Scalar): TermLoss {
  return pairTerm(name, (s, t, o) => {
    if (o && Object.keys(o).length) throw new Error(`registry term '${name}': takes no options, got ${Object.keys(o).join(', ')}`);
    return loss(s, t);
  });
}

const builtins: Record<string, TermLoss> = {
  kd: pairTerm('kd', kdLoss),
  hinton: (s, t, ctx) => {
    if (!ctx?.labels) throw new Error(`registry term 'hinton': ctx.labels must be a tf.Tensor of class indices or one-hot, got ${describe(ctx?.labels)}`);
    return hintonLoss(single('hinton', 'student', s), single('hinton', 'teacher', t), ctx.labels, ctx.options);
  },
  fitnet: noOptions('fitnet', fitnetLoss),
  attention: pairTerm('attention', attentionTransferLoss),
  absolute: noOptions('absolute', absoluteTeacherLoss),
  relative: noOptions('relative', relativeTeacherLoss),
  rkd: pairTerm('rkd', rkdLoss),
  rkdDistance: noOptions('rkdDistance', rkdDistanceLoss),
  rkdAngle: noOptions('rkdAngle', rkdAngleLoss),
  // teacher: one tensor per teacher. ctx.labels is used as options.labels unless options gives its own.
  multiTeacher: (s, t, ctx) =>
    multiTeacherKdLoss(single('multiTeacher', 'student', s), Array.isArray(t) ? t : [t], {
      labels: ctx?.labels,
      ...(ctx?.options ?? {}),
    }),
  irg: (s, t, ctx) => irgLoss(s, t, ctx?.options),
};

const entries = new Map<string, TermLoss>(Object.entries(builtins));

/** The registry: get(name), register(name, fn), names(), has(name). */
export const registry = {
  /** The loss registered under `name`; an unknown name throws, listing the known names. */
  get(name: string): TermLoss {
    const fn = entries.get(name);
    if (!fn) throw new Error(`registry.get: unknown loss name ${describe(name)}; known names: ${[...entries.keys()].join(', ')}`);
    return fn;
  },
  /**
   * Add a loss under a new name (re-registering a user-defined name replaces it, handy when a notebook
   * cell is run twice). The built-in names cannot be replaced.
   */
  register(name: string, fn: TermLoss): void {
    if (typeof name !== 'string' || name.length === 0) throw new Error(`registry.register: name must be a non-empty string, got ${describe(name)}`);
    if (typeof fn !== 'function') throw new Error(`registry.register: fn must be a function (student, teacher, ctx) => tf.Scalar, got ${describe(fn)}`);
    if (name in builtins) throw new Error(`registry.register: '${name}' is a built-in loss and cannot be replaced; expected a new name, got '${name}'`);
    entries.set(name, fn);
  },
  /** All registered names, built-ins first. */
  names(): string[] {
    return [...entries.keys()];
  },
  has(name: string): boolean {
    return entries.has(name);
  },
};
