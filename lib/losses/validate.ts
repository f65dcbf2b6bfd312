/**
 * Shared argument checks for every loss in kd.losses.
 *
 * Every check throws an Error whose message names the argument and states what was expected
 * and what was received, e.g. `kdLoss: teacherLogits must have shape [8,10] like studentLogits, got [8,12]`.
 * Checks read shapes and plain numbers, not tensor data, with two exceptions: labels are read to refuse
 * out-of-range classes and negative or non-finite probabilities (instead of a silently wrong loss), and
 * `finiteResult` reads ONE number per loss call, the loss itself, and reads the inputs only when that
 * number is NaN or ±Infinity, to name the input and the index of the first bad value.
 */
import * as tf from '@tensorflow/tfjs';

const fmt = (shape: readonly number[]): string => `[${shape.join(',')}]`;

// `instanceof tf.Tensor` alone narrows to Tensor<any>; the guard keeps the Rank type.
const isTensor = (x: unknown): x is tf.Tensor => x instanceof tf.Tensor;

/** `x` must be a tf.Tensor of the given rank (or any rank >= minRank) with a non-empty batch (axis 0). */
export function checkTensor(fn: string, name: string, x: unknown, rank?: number | { min: number }): tf.Tensor {
  if (!isTensor(x)) {
    throw new Error(`${fn}: ${name} must be a tf.Tensor, got ${describe(x)}`);
  }
  if (typeof rank === 'number' && x.rank !== rank) {
    throw new Error(`${fn}: ${name} must have rank ${rank}, got rank ${x.rank} (shape ${fmt(x.shape)})`);
  }
  if (typeof rank === 'object' && x.rank < rank.min) {
    throw new Error(`${fn}: ${name} must have rank >= ${rank.min}, got rank ${x.rank} (shape ${fmt(x.shape)})`);
  }
  if (x.rank >= 1 && x.shape[0] === 0) {
    throw new Error(`${fn}: ${name} has an empty batch; expected batch size >= 1, got shape ${fmt(x.shape)}`);
  }
  if (x.size === 0) {
    throw new Error(`${fn}: ${name} is empty; expected at least one element, got shape ${fmt(x.shape)}`);
  }
  return x;
}

/** `b` must have exactly the shape of `a`. */
export function checkSameShape(fn: string, nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  const same = a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new Error(`${fn}: ${nameB} must have shape ${fmt(a.shape)} like ${nameA}, got ${fmt(b.shape)}`);
  }
}

/** `b` must have the same batch size (axis 0) as `a`. */
export function checkSameBatch(fn: string, nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  if (a.shape[0] !== b.shape[0]) {
    throw new Error(
      `${fn}: ${nameB} must have batch size ${a.shape[0]} like ${nameA}, got ${b.shape[0]} (shape ${fmt(b.shape)})`,
    );
  }
}

/** A finite number > 0 (temperature, p, ...). */
export function checkPositive(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new Error(`${fn}: ${name} must be a finite number > 0, got ${describe(v)}`);
  }
  return v;
}

/** Distillation temperature T > 0. */
export function checkTemperature(fn: string, T: unknown): number {
  return checkPositive(fn, 'temperature', T);
}

/**
 * Labels for `classes` classes, as a float [N, C] matrix of class probabilities (one-hot for hard labels).
 * Accepts class indices (rank 1, int32 or integral float) or one-hot / probability rows (rank 2, shape [N, C]).
 * Index labels are read (dataSync) to refuse values outside [0, C), except inside withCheckedLabels.
 */
export function labelsToProbabilities(fn: string, labels: unknown, batch: number, classes: number): tf.Tensor2D {
  const y = checkTensor(fn, 'labels', labels);
  if (y.rank === 1) {
    if (y.shape[0] !== batch) {
      throw new Error(`${fn}: labels must have batch size ${batch}, got ${y.shape[0]} (shape ${fmt(y.shape)})`);
    }
    const values = checkedClasses > 0 && checkedClasses <= classes && y.dtype === 'int32' ? [] : y.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new Error(`${fn}: labels[${i}] must be an integer class index in [0, ${classes - 1}], got ${v}`);
      }
    }
    return tf.tidy(() => tf.oneHot(y.toInt(), classes).toFloat() as tf.Tensor2D);
  }
  if (y.rank === 2) {
    if (y.shape[0] !== batch || y.shape[1] !== classes) {
      throw new Error(`${fn}: one-hot labels must have shape [${batch},${classes}], got ${fmt(y.shape)}`);
    }
    const values = y.dataSync();
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!(v >= 0 && v < Infinity)) {
        throw new Error(
          `${fn}: labels${indexOf(i, y.shape)} must be a finite probability >= 0 (one-hot or soft labels), got ${v}`,
        );
      }
    }
    return y.toFloat() as tf.Tensor2D;
  }
  throw new Error(
    `${fn}: labels must be class indices of shape [${batch}] or one-hot of shape [${batch},${classes}], got ${fmt(y.shape)}`,
  );
}

let checkedClasses = 0;

/**
 * Run `f` where every int32 index-label tensor is known to hold class indices in [0, classes): the
 * Distiller checks its Dataset's labels once per fit, so its steps skip labelsToProbabilities' read-back
 * (one device sync per loss per step). A loss over fewer than `classes` classes still reads and checks.
 */
export function withCheckedLabels<T>(classes: number, f: () => T): T {
  const outer = checkedClasses;
  checkedClasses = classes;
  try {
    return f();
  } finally {
    checkedClasses = outer;
  }
}

/** Short human description of any value for error messages. */
export function describe(v: unknown): string {
  if (isTensor(v)) return `a ${v.dtype} tensor of shape ${fmt(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return 'an object';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only primitives and functions get here: none prints [object Object]
  return String(v);
}

/** `[i,j,...]` for the flat (row-major) index `flat` of a tensor of shape `shape`. */
export function indexOf(flat: number, shape: readonly number[]): string {
  const idx = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) {
    idx[a] = flat % shape[a];
    flat = Math.floor(flat / shape[a]);
  }
  return `[${idx.join(',')}]`;
}

/**
 * An input of a loss whose values must be finite. `negInf`: logits of a distribution that may also be
 * −Infinity (a class of probability exactly 0), as long as each row (last axis) has a finite value.
 */
export interface FiniteInput {
  name: string;
  x: tf.Tensor;
  negInf?: boolean;
}

/** Throws, naming the input and the index of its first bad value, unless every value is acceptable. */
export function checkFinite(fn: string, { name, x, negInf = false }: FiniteInput): void {
  const v = x.dataSync();
  const expected = negInf ? 'finite values or -Infinity (probability 0)' : 'finite values';
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]) && !(negInf && v[i] === -Infinity)) {
      throw new Error(`${fn}: ${name}${indexOf(i, x.shape)} is ${v[i]}; expected ${expected}`);
    }
  }
  if (!negInf) return;
  const width = x.shape[x.rank - 1];
  for (let row = 0; row < v.length / width; row++) {
    let finite = false;
    for (let c = 0; c < width && !finite; c++) finite = v[row * width + c] !== -Infinity;
    if (!finite) {
      const at = x.rank > 1 ? indexOf(row, x.shape.slice(0, -1)) : '';
      throw new Error(
        `${fn}: ${name}${at} is -Infinity everywhere (no class has a probability); expected at least one finite value per row`,
      );
    }
  }
}

let deferred = 0;

/**
 * Run `f` with the losses' finiteness checks (finiteResult) off. The Distiller does this for its steps:
 * it reads every loss value of a step at once, and only when one is not finite calls the losses again
 * with the checks on, to name the culprit. So the training hot path does not read back once per loss.
 */
export function deferFiniteChecks<T>(f: () => T): T {
  deferred++;
  try {
    return f();
  } finally {
    deferred--;
  }
}

/**
 * `result` when all its values are finite. Otherwise it is disposed and this throws: the first input with
 * a bad value, by name and index, or, if every input is fine, that the loss itself overflowed.
 * Costs one read-back of one number per call; the inputs are read only on failure.
 */
export function finiteResult<T extends tf.Tensor>(fn: string, result: T, inputs: FiniteInput[]): T {
  if (deferred > 0) return result;
  // x·0 is 0 for finite x and NaN for NaN or ±Infinity: one number tells whether every value is finite.
  const flag = result.rank === 0 ? result.dataSync()[0] : tf.tidy(() => tf.sum(tf.mul(result, 0)).dataSync()[0]);
  if (Number.isFinite(flag)) return result;
  result.dispose();
  for (const input of inputs) checkFinite(fn, input);
  const what = result.rank === 0 ? flag : 'not finite';
  throw new Error(`${fn}: the result is ${what} although every input is acceptable (values too large for float32?)`);
}
