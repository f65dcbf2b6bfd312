/**
 * Input checks shared by kd.analysis: a sample matrix given as a rank-2 tensor or number[][], and a batch of
 * greyscale images given as [N, H, W] or [N, H, W, 1]. Messages name the argument, what was expected and what came.
 */
import { tf } from '../tf';

/** A sample matrix: rows are samples, columns are features. */
export type MatrixInput = tf.Tensor2D | number[][];

/**
 * `x` as a float32 [N, D] tensor the caller owns (a copy when `x` is a tensor, so disposing it never touches the
 * caller's). number[][] rows must all have the same length and hold finite numbers.
 */
export function matrixTensor(x: unknown, name: string): tf.Tensor2D {
  if (x instanceof tf.Tensor) return tensorMatrix(x as tf.Tensor, name);
  if (!Array.isArray(x) || x.length === 0) {
    throw new Error(`${name} must be a rank-2 tensor or a non-empty number[][], got ${describe(x)}`);
  }
  const rows = x as unknown[];
  const width = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : -1;
  if (width < 1) throw new Error(`${name}[0] must be a non-empty number[], got ${describe(rows[0])}`);
  const flat = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== width) {
      throw new Error(
        `${name}[${i}] must be a number[] of length ${width} (the length of ${name}[0]), got ${describe(row)}`,
      );
    }
    (row as unknown[]).forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new Error(`${name}[${i}][${j}] must be a finite number, got ${String(v)}`);
      }
      flat[i * width + j] = v;
    });
  });
  return tf.tensor2d(flat, [rows.length, width]);
}

/** `images` ([N, H, W] or [N, H, W, 1]) as a float32 [N, H, W, 1] tensor the caller owns. */
export function imageTensor(images: unknown, name: string): tf.Tensor4D {
  if (!(images instanceof tf.Tensor)) {
    throw new Error(`${name} must be a tensor of greyscale images [N, H, W] or [N, H, W, 1], got ${describe(images)}`);
  }
  const t = images as tf.Tensor;
  const s = t.shape as number[];
  const ok = (t.rank === 3 || (t.rank === 4 && s[3] === 1)) && s.every((d) => d > 0);
  if (!ok) throw new Error(`${name} must have shape [N, H, W] or [N, H, W, 1] with no zero dimension, got [${s}]`);
  return tf.tidy(() => tf.cast(t, 'float32').reshape([s[0], s[1], s[2], 1]));
}

function tensorMatrix(x: tf.Tensor, name: string): tf.Tensor2D {
  if (x.rank !== 2) throw new Error(`${name} must be a rank-2 tensor [samples, features], got shape [${x.shape}]`);
  if (x.shape[0] === 0 || x.shape[1] === 0) throw new Error(`${name} must be non-empty, got shape [${x.shape}]`);
  return tf.cast(x, 'float32') as tf.Tensor2D;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v instanceof tf.Tensor) return `a tensor of shape [${v.shape}]`;
  return v === null ? 'null' : typeof v;
}
