/**
 * Term constructors (kd.terms): each built-in loss is declared once, in its family file, as
 *   defineTerm(name, options, loss)
 * which gives the typed constructor (`kd.terms.hinton({ temperature: 4, alpha: 0.9 })`) AND the registry
 * entry (the registry is built from these definitions, registry.ts). A constructor returns the same
 * `Term` a JSON config would hold, `{ loss: 'hinton', options: { temperature: 4, alpha: 0.9 } }`, with
 * every option at its value or default, so both forms go through the same registered loss.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Term } from '../distill/types';
import { checkOptionNames, type LossOptions, type OptionSpecs, type OptionValues } from './options';
import { describe } from './validate';

export interface TermContext {
  labels?: tf.Tensor;
  options?: Record<string, unknown>;
}
/** The uniform signature of a registered loss: (student side, teacher side, { labels?, options? }) → scalar. */
export type TermLoss = (
  student: tf.Tensor | tf.Tensor[],
  teacher: tf.Tensor | tf.Tensor[],
  ctx: TermContext,
) => tf.Scalar;

/** The Term fields every constructor accepts besides the loss's own options (see `Term`). */
export type TermFields = Omit<Term, 'loss' | 'options'>;
const termFields: readonly (keyof TermFields)[] = [
  'weight',
  'name',
  'teacherLayer',
  'studentLayer',
  'adapter',
  'teacherIndex',
];

/**
 * The argument of a constructor: the loss's options `O` (all optional, typed) and the generic Term fields.
 * (Spelt as a mapped type so editors and compiler messages show the option names and types.)
 */
export type TermArgs<O> = { [K in keyof O]?: O[K] } & TermFields;

export interface TermConstructor<O> {
  (args?: { [K in keyof O]?: O[K] } & TermFields): Term;
  /** The name the loss is registered under (the `loss` of the Terms this returns). */
  readonly lossName: string;
  /** The registered loss. */
  readonly loss: TermLoss;
  /** The loss's option declaration (empty for a loss without options). */
  readonly options: LossOptions<OptionSpecs>;
}

/**
 * A built-in loss: the constructor `kd.terms[name]` and, through it, the registry entry `name` → `loss`.
 * Options and Term fields are checked when the term is built (unknown names, wrong values), so a bad
 * cell fails at the cell, not at the first training step.
 */
export function defineTerm<S extends OptionSpecs>(
  name: string,
  options: LossOptions<S>,
  loss: TermLoss,
): TermConstructor<OptionValues<S>> {
  const where = `kd.terms.${name}`;
  const make = (args?: TermArgs<OptionValues<S>>): Term => {
    const given = checkOptionNames(where, args, [...options.names, ...termFields]);
    const term: Term = { loss: name };
    const own: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(given)) {
      if (options.names.includes(key)) own[key] = v;
      else if (v !== undefined) (term as unknown as Record<string, unknown>)[key] = v;
    }
    if (options.names.length > 0) term.options = options.resolve(own, where);
    return term;
  };
  return Object.assign(make, { lossName: name, loss, options });
}

/** A single tensor; a one-element array is unwrapped, anything else is an error naming the term. */
export function single(term: string, side: string, x: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (!Array.isArray(x)) return x;
  if (x.length === 1) return x[0];
  throw new Error(`registry term '${term}': ${side} must be a single tf.Tensor, got an array of length ${x.length}`);
}

/** Adapt a (student, teacher, options) loss to the TermLoss signature (the loss checks the options). */
export function pairTerm<O>(name: string, loss: (s: tf.Tensor, t: tf.Tensor, o?: O) => tf.Scalar): TermLoss {
  return (s, t, ctx) => loss(single(name, 'student', s), single(name, 'teacher', t), ctx?.options as O | undefined);
}

/** Adapt a (student, teacher) loss without options to the TermLoss signature. */
export function noOptionsTerm(name: string, loss: (s: tf.Tensor, t: tf.Tensor) => tf.Scalar): TermLoss {
  return (s, t, ctx) => {
    const o = ctx?.options;
    if (o && Object.keys(o).length)
      throw new Error(`registry term '${name}': takes no options, got ${Object.keys(o).join(', ')}`);
    return loss(single(name, 'student', s), single(name, 'teacher', t));
  };
}

/** The declaration of a loss without options. */
export function noOptions(fn: string): LossOptions<Record<never, never>> {
  return {
    fn,
    specs: {},
    names: [],
    resolve(o: unknown, where: string = fn) {
      checkOptionNames(where, o, []);
      return {};
    },
  };
}

/** `labels` from the term context, required (hinton). */
export function requireLabels(name: string, ctx: TermContext | undefined): tf.Tensor {
  if (!ctx?.labels)
    throw new Error(
      `registry term '${name}': ctx.labels must be a tf.Tensor of class indices or one-hot, got ${describe(ctx?.labels)}`,
    );
  return ctx.labels;
}
