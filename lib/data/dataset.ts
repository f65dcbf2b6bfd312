/**
 * The Dataset type every part of kdlab passes around, and the pure operations on it
 * (subset, split, withoutClasses, splitByClass). Data lives in flat typed arrays, sample-major, so a batch
 * is one contiguous slice and nothing is a per-pixel JS object.
 */
import { deriveSeed, mulberry32, permutation } from '../common/random';

/** Another modality of the same samples (same order, same labels), e.g. a different sensor. */
export interface View {
  x: Float32Array;
  sampleShape: number[];
}

export interface Dataset {
  /** n · prod(sampleShape) floats, sample-major (sample i is x[i*size .. (i+1)*size)). Images are HWC. */
  x: Float32Array;
  /** n integer labels in [0, classes). */
  y: Int32Array;
  n: number;
  /** Shape of one sample, e.g. [28, 28, 1]. */
  sampleShape: number[];
  /** Number of classes of the task (kept by subset/withoutClasses: a model still has `classes` outputs). */
  classes: number;
  /** Other modalities, e.g. { image, profiles } from crossModal(); each aligned sample-by-sample with x and y. */
  views?: Record<string, View>;
}

/** Number of floats in one sample. */
export function sampleSize(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Throws a clear Error if the Dataset's arrays disagree with its n / sampleShape / classes. */
export function validate(ds: Dataset, name = 'dataset'): Dataset {
  if (ds == null || typeof ds !== 'object') throw new Error(`${name} must be a Dataset object, got ${String(ds)}`);
  if (!(ds.x instanceof Float32Array)) throw new Error(`${name}.x must be a Float32Array`);
  if (!(ds.y instanceof Int32Array)) throw new Error(`${name}.y must be an Int32Array`);
  if (!Number.isInteger(ds.n) || ds.n < 0) throw new Error(`${name}.n must be a non-negative integer, got ${ds.n}`);
  const size = sampleSize(ds.sampleShape);
  if (ds.x.length !== ds.n * size) {
    throw new Error(
      `${name}.x has ${ds.x.length} floats, expected n·prod(sampleShape) = ${ds.n}·${size} = ${ds.n * size}`,
    );
  }
  if (ds.y.length !== ds.n) throw new Error(`${name}.y has ${ds.y.length} labels, expected n = ${ds.n}`);
  for (const [k, v] of Object.entries(ds.views ?? {})) {
    const vs = sampleSize(v.sampleShape);
    if (v.x.length !== ds.n * vs) {
      throw new Error(`${name}.views.${k}.x has ${v.x.length} floats, expected ${ds.n}·${vs} = ${ds.n * vs}`);
    }
  }
  return ds;
}

/**
 * Copy the given samples (in the given order) into a new Dataset, views included.
 * Used in chapter 4 (single digits and probe batches in §4.1 and §4.4).
 */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  validate(ds);
  const idx = Array.from(indices);
  for (const i of idx) {
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw new Error(`subset: indices must be integers in [0, ${ds.n}), got ${i}`);
    }
  }
  const out: Dataset = {
    x: gatherRows(ds.x, sampleSize(ds.sampleShape), idx),
    y: Int32Array.from(idx, (i) => ds.y[i]),
    n: idx.length,
    sampleShape: ds.sampleShape.slice(),
    classes: ds.classes,
  };
  if (ds.views) {
    out.views = {};
    for (const [k, v] of Object.entries(ds.views)) {
      out.views[k] = { x: gatherRows(v.x, sampleSize(v.sampleShape), idx), sampleShape: v.sampleShape.slice() };
    }
  }
  return out;
}

/**
 * Seeded random train/validation split: `fraction` of the samples (rounded) go to `validation`,
 * the rest to `train`; the two are disjoint and together cover ds.
 * Used in chapter 4 (the validation split that picks the bias correction of §4.6).
 */
export function split(ds: Dataset, fraction: number, seed = 0): { train: Dataset; validation: Dataset } {
  validate(ds);
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    throw new Error(`split: fraction (the validation share) must be in [0, 1], got ${fraction}`);
  }
  const p = permutation(ds.n, seed);
  const nVal = Math.round(fraction * ds.n);
  return { train: subset(ds, p.subarray(nVal)), validation: subset(ds, p.subarray(0, nVal)) };
}

/**
 * The samples whose label is NOT in `classes`, order kept — the transfer set of Hinton et al. (2015) §3
 * "omitted class" experiment (all 3s removed; the student still has `ds.classes` outputs).
 * Used in chapter 4 (the transfer set without 3s of §4.6).
 */
export function withoutClasses(ds: Dataset, classes: number[]): Dataset {
  validate(ds);
  if (!Array.isArray(classes))
    throw new Error(`withoutClasses: classes must be an array of labels, got ${String(classes)}`);
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c >= ds.classes) {
      throw new Error(`withoutClasses: classes must be integers in [0, ${ds.classes}), got ${c}`);
    }
  }
  const drop = new Set(classes);
  const keep: number[] = [];
  for (let i = 0; i < ds.n; i++) if (!drop.has(ds.y[i])) keep.push(i);
  return subset(ds, keep);
}

/**
 * A copy of `ds` whose labels are corrupted: exactly round(fraction · n) samples, chosen by a seeded permutation,
 * get a label drawn uniformly from the OTHER classes (so every chosen label is wrong). Inputs and views are
 * shared, not copied. Returns the dataset and the indices whose label was changed (ascending).
 * Used in chapter 7 (the deliberately weak teacher of §7.1, trained on corrupted labels).
 * @example
 * const { data } = kd.data.withNoisyLabels(train, { fraction: 0.5, seed: 3 }); // half the labels wrong
 */
export function withNoisyLabels(
  ds: Dataset,
  opts: { fraction: number; seed?: number },
): { data: Dataset; changed: number[] } {
  validate(ds);
  const fraction = opts?.fraction;
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1))
    throw new Error(`withNoisyLabels: fraction (the share of labels to corrupt) must be in [0, 1], got ${fraction}`);
  if (ds.classes < 2)
    throw new Error(`withNoisyLabels: needs at least 2 classes to pick a wrong one, got ${ds.classes}`);
  const seed = opts.seed ?? 0;
  const changed = Array.from(permutation(ds.n, seed).subarray(0, Math.round(fraction * ds.n))).sort((a, b) => a - b);
  const rng = mulberry32(deriveSeed(seed, 1));
  const y = ds.y.slice();
  // A uniform draw among the classes - 1 others: shift past the true label.
  for (const i of changed) y[i] = (ds.y[i] + 1 + Math.floor(rng() * (ds.classes - 1))) % ds.classes;
  return { data: { ...ds, y }, changed };
}

/**
 * Split by class for metric learning on unseen classes (Yu et al. 2019, Park et al. 2019): `train` holds the
 * samples of `trainClasses`, `test` those of `testClasses` (default: every other class), order kept, labels
 * unchanged. The two class sets must be disjoint, so retrieval on `test` measures classes never trained on.
 * @example
 * const { train, test } = kd.data.splitByClass(ds, [0, 1, 2, 3, 4]); // test: classes 5–9
 */
export function splitByClass(
  ds: Dataset,
  trainClasses: number[],
  testClasses?: number[],
): { train: Dataset; test: Dataset } {
  validate(ds);
  const check = (list: unknown, name: string): number[] => {
    if (!Array.isArray(list) || list.length === 0)
      throw new Error(`splitByClass: ${name} must be a non-empty array of labels, got ${JSON.stringify(list)}`);
    for (const c of list) {
      if (!Number.isInteger(c) || (c as number) < 0 || (c as number) >= ds.classes) {
        throw new Error(`splitByClass: ${name} must be integers in [0, ${ds.classes}), got ${String(c)}`);
      }
    }
    return list as number[];
  };
  const trainSet = new Set(check(trainClasses, 'trainClasses'));
  const testList =
    testClasses === undefined
      ? [...Array(ds.classes).keys()].filter((c) => !trainSet.has(c))
      : check(testClasses, 'testClasses');
  const shared = testList.filter((c) => trainSet.has(c));
  if (shared.length)
    throw new Error(
      `splitByClass: class ${shared.join(', ')} is in both trainClasses and testClasses; they must be disjoint`,
    );
  if (testList.length === 0)
    throw new Error(`splitByClass: trainClasses take every class of the dataset; no class is left for test`);
  const testSet = new Set(testList);
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (let i = 0; i < ds.n; i++) {
    if (trainSet.has(ds.y[i])) trainIdx.push(i);
    else if (testSet.has(ds.y[i])) testIdx.push(i);
  }
  if (trainIdx.length === 0 || testIdx.length === 0) {
    throw new Error(
      `splitByClass: the ${trainIdx.length === 0 ? 'train' : 'test'} classes have no samples in this dataset`,
    );
  }
  return { train: subset(ds, trainIdx), test: subset(ds, testIdx) };
}

/** Count of samples per class (length ds.classes). */
export function classCounts(ds: Dataset): number[] {
  const c = new Array<number>(ds.classes).fill(0);
  for (let i = 0; i < ds.n; i++) c[ds.y[i]]++;
  return c;
}

/** Rows idx[0], idx[1], ... of a row-major [n, size] array, copied into a new [idx.length, size] array (subset and batches). */
export function gatherRows(src: Float32Array, size: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * size);
  for (let j = 0; j < idx.length; j++) out.set(src.subarray(idx[j] * size, (idx[j] + 1) * size), j * size);
  return out;
}
