/**
 * Mini-batches as tensors, with seeded shuffling and the ±2-pixel jitter augmentation of
 * Hinton, Vinyals & Dean (2015) §3 ("the input images were jittered by up to two pixels in any direction").
 */
import * as tf from '@tensorflow/tfjs';
import { Dataset, gatherRows, sampleSize, validate } from './dataset';
import { deriveSeed, mulberry32, permutation, randInt, Rng } from '../common/random';
import { checkPositiveInt } from '../common/check';

export interface BatchOptions {
  batchSize: number;
  /** Seeded random order (default false: dataset order, as for evaluation). */
  shuffle?: boolean;
  /** Base seed of order and augmentation (default 0). */
  seed?: number;
  /** Epoch number mixed into the seed, so each epoch gets a new order/jitter for one base seed (default 0). */
  epoch?: number;
  /** ±maxShift pixel jitter of `x` (images [H, W, C] only; views are never jittered, it would break the pairing). */
  augment?: boolean;
  /** Largest shift in pixels for `augment` (default 2). */
  maxShift?: number;
  /** Take `x` from ds.views[view] instead of ds.x (e.g. the student's modality). */
  view?: string;
  /** Reshape of one `x` sample, e.g. [784] for an MLP (default: the sample shape). */
  inputShape?: number[];
  /** Which views to yield as tensors (default: all of ds.views; [] for none). */
  views?: string[];
  /** Drop a last incomplete batch (default false: every sample appears exactly once per epoch). */
  dropRemainder?: boolean;
}

export interface Batch {
  /** [b, ...inputShape] float32. */
  x: tf.Tensor;
  /** [b] int32 labels. */
  y: tf.Tensor1D;
  /** [b, ...view sampleShape] per requested view. */
  views?: Record<string, tf.Tensor>;
  /** The dataset row of each sample (set by kd.data.batches; lets the Distiller look up cached teacher outputs). */
  index?: Int32Array;
}

/** Number of batches one epoch yields. */
export function numBatches(n: number, batchSize: number, dropRemainder = false): number {
  return dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Lazily yields batches; tensors are created per batch and the CALLER disposes them.
 * Options are checked at the call (errors are thrown here, not at the first iteration).
 */
export function batches(ds: Dataset, opts: BatchOptions): Generator<Batch> {
  validate(ds);
  const { batchSize } = opts;
  checkPositiveInt(batchSize, 'batches: batchSize');
  const seed = opts.seed ?? 0;
  const epoch = opts.epoch ?? 0;
  let src = { x: ds.x, sampleShape: ds.sampleShape };
  if (opts.view !== undefined) {
    const v = ds.views?.[opts.view];
    if (!v)
      throw new Error(`batches: view '${opts.view}' not in dataset views [${Object.keys(ds.views ?? {}).join(', ')}]`);
    src = v;
  }
  const size = sampleSize(src.sampleShape);
  const shape = opts.inputShape ?? src.sampleShape;
  if (sampleSize(shape) !== size) {
    throw new Error(
      `batches: inputShape [${shape.join(', ')}] has ${sampleSize(shape)} elements, sample shape [${src.sampleShape.join(', ')}] has ${size}`,
    );
  }
  const maxShift = opts.maxShift ?? 2;
  if (opts.augment && src.sampleShape.length !== 3) {
    throw new Error(
      `batches: augment (jitter) needs image samples [H, W, C], got sample shape [${src.sampleShape.join(', ')}]`,
    );
  }
  const viewNames = opts.views ?? Object.keys(ds.views ?? {});
  for (const v of viewNames) if (!ds.views?.[v]) throw new Error(`batches: views lists '${v}', not in dataset views`);

  const order = opts.shuffle ? permutation(ds.n, deriveSeed(seed, epoch, 1)) : null;
  const augRng = mulberry32(deriveSeed(seed, epoch, 2));
  const nb = numBatches(ds.n, batchSize, opts.dropRemainder);
  return generate();

  function* generate(): Generator<Batch> {
    for (let b = 0; b < nb; b++) {
      const start = b * batchSize;
      const end = Math.min(ds.n, start + batchSize);
      const idx = new Int32Array(end - start);
      for (let j = 0; j < idx.length; j++) idx[j] = order ? order[start + j] : start + j;
      let xs = gatherRows(src.x, size, idx);
      if (opts.augment) {
        const [H, W, C] = src.sampleShape;
        xs = jitter(xs, idx.length, H, W, C, augRng, maxShift);
      }
      const batch: Batch = {
        x: tf.tensor(xs, [idx.length, ...shape], 'float32'),
        y: tf.tensor1d(
          Int32Array.from(idx, (i) => ds.y[i]),
          'int32',
        ),
        index: idx,
      };
      if (viewNames.length) {
        batch.views = {};
        for (const v of viewNames) {
          const view = ds.views![v];
          batch.views[v] = tf.tensor(
            gatherRows(view.x, sampleSize(view.sampleShape), idx),
            [idx.length, ...view.sampleShape],
            'float32',
          );
        }
      }
      yield batch;
    }
  }
}

/**
 * Copy of one HWC image translated by (dx, dy) pixels — content moves right by dx and down by dy —
 * with the uncovered border filled with zeros: out[r, c] = img[r − dy, c − dx] or 0 outside.
 */
export function shiftImage(
  img: Float32Array,
  H: number,
  W: number,
  C: number,
  dx: number,
  dy: number,
  out = new Float32Array(H * W * C),
  offset = 0,
): Float32Array {
  for (let r = 0; r < H; r++) {
    const sr = r - dy;
    for (let c = 0; c < W; c++) {
      const sc = c - dx;
      const o = offset + (r * W + c) * C;
      if (sr < 0 || sr >= H || sc < 0 || sc >= W) {
        for (let k = 0; k < C; k++) out[o + k] = 0;
      } else {
        const s = (sr * W + sc) * C;
        for (let k = 0; k < C; k++) out[o + k] = img[s + k];
      }
    }
  }
  return out;
}

/**
 * Per-sample random translation: for each of the n images draws dx, dy uniformly in
 * {−maxShift, …, maxShift} (dx first, then dy, from `rng`) and applies shiftImage (zero fill).
 */
export function jitter(
  x: Float32Array,
  n: number,
  H: number,
  W: number,
  C: number,
  rng: Rng,
  maxShift = 2,
): Float32Array {
  if (!Number.isInteger(maxShift) || maxShift < 0)
    throw new Error(`jitter: maxShift must be a non-negative integer, got ${maxShift}`);
  const size = H * W * C;
  if (x.length !== n * size) throw new Error(`jitter: x has ${x.length} floats, expected n·H·W·C = ${n * size}`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) {
    const dx = randInt(rng, -maxShift, maxShift);
    const dy = randInt(rng, -maxShift, maxShift);
    shiftImage(x.subarray(i * size, (i + 1) * size), H, W, C, dx, dy, out, i * size);
  }
  return out;
}

/** One-hot float32 [n, classes] from integer labels (throws on a label outside [0, classes)). */
export function oneHot(labels: ArrayLike<number> | tf.Tensor1D, classes: number): tf.Tensor2D {
  const ys = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  for (let i = 0; i < ys.length; i++) {
    if (!Number.isInteger(ys[i]) || ys[i] < 0 || ys[i] >= classes) {
      throw new Error(`oneHot: labels must be integers in [0, ${classes}), got ${ys[i]} at index ${i}`);
    }
  }
  return tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(ys), 'int32'), classes).toFloat() as tf.Tensor2D);
}
