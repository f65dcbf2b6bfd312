/**
 * Reader for the IDX format of MNIST / Fashion-MNIST (LeCun's "THE MNIST DATABASE" page):
 *   magic: 2 zero bytes, a type byte (0x08 = unsigned byte), a byte with the number of dimensions;
 *   then one big-endian uint32 per dimension; then the data, row-major.
 *   Images: magic 2051 (0x00000803), dims [n, rows, cols]; labels: magic 2049 (0x00000801), dims [n].
 * Files may be gzipped (detected by the gzip magic bytes 1f 8b, not by the file name).
 * Every error names the file and says what was expected and what was found.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { Dataset } from './dataset';

const IMAGES_MAGIC = 2051;
const LABELS_MAGIC = 2049;

interface Idx {
  dims: number[];
  data: Uint8Array;
}

function readIdx(file: string, expectedMagic: number, what: string): Idx {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`IDX ${what} file ${file} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = zlib.gunzipSync(buf);
    } catch (e) {
      throw new Error(`IDX ${what} file ${file} is gzip-compressed but corrupt or truncated: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
  if (buf.length < 4) {
    throw new Error(
      `IDX ${what} file ${file} is truncated: ${buf.length} bytes, expected at least a 4-byte magic number`,
    );
  }
  const magic = buf.readUInt32BE(0);
  if (magic !== expectedMagic) {
    throw new Error(
      `IDX ${what} file ${file} has wrong magic number ${magic} (0x${magic.toString(16).padStart(8, '0')}), ` +
        `expected ${expectedMagic} (0x${expectedMagic.toString(16).padStart(8, '0')})`,
    );
  }
  const ndim = buf[3];
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new Error(`IDX ${what} file ${file} is truncated: header needs ${headerBytes} bytes, file has ${buf.length}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - headerBytes;
  if (have < expected) {
    throw new Error(
      `IDX ${what} file ${file} is truncated: header says dims [${dims.join(', ')}] = ${expected} data bytes, ` +
        `file has ${have}`,
    );
  }
  if (have > expected) {
    throw new Error(
      `IDX ${what} file ${file} is corrupt: header says dims [${dims.join(', ')}] = ${expected} data bytes, ` +
        `file has ${have} (${have - expected} extra)`,
    );
  }
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, expected) };
}

/**
 * Load an IDX image file + label file into a Dataset: x = bytes / 255 in [0, 1],
 * sampleShape [rows, cols, 1], classes = `classes` (default 10); with `limit`, the first `limit` samples only
 * (a short run skips converting the rest).
 */
export function loadIdx(
  imagesPath: string,
  labelsPath: string,
  opts: { classes?: number; limit?: number } = {},
): Dataset {
  const classes = opts.classes ?? 10;
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0))
    throw new Error(`loadIdx: limit must be a positive integer, got ${opts.limit}`);
  const img = readIdx(imagesPath, IMAGES_MAGIC, 'images');
  const lab = readIdx(labelsPath, LABELS_MAGIC, 'labels');
  const [all, rows, cols] = img.dims;
  if (all !== lab.dims[0]) {
    throw new Error(
      `IDX count mismatch: images file ${imagesPath} has ${all} images but labels file ${labelsPath} has ${lab.dims[0]} labels`,
    );
  }
  const n = Math.min(all, opts.limit ?? all);
  const x = new Float32Array(n * rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = img.data[i] / 255;
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (lab.data[i] >= classes) {
      throw new Error(
        `IDX labels file ${labelsPath}: label ${lab.data[i]} at index ${i} is out of range, expected < classes = ${classes}`,
      );
    }
    y[i] = lab.data[i];
  }
  return { x, y, n, sampleShape: [rows, cols, 1], classes };
}

/** The four standard file stems of MNIST-style distributions. */
const STEMS = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
};

/** Whether `p` exists; false for a path Node's permission model hides (a graded kernel, kernel/assign/sandbox.ts). */
function visible(p: string): boolean {
  try {
    return fs.existsSync(p);
  } catch {
    return false;
  }
}

function findFile(dir: string, stems: string[]): string {
  for (const s of stems) {
    for (const f of [s, `${s}.gz`]) {
      const p = path.join(dir, f);
      if (visible(p)) return p;
    }
  }
  throw new Error(`idxDataset: folder ${dir} has none of ${stems.map((s) => `${s}[.gz]`).join(', ')}`);
}

/** The four files of the standard layout in `dir` (with or without .gz); throws naming the first one missing. */
export function idxFiles(dir: string): {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
} {
  return {
    trainImages: findFile(dir, STEMS.trainImages),
    trainLabels: findFile(dir, STEMS.trainLabels),
    testImages: findFile(dir, STEMS.testImages),
    testLabels: findFile(dir, STEMS.testLabels),
  };
}

/**
 * Load the standard 4-file layout (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
 * t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]) from a folder: full MNIST or Fashion-MNIST.
 * Used in chapter 4 (its `idxDir` parameter).
 */
export function idxDataset(dir: string, opts: { classes?: number } = {}): { train: Dataset; test: Dataset } {
  if (!fs.existsSync(dir)) throw new Error(`idxDataset: folder ${dir} does not exist`);
  const f = idxFiles(dir);
  return { train: loadIdx(f.trainImages, f.trainLabels, opts), test: loadIdx(f.testImages, f.testLabels, opts) };
}

/** Where Debian's `dataset-fashion-mnist` package installs the files (apt-get install dataset-fashion-mnist). */
export const FASHION_MNIST_DEBIAN_DIR = '/usr/share/datasets/fashion-mnist';

/** Fashion-MNIST class names (Xiao, Rasul & Vollgraf 2017), index = label. */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

function fashionMnistCandidates(dir?: string): string[] {
  return [dir, process.env.KDLAB_FASHION_MNIST, FASHION_MNIST_DEBIAN_DIR].filter((d): d is string => !!d);
}

/**
 * The Fashion-MNIST folder fashionMnist() would read (env KDLAB_FASHION_MNIST, else Debian's), or undefined.
 * Also found when only its train files are readable (a graded kernel: see fashionMnistTrain).
 */
export function fashionMnistDir(): string | undefined {
  return fashionMnistCandidates().find(
    (d) => visible(d) || STEMS.trainImages.some((s) => visible(path.join(d, `${s}.gz`)) || visible(path.join(d, s))),
  );
}

/**
 * Fashion-MNIST's 60,000 training images only (the first `limit`, if given), from the folder fashionMnistDir()
 * finds (or `dir`). The test files are not opened: a kernel grading A4 (notebooks/assignments/a4-mini-project)
 * may read the train files and nothing else of the data set, because the test files hold its held-out set.
 */
export function fashionMnistTrain(opts: { dir?: string; limit?: number } = {}): Dataset {
  const dir = opts.dir ?? fashionMnistDir();
  if (!dir)
    throw new Error(
      `fashionMnistTrain: no Fashion-MNIST folder found (looked in ${fashionMnistCandidates().join(', ')}); ` +
        `install it with 'apt-get install dataset-fashion-mnist', or pass { dir } / set KDLAB_FASHION_MNIST`,
    );
  return loadIdx(findFile(dir, STEMS.trainImages), findFile(dir, STEMS.trainLabels), { limit: opts.limit });
}

/**
 * Fashion-MNIST (60,000 train / 10,000 test, 28×28 grey, 10 classes) from `dir`, else env
 * KDLAB_FASHION_MNIST, else Debian's folder. Throws saying where it looked and how to install.
 */
export function fashionMnist(opts: { dir?: string } = {}): { train: Dataset; test: Dataset } {
  const candidates = fashionMnistCandidates(opts.dir);
  const dir = opts.dir ?? fashionMnistDir();
  if (!dir) {
    throw new Error(
      `fashionMnist: no Fashion-MNIST folder found (looked in ${candidates.join(', ')}); ` +
        `install it with 'apt-get install dataset-fashion-mnist', or pass { dir } / set KDLAB_FASHION_MNIST`,
    );
  }
  return idxDataset(dir);
}
