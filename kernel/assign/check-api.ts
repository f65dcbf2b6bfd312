/**
 * The grading API preloaded in every kdlab session (engine/preload.ts makes these globals):
 *   check(name, points, fn)          runs one test; fn passes unless it throws (or its promise rejects);
 *   checkClose(actual, expected, {rtol, atol})   numbers, nested arrays or tensors, elementwise as numpy.allclose;
 *   checkEqual(actual, expected)     deep strict equality (tensors compared by shape and values);
 *   checkThrows(fn, match?)          fn must throw (an error whose message contains / matches `match`).
 * The check* assertions throw a CheckFailure; `check` catches everything and records a result
 * {name, points, passed, message} as a display output of MIME type CHECK_MIME (plus text/plain and text/html
 * for the student). A runner reads results from there, never from stdout/stderr: a test that only logs a warning
 * passes, and printing "passed" scores nothing.
 */
import * as util from 'util';
import type { MimeBundle } from '../display/types';
import { escapeHtml } from '../display/html';
import { isTensor } from '../display/tensor';

export const CHECK_MIME = 'application/vnd.kdlab.check+json';

// Taken when the kernel starts, before any cell runs: a cell that later replaces Math.abs, JSON.stringify or
// util.isDeepStrictEqual cannot change how a test judges (kdlab assign grade relies on it).
const { abs } = Math;
const { isFinite, isNaN } = Number;
const { isArray } = Array;
const arrayFrom = Array.from;
const stringify = JSON.stringify;
const isDeepStrictEqual = util.isDeepStrictEqual;
const inspect = util.inspect;
const resolved = Promise.resolve.bind(Promise);

/**
 * What a sealed result's signature covers (`kdlab assign grade`): the test cell's label and the whole result,
 * so a signed result cannot be altered, nor replayed into another cell.
 */
export const signedPayload = (label: string, r: CheckResult): string =>
  stringify([label, r.name, r.points, r.passed, r.message]);

export interface CheckResult {
  name: string;
  /** The points the test is worth; scored in full when passed, else 0. */
  points: number;
  passed: boolean;
  /** Why it failed ('' when passed). */
  message: string;
}

/** A failed assertion: its message alone is the reason shown (no error name in front). */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

export interface CloseOptions {
  /** Relative tolerance (default 1e-5, as numpy.allclose). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8, as numpy.allclose). */
  atol?: number;
}

export function checkBundle(r: CheckResult): MimeBundle {
  const score = `${r.passed ? r.points : 0}/${r.points} point${r.points === 1 ? '' : 's'}`;
  const plain = `${r.passed ? '✓' : '✗'} ${r.name} — ${score}${r.passed ? '' : `: ${r.message}`}`;
  const color = r.passed ? '#1a7f37' : '#cf222e';
  const html =
    `<div style="font-family:monospace;color:${color}">${r.passed ? '✓' : '✗'} <b>${escapeHtml(r.name)}</b> — ${score}` +
    `${r.passed ? '' : `: <span style="white-space:pre-wrap">${escapeHtml(r.message)}</span>`}</div>`;
  return { data: { [CHECK_MIME]: { ...r }, 'text/plain': plain, 'text/html': html }, metadata: {} };
}

const reason = (e: unknown): string =>
  e instanceof CheckFailure ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${inspect(e)}`;

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  v !== null &&
  (typeof v === 'object' || typeof v === 'function') &&
  typeof (v as PromiseLike<unknown>).then === 'function';

/** Declared with overloads, so that a synchronous test gives its result (no promise to await) and an async one a promise. */
export interface GradingApi {
  check: {
    (name: string, points: number, fn: () => PromiseLike<unknown>): Promise<CheckResult>;
    (name: string, points: number, fn: () => unknown): CheckResult;
  };
  checkClose: (actual: unknown, expected: unknown, opts?: CloseOptions) => void;
  checkEqual: (actual: unknown, expected: unknown) => void;
  checkThrows: {
    (fn: () => PromiseLike<unknown>, match?: string | RegExp): Promise<void>;
    (fn: () => unknown, match?: string | RegExp): void;
  };
}

/**
 * The API, recording each result through `emit` (the kernel's display sink). With `seal` (a graded test cell),
 * each result also carries the cell's label and `seal.sign(signedPayload(label, result))`.
 */
export function gradingApi(
  emit: (b: MimeBundle) => void,
  seal?: { label: string; sign: (payload: string) => string },
): GradingApi {
  const record = (name: string, points: number, error: unknown, failed: boolean): CheckResult => {
    const r = { name, points, passed: !failed, message: failed ? reason(error) : '' };
    const bundle = checkBundle(r);
    if (seal) bundle.data[CHECK_MIME] = { ...r, label: seal.label, signature: seal.sign(signedPayload(seal.label, r)) };
    emit(bundle);
    return { ...r };
  };
  const api = {
    check(name: string, points: number, fn: () => unknown): CheckResult | Promise<CheckResult> {
      if (typeof name !== 'string' || name.trim() === '')
        throw new TypeError(`check: expected a non-empty test name, got ${inspect(name)}`);
      if (typeof points !== 'number' || !isFinite(points) || points < 0)
        throw new TypeError(`check('${name}'): expected points >= 0, got ${inspect(points)}`);
      if (typeof fn !== 'function')
        throw new TypeError(`check('${name}'): expected a test function, got ${inspect(fn)}`);
      let out: unknown;
      try {
        out = fn();
      } catch (e) {
        return record(name, points, e, true);
      }
      if (!isThenable(out)) return record(name, points, undefined, false);
      return resolved(out).then(
        () => record(name, points, undefined, false),
        (e: unknown) => record(name, points, e, true),
      );
    },
    checkClose(actual: unknown, expected: unknown, opts: CloseOptions = {}): void {
      const rtol = opts.rtol ?? 1e-5;
      const atol = opts.atol ?? 1e-8;
      if (!(rtol >= 0) || !(atol >= 0))
        throw new TypeError(`checkClose: expected rtol, atol >= 0, got ${rtol}, ${atol}`);
      const a = numeric('actual', actual);
      const b = numeric('expected', expected);
      if (a.shape.join() !== b.shape.join())
        throw new CheckFailure(`checkClose: shape [${a.shape.join(', ')}], expected [${b.shape.join(', ')}]`);
      let bad = 0;
      let worst = -1;
      let worstExcess = -Infinity;
      for (let i = 0; i < a.values.length; i++) {
        const x = a.values[i];
        const y = b.values[i];
        const excess = abs(x - y) - (atol + rtol * abs(y));
        // NaN never matches (numpy's default); equal infinities do.
        const ok = x === y || excess <= 0;
        if (!ok) {
          bad++;
          if (worst < 0 || excess > worstExcess || isNaN(excess)) {
            worst = i;
            worstExcess = isNaN(excess) ? Infinity : excess;
          }
        }
      }
      if (bad === 0) return;
      const at = a.shape.length ? ` at [${unravel(worst, a.shape).join(', ')}]` : '';
      const x = a.values[worst];
      const y = b.values[worst];
      throw new CheckFailure(
        `checkClose: ${bad} of ${a.values.length} value${a.values.length === 1 ? '' : 's'} not close; worst${at}: ` +
          `${x}, expected ${y} (|diff| ${abs(x - y).toPrecision(3)} > atol ${atol} + rtol ${rtol} · |expected|)`,
      );
    },
    checkEqual(actual: unknown, expected: unknown): void {
      const plain = (v: unknown) => (isTensor(v) ? { shape: v.shape, values: arrayFrom(v.dataSync()) } : v);
      if (!isDeepStrictEqual(plain(actual), plain(expected)))
        throw new CheckFailure(`checkEqual: got ${short(actual)}, expected ${short(expected)}`);
    },
    checkThrows(fn: () => unknown, match?: string | RegExp): void | Promise<void> {
      const judge = (thrown: boolean, e: unknown) => {
        if (!thrown) throw new CheckFailure(`checkThrows: expected an error${matchText(match)}, none was thrown`);
        const message = e instanceof Error ? e.message : String(e);
        const ok = match === undefined || (typeof match === 'string' ? message.includes(match) : match.test(message));
        if (!ok) throw new CheckFailure(`checkThrows: expected an error${matchText(match)}, got ${reason(e)}`);
      };
      let out: unknown;
      try {
        out = fn();
      } catch (e) {
        return judge(true, e);
      }
      if (!isThenable(out)) return judge(false, undefined);
      return resolved(out).then(
        () => judge(false, undefined),
        (e: unknown) => judge(true, e),
      );
    },
  };
  // The implementations return the union of what the overloads promise; each overload is one branch of it.
  return api as GradingApi;
}

const matchText = (m: string | RegExp | undefined) =>
  m === undefined ? '' : typeof m === 'string' ? ` containing '${m}'` : ` matching ${String(m)}`;

const short = (v: unknown) => {
  const s = isTensor(v) ? `tensor ${v.toString()}` : inspect(v, { depth: 4, breakLength: Infinity });
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};

function unravel(i: number, shape: number[]): number[] {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

/** A number, a tensor or a rectangular nested array of numbers, as shape + flat values. */
function numeric(what: string, v: unknown): { shape: number[]; values: number[] } {
  if (typeof v === 'number') return { shape: [], values: [v] };
  if (isTensor(v)) {
    if (v.isDisposed) throw new TypeError(`checkClose: ${what} is a disposed tensor`);
    return { shape: v.shape, values: arrayFrom(v.dataSync() as ArrayLike<number>, Number) };
  }
  if (!isArray(v)) throw new TypeError(`checkClose: ${what}: expected a number, array or tensor, got ${short(v)}`);
  const shape: number[] = [];
  for (let x: unknown = v; isArray(x); x = x[0]) shape.push(x.length);
  const values: number[] = [];
  const walk = (x: unknown, depth: number, at: number[]) => {
    if (depth === shape.length) {
      if (typeof x !== 'number')
        throw new TypeError(`checkClose: ${what}[${at.join('][')}]: expected a number, got ${short(x)}`);
      values.push(x);
      return;
    }
    if (!isArray(x) || x.length !== shape[depth])
      throw new TypeError(`checkClose: ${what}[${at.join('][')}]: ragged array (expected length ${shape[depth]})`);
    x.forEach((y, j) => walk(y, depth + 1, [...at, j]));
  };
  walk(v, 0, []);
  return { shape, values };
}
