/**
 * Input coercion shared by the plot helpers. Everything numeric may arrive as number[], a typed array or a
 * TensorFlow.js tensor (anything with `shape` and `dataSync()` — duck-typed so lib/plot stays plain data).
 * Bad input throws an Error naming the argument with expected vs actual.
 */
import { describe } from './figure';

export type Numbers = ArrayLike<number>;

export interface TensorLike {
  shape: number[];
  dtype?: string;
  dataSync(): ArrayLike<number>;
}

export function isTensorLike(v: unknown): v is TensorLike {
  return (
    v !== null &&
    typeof v === 'object' &&
    Array.isArray((v as TensorLike).shape) &&
    typeof (v as TensorLike).dataSync === 'function'
  );
}

/** A finite 1-D list of numbers. */
export function numbers(name: string, v: unknown, opts: { minLength?: number } = {}): number[] {
  let arr: ArrayLike<unknown>;
  if (isTensorLike(v)) {
    if (v.shape.length > 1 && v.shape.filter((d) => d !== 1).length > 1) {
      throw new Error(`${name}: expected a 1-D tensor, got shape [${v.shape.join(',')}]`);
    }
    arr = v.dataSync();
  } else if (Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    arr = v as ArrayLike<unknown>;
  } else {
    throw new Error(`${name}: expected an array of numbers, got ${describe(v)}`);
  }
  const min = opts.minLength ?? 1;
  if (arr.length < min) throw new Error(`${name}: expected at least ${min} value(s), got ${arr.length}`);
  const out = new Array<number>(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new Error(`${name}[${i}]: expected a finite number, got ${describe(x)}`);
    }
    out[i] = x;
  }
  return out;
}

/** A rectangular matrix of finite numbers (number[][] or a 2-D tensor). */
export function matrix(name: string, v: unknown): number[][] {
  if (isTensorLike(v)) {
    if (v.shape.length !== 2) throw new Error(`${name}: expected a 2-D tensor, got shape [${v.shape.join(',')}]`);
    const [r, c] = v.shape;
    const d = numbers(name, v.dataSync(), { minLength: 0 });
    if (r === 0 || c === 0) throw new Error(`${name}: expected a non-empty matrix, got shape [${r},${c}]`);
    return Array.from({ length: r }, (_, i) => d.slice(i * c, (i + 1) * c));
  }
  if (!Array.isArray(v) || v.length === 0)
    throw new Error(`${name}: expected a non-empty array of rows, got ${describe(v)}`);
  const rows = v.map((row, i) => numbers(`${name}[${i}]`, row));
  const c = rows[0].length;
  rows.forEach((row, i) => {
    if (row.length !== c)
      throw new Error(`${name}: rows must have equal length; row 0 has ${c}, row ${i} has ${row.length}`);
  });
  return rows;
}

/** Assert two lengths agree, naming both arguments. */
export function sameLength(aName: string, a: number, bName: string, b: number): void {
  if (a !== b) throw new Error(`${bName}: expected length ${a} (same as ${aName}), got ${b}`);
}

export function strings(name: string, v: unknown, length?: number): string[] {
  if (!Array.isArray(v)) throw new Error(`${name}: expected an array of strings, got ${describe(v)}`);
  if (length !== undefined && v.length !== length)
    throw new Error(`${name}: expected ${length} entries, got ${v.length}`);
  return v.map((s) => String(s));
}

/** Compact number text for labels: 4 significant digits, integers unchanged. */
export function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}
