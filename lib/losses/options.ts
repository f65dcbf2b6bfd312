/**
 * Loss options, declared once. A declaration such as
 *   const kdOptions = defineOptions('kdLoss', { temperature: positive(4) });
 * gives the defaults, the allowed names (a typo such as `temprature` is refused instead of silently
 * falling back to a default), the run-time checks with their messages ("kdLoss: temperature must be a
 * finite number > 0, got 0"), and the TypeScript type (`OptionsOf<typeof kdOptions>`). The pure losses
 * resolve their options through it, and the term constructors (kd.terms) check theirs with it, so a
 * JSON config and a typed term are held to the same rules.
 */
import * as tf from '@tensorflow/tfjs';
import { describe } from './validate';

/** One option: its default, a run-time test, and what is expected, in words, for the error message. */
export interface OptionSpec<T> {
  readonly default: T;
  /** Completes "<fn>: <name> must be …", e.g. 'a finite number > 0'. */
  readonly expected: string;
  readonly accepts: (v: unknown) => boolean;
}

export type OptionSpecs = Record<string, OptionSpec<unknown>>;

/** Every option with its value (after defaults). */
export type OptionValues<S extends OptionSpecs> = { [K in keyof S]: S[K] extends OptionSpec<infer T> ? T : never };

export interface LossOptions<S extends OptionSpecs> {
  /** The loss function's name, which starts every error message. */
  readonly fn: string;
  readonly specs: S;
  /** The allowed option names, in declaration order. */
  readonly names: readonly string[];
  /**
   * Checks `options` (names and values; undefined or null means none) and returns every option, the
   * absent ones (or ones given as undefined) at their defaults. `where` replaces `fn` in messages.
   */
  resolve(options: unknown, where?: string): OptionValues<S>;
}

/** What a caller may pass: any subset of the declared options. */
export type OptionsOf<D> = D extends LossOptions<infer S> ? Partial<OptionValues<S>> : never;

/** Declare the options of the loss `fn` (see the file comment). */
export function defineOptions<S extends OptionSpecs>(fn: string, specs: S): LossOptions<S> {
  const names = Object.keys(specs);
  return {
    fn,
    specs,
    names,
    resolve(options: unknown, where: string = fn): OptionValues<S> {
      const given = checkOptionNames(where, options, names);
      const out: Record<string, unknown> = {};
      for (const name of names) {
        const v = given[name];
        if (v === undefined) {
          out[name] = specs[name].default;
        } else if (specs[name].accepts(v)) {
          out[name] = v;
        } else {
          throw new Error(`${where}: ${name} must be ${specs[name].expected}, got ${describe(v)}`);
        }
      }
      return out as OptionValues<S>;
    },
  };
}

/** `options` must be a plain object (or undefined/null: none) whose keys are all in `allowed`. */
export function checkOptionNames(fn: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options) || options instanceof tf.Tensor) {
    throw new Error(`${fn}: options must be a plain object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const known = allowed.length ? allowed.join(', ') : '(none)';
      throw new Error(`${fn}: unknown option '${key}'; expected one of: ${known}`);
    }
  }
  return options as Record<string, unknown>;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** A finite number > 0 (temperature, p, ...). */
export function positive(defaultValue: number): OptionSpec<number> {
  return {
    default: defaultValue,
    expected: 'a finite number > 0',
    accepts: (v) => isNumber(v) && Number.isFinite(v) && v > 0,
  };
}

/** A finite number >= 0 (the weights inside a loss). */
export function nonNegative(defaultValue: number): OptionSpec<number> {
  return {
    default: defaultValue,
    expected: 'a finite number >= 0',
    accepts: (v) => isNumber(v) && Number.isFinite(v) && v >= 0,
  };
}

/** A number in [0, 1] (a mixing weight such as Hinton's alpha). */
export function fraction(defaultValue: number): OptionSpec<number> {
  return { default: defaultValue, expected: 'a number in [0, 1]', accepts: (v) => isNumber(v) && v >= 0 && v <= 1 };
}

/** One of a few strings. */
export function oneOf<const T extends readonly string[]>(choices: T, defaultValue: T[number]): OptionSpec<T[number]> {
  const expected = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  return { default: defaultValue, expected, accepts: (v) => typeof v === 'string' && choices.includes(v) };
}

/** Any other kind of option: its default, what is expected in words, and the test. */
export function option<T>(defaultValue: T, expected: string, accepts: (v: unknown) => boolean): OptionSpec<T> {
  return { default: defaultValue, expected, accepts };
}
