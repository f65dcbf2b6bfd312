/**
 * Finite-difference gradient checking and comparison helpers for the loss tests.
 * The expected gradient is the float64 central difference of a plain reference function
 * (test/support/reference.ts), so it is independent of tfjs' autodiff.
 */
import * as assert from 'node:assert/strict';
import { mulberry32 } from '../../lib/common/random';

/** Central differences (f(x + εe_i) − f(x − εe_i)) / 2ε for every coordinate of a flat float64 input. */
export function numericGradient(f: (x: number[]) => number, x: number[], eps = 1e-6): number[] {
  const g: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += eps;
    minus[i] -= eps;
    g.push((f(plus) - f(minus)) / (2 * eps));
  }
  return g;
}

/**
 * |actual − expected| ≤ atol + rtol·scale element-wise, where scale = max |expected| (so float32
 * round-off relative to the gradient's magnitude is tolerated, but a wrong sign or factor is not).
 */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-4, atol = 1e-6 }: { rtol?: number; atol?: number } = {},
  message = '',
): void {
  assert.equal(actual.length, expected.length, `${message}: length ${actual.length} vs expected ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    assert.ok(Number.isFinite(a), `${message}: element ${i} is ${a}, expected ${e}`);
    assert.ok(
      Math.abs(a - e) <= atol + rtol * scale,
      `${message}: element ${i} is ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${atol} + ${rtol}·${scale})`,
    );
  }
}

/** |actual − expected| ≤ atol + rtol·|expected| for one number. */
export function assertClose(actual: number, expected: number, { rtol = 1e-5, atol = 1e-6 } = {}, message = ''): void {
  assert.ok(Number.isFinite(actual), `${message}: got ${actual}, expected ${expected}`);
  assert.ok(
    Math.abs(actual - expected) <= atol + rtol * Math.abs(expected),
    `${message}: got ${actual}, expected ${expected} (|diff| ${Math.abs(actual - expected)})`,
  );
}

/** Deterministic pseudo-random numbers (kdlab's mulberry32) and standard normals (Box–Muller). */
export function rng(seed: number): { uniform(): number; normal(): number } {
  const uniform = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** A flat array of `size` normals times `scale`. */
export function randomFlat(r: ReturnType<typeof rng>, size: number, scale = 1): number[] {
  return Array.from({ length: size }, () => r.normal() * scale);
}

/** Flat row-major data → nested arrays of the given shape. */
export function nest(flat: ArrayLike<number>, shape: number[]): any {
  if (shape.length === 1) return Array.from(flat).slice(0, shape[0]);
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) =>
    nest(Array.from(flat).slice(i * inner, (i + 1) * inner), shape.slice(1)),
  );
}
