/**
 * Argument checks shared by several namespaces (kd.models, kd.data, kd.plot). Plain JS, no tfjs import,
 * so lib/plot can use it and stay free of TensorFlow.js. Messages name the argument and give the value.
 */

/** `value` must be an integer >= 1; throws `${name} must be a positive integer, got ${value}`. */
export function checkPositiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
