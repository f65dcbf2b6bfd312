/**
 * Loss registry (in the spirit of torchdistill's name → loss registry): the Distiller looks terms up by
 * name, and users can add their own. Every entry has the uniform TermLoss signature
 *   (student, teacher, { labels?, options? }) => tf.Scalar
 * where `options` are passed to the loss unchanged (unknown option names throw).
 * The built-in entries come from the term definitions (kd.terms, terms.ts): a new built-in loss is
 * declared once, with defineTerm, in its family file.
 */
import type { TermLoss } from './term';
import { terms } from './terms';
import { describe } from './validate';

export type { TermLoss, TermContext } from './term';

const builtins = new Map<string, TermLoss>(Object.values(terms).map((t) => [t.lossName, t.loss]));
const entries = new Map<string, TermLoss>(builtins);

/** The registry: get(name), register(name, fn), names(), has(name). */
export const registry = {
  /**
   * The loss registered under `name`; an unknown name throws, listing the known names.
   * @param name a built-in name (the keys of kd.terms) or one given to `register`
   * @example
   * const kdTerm = kd.losses.registry.get('kd'); // kdTerm(studentLogits, teacherLogits, { options: { temperature: 2 } })
   */
  get(name: string): TermLoss {
    const fn = entries.get(name);
    if (!fn)
      throw new Error(
        `registry.get: unknown loss name ${describe(name)}; known names: ${[...entries.keys()].join(', ')}`,
      );
    return fn;
  },
  /**
   * Add a loss under a new name (re-registering a user-defined name replaces it, handy when a notebook
   * cell is run twice). The built-in names cannot be replaced.
   * @param name the name terms use (`{ loss: name }`)
   * @param fn (student, teacher, { labels?, options? }) => tf.Scalar
   * @example
   * kd.losses.registry.register('l1', (s, t) => tf.tidy(() => tf.mean(tf.abs(tf.sub(s as tf.Tensor, t as tf.Tensor)))));
   */
  register(name: string, fn: TermLoss): void {
    if (typeof name !== 'string' || name.length === 0)
      throw new Error(`registry.register: name must be a non-empty string, got ${describe(name)}`);
    if (typeof fn !== 'function')
      throw new Error(
        `registry.register: fn must be a function (student, teacher, ctx) => tf.Scalar, got ${describe(fn)}`,
      );
    if (builtins.has(name))
      throw new Error(
        `registry.register: '${name}' is a built-in loss and cannot be replaced; expected a new name, got '${name}'`,
      );
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
