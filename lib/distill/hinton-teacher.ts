/**
 * Hinton et al.'s (2015) MNIST teacher as the chapters train it: its data (the sample and the validation split),
 * its training recipe and its cache key, in one place, so every chapter that uses "the teacher" gets the same
 * weights — the first chapter of a run trains it, the others load it from the teacher cache.
 */
import type * as tf from '@tensorflow/tfjs';
import { type Dataset, idxDataset, mnist, split } from '../data';
import { hintonTeacher } from '../models/mlp';
import { cachedModel } from './cache';
import { Distiller } from './distiller';
import type { TrainingCallbacks } from './types';

export interface HintonMnistTeacherOptions {
  /** Folder with the four standard MNIST / Fashion-MNIST IDX files; when given, `mnist` is ignored. */
  idxDir?: string;
  /** Sizes of the sample of the bundled MNIST digits (kd.data.mnist); default train 2000, test 8000, seed 0. */
  mnist?: { train: number; test: number; seed?: number };
  /** Fraction of the training digits held out as the validation set (split with seed 0), in [0, 1). */
  validation: number;
  /** Training epochs of the teacher. */
  epochs: number;
  /** Default 128. */
  batchSize?: number;
  /** Initial weights, dropout masks and batch order. Default 0. */
  seed?: number;
  /** Shown while the teacher trains (e.g. the kernel's progressBar); not part of the key. */
  callbacks?: TrainingCallbacks | TrainingCallbacks[];
  /** Cache folder (default: kd.distill.cacheDir()). */
  cacheDir?: string;
}

export interface HintonMnistTeacher {
  teacher: tf.LayersModel;
  /** The digits the teacher trained on, the held-out validation digits and the test digits. */
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /** The cache key the teacher is stored under. */
  key: object;
  /** True when this call trained the teacher, false when it came from the cache. */
  trained: boolean;
}

function checkOptions(opts: HintonMnistTeacherOptions): void {
  if (opts == null || typeof opts !== 'object')
    throw new Error(`hintonMnistTeacher: expected options {validation, epochs, ...}, got ${String(opts)}`);
  if (!(typeof opts.validation === 'number' && opts.validation >= 0 && opts.validation < 1))
    throw new Error(`hintonMnistTeacher: validation must be a fraction in [0, 1), got ${opts.validation}`);
  if (!(Number.isInteger(opts.epochs) && opts.epochs >= 1))
    throw new Error(`hintonMnistTeacher: epochs must be an integer >= 1, got ${opts.epochs}`);
  const bs = opts.batchSize ?? 128;
  if (!(Number.isInteger(bs) && bs >= 1))
    throw new Error(`hintonMnistTeacher: batchSize must be an integer >= 1, got ${bs}`);
  if (opts.idxDir !== undefined && (typeof opts.idxDir !== 'string' || opts.idxDir === ''))
    throw new Error(`hintonMnistTeacher: idxDir must be a non-empty folder path, got ${JSON.stringify(opts.idxDir)}`);
}

/**
 * The teacher's cache key: everything that determines its weights. Chapter 4 wrote this object by hand before it
 * moved here; it is kept field for field, so teachers cached by earlier runs are still found.
 */
export function hintonMnistTeacherKey(opts: HintonMnistTeacherOptions): object {
  checkOptions(opts);
  const m = opts.mnist ?? { train: 2000, test: 8000 };
  const data = opts.idxDir
    ? { idxDir: opts.idxDir, validation: opts.validation }
    : { mnist: { train: m.train, test: m.test, seed: m.seed ?? 0 }, validation: opts.validation };
  return {
    model: 'hintonTeacher',
    epochs: opts.epochs,
    batchSize: opts.batchSize ?? 128,
    augment: true,
    seed: opts.seed ?? 0,
    data,
  };
}

/**
 * The teacher's data: the MNIST sample (or the IDX files) and its training digits split into train / validation
 * (seed 0). A chapter can show the sizes before the teacher is trained or loaded.
 * Used in chapters 2 and 4 (the set-up cell).
 */
export function hintonMnistTeacherData(opts: HintonMnistTeacherOptions): {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
} {
  const key = hintonMnistTeacherKey(opts) as { data: { mnist?: { train: number; test: number; seed: number } } };
  const source = opts.idxDir ? idxDataset(opts.idxDir) : mnist(key.data.mnist);
  return { ...split(source.train, opts.validation, 0), test: source.test };
}

/**
 * Hinton's 784-1200-1200-10 teacher (dropout, ±2 px jitter, cross-entropy, Adam) trained on a sample of MNIST
 * (or IDX files), with its train / validation / test sets. Loaded from the teacher cache when a run with the
 * same options stored it; trained and stored otherwise.
 * Used in chapters 2 and 4 (the shared teacher).
 */
export async function hintonMnistTeacher(opts: HintonMnistTeacherOptions): Promise<HintonMnistTeacher> {
  const key = hintonMnistTeacherKey(opts);
  const seed = opts.seed ?? 0;
  const { train, validation, test } = hintonMnistTeacherData(opts);
  let trained = false;
  const teacher = await cachedModel(
    key,
    async () => {
      trained = true;
      const model = hintonTeacher({ seed });
      const trainer = new Distiller({ student: model, task: 'crossEntropy', seed });
      try {
        await trainer.fit(train, {
          epochs: opts.epochs,
          batchSize: opts.batchSize ?? 128,
          augment: true,
          callbacks: opts.callbacks,
        });
      } catch (e) {
        model.dispose();
        throw e;
      } finally {
        trainer.dispose(); // frees the optimizer state; the model stays
      }
      return model;
    },
    { dir: opts.cacheDir },
  );
  return { teacher, train, validation, test, key, trained };
}
