/**
 * The metric-learning setting of chapters 5 and 6 (Yu et al. 2019, Park et al. 2019) in one place: the
 * disjoint-class data (train on some classes, retrieve among classes never trained on) and the embedding
 * teacher trained on it with a triplet loss, cached under a key of everything that determines its weights,
 * so chapter 6 loads the teacher chapter 5 trained (and the other way round).
 *
 * Why these choices (measured on Fashion-MNIST, classes 0–4 → 5–9, tensorflow backend, session 8):
 * - Every image sits at a random offset of up to ±2 px (drawn once per image). On centred 28 × 28 images raw
 *   pixel distances are already a strong retrieval metric (Recall@1 ≈ 89–91 % on the unseen classes) and no
 *   triplet teacher tried beat them; with the offsets pixels fall to ≈ 85 % and the teacher reaches 86–88 %,
 *   while a compact student alone stays near pixels — so there is something for the student to learn.
 * - No dense hidden layer and margin 0.05: with a 128-unit hidden layer (or margin 0.2) the teacher fitted the
 *   five train classes and fell below raw pixels on the unseen ones; longer training or more data did the same.
 * - The teacher trains on the same 200 images per class in quick and full mode (full mode only retrieves among
 *   more unseen images), so both modes and both chapters share one cached teacher.
 */
import type * as tf from '@tensorflow/tfjs';
import {
  type Dataset,
  FASHION_MNIST_CLASSES,
  fashionMnistDir,
  idxDataset,
  jitter,
  mnistAll,
  splitByClass,
  subset,
} from '../data';
import { mulberry32, permutation } from '../common/random';
import { embeddingNet, type EmbeddingNetOptions } from '../models/embedding';
import { cachedModel } from './cache';
import { Distiller } from './distiller';
import type { TrainingCallbacks } from './types';

export interface MetricLearningOptions {
  /** Preset sizes: quick (CI) or full (the published run). Default false. Explicit sizes below override it. */
  quick?: boolean;
  /** 'auto' (default): Fashion-MNIST when installed (kd.data.fashionMnistDir), else the 10,000 bundled MNIST
   * digits; 'fashion-mnist' (throws when it is not installed) or 'bundled-mnist'. */
  source?: 'auto' | 'fashion-mnist' | 'bundled-mnist';
  /** A folder with the four IDX files to use instead of `source`: train-class samples from its train files,
   * unseen-class samples from its test files. */
  idxDir?: string;
  /** Classes the teacher (and every student) trains on; the others are the unseen retrieval classes. Default 0–4. */
  trainClasses?: number[];
  /** Training samples per train class (200 in both presets). */
  trainPerClass?: number;
  /** Retrieval samples per unseen class (quick 200, full 400). */
  testPerClass?: number;
  /** Largest offset in pixels of every image, drawn once per image (kd.data.jitter). Default 2; 0 = centred. */
  jitter?: number;
  /** Teacher epochs (3 in both presets). */
  epochs?: number;
  /** Default 100. */
  batchSize?: number;
  /** Teacher initial weights and batch order; also seeds the per-class sample and the offsets. Default 0. */
  seed?: number;
  /** Shown while the teacher trains (e.g. the kernel's progressBar); not part of the key. */
  callbacks?: TrainingCallbacks | TrainingCallbacks[];
  /** Cache folder (default: kd.distill.cacheDir()). */
  cacheDir?: string;
}

/** The sizes and recipe after presets and defaults. */
export interface MetricLearningRecipe {
  data: {
    /** 'fashion-mnist', 'bundled-mnist' or the idxDir folder. */
    source: string;
    /** The folder read, when not the bundled digits. */
    dir?: string;
    /** Name of each label 0–9 (Fashion-MNIST's garments, or the digits). */
    classNames: string[];
    trainClasses: number[];
    testClasses: number[];
    trainPerClass: number;
    testPerClass: number;
    jitter: number;
  };
  teacher: EmbeddingNetOptions;
  loss: { task: 'triplet'; mining: 'distanceWeighted'; margin: number };
  epochs: number;
  batchSize: number;
  seed: number;
  /** One sentence naming the data and the class split, saying so when Fashion-MNIST was asked for (auto) but is
   * not installed — for the chapter's first cell. */
  note: string;
}

export interface MetricLearningSetting {
  /** The embedding teacher (64-d, L2-normalised output 'embedding'). */
  teacher: tf.LayersModel;
  /** Samples of the train classes (what teacher and students train on). */
  train: Dataset;
  /** Samples of the unseen classes: queries and gallery at once (Recall@K leave-one-out). */
  test: Dataset;
  recipe: MetricLearningRecipe;
  /** The cache key the teacher is stored under. */
  key: object;
  /** True when this call trained the teacher, false when it came from the cache. */
  trained: boolean;
}

const PRESETS = {
  quick: { trainPerClass: 200, testPerClass: 200, epochs: 3 },
  full: { trainPerClass: 200, testPerClass: 400, epochs: 3 },
};

/** The teacher's architecture: a CNN embedding net ≈ 0.22 M parameters (conv32-conv64 → 64-d). */
const TEACHER: EmbeddingNetOptions = { filters: [32, 64], hidden: [], dim: 64, name: 'metric_teacher' };

const SOURCES = ['auto', 'fashion-mnist', 'bundled-mnist'];

const posInt = (v: number, name: string) => {
  if (!(Number.isInteger(v) && v >= 1))
    throw new Error(`metricLearningSetting: ${name} must be an integer >= 1, got ${v}`);
  return v;
};

const nonNegInt = (v: number, name: string) => {
  if (!(Number.isInteger(v) && v >= 0))
    throw new Error(`metricLearningSetting: ${name} must be an integer >= 0, got ${v}`);
  return v;
};

/** Which images: an explicit idxDir, else Fashion-MNIST when installed (for 'auto'), else the bundled digits. */
function resolveSource(opts: MetricLearningOptions): { source: string; dir?: string; missingFashion: boolean } {
  const asked = opts.source ?? 'auto';
  if (!SOURCES.includes(asked))
    throw new Error(
      `metricLearningSetting: source must be one of ${SOURCES.join(', ')}, got ${JSON.stringify(opts.source)}`,
    );
  if (opts.idxDir !== undefined) {
    if (typeof opts.idxDir !== 'string' || opts.idxDir === '')
      throw new Error(
        `metricLearningSetting: idxDir must be a non-empty folder path, got ${JSON.stringify(opts.idxDir)}`,
      );
    if (opts.source !== undefined)
      throw new Error(`metricLearningSetting: give idxDir or source, not both (got source '${opts.source}')`);
    return { source: opts.idxDir, dir: opts.idxDir, missingFashion: false };
  }
  if (asked === 'bundled-mnist') return { source: 'bundled-mnist', missingFashion: false };
  const dir = fashionMnistDir();
  if (dir) return { source: 'fashion-mnist', dir, missingFashion: false };
  if (asked === 'fashion-mnist')
    throw new Error(
      'metricLearningSetting: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or set ' +
        "KDLAB_FASHION_MNIST to a folder with its four IDX files); pass source: 'auto' to fall back to the bundled digits",
    );
  return { source: 'bundled-mnist', missingFashion: true };
}

/**
 * Presets and defaults resolved, options checked, the data source found.
 * @param opts see MetricLearningOptions
 */
export function metricLearningRecipe(opts: MetricLearningOptions = {}): MetricLearningRecipe {
  if (opts == null || typeof opts !== 'object')
    throw new Error(`metricLearningSetting: expected an options object, got ${String(opts)}`);
  const { source, dir, missingFashion } = resolveSource(opts);
  const preset = opts.quick ? PRESETS.quick : PRESETS.full;
  const trainClasses = opts.trainClasses ?? [0, 1, 2, 3, 4];
  if (
    !Array.isArray(trainClasses) ||
    trainClasses.length < 2 ||
    trainClasses.some((c) => !Number.isInteger(c) || c < 0 || c > 9)
  )
    throw new Error(
      `metricLearningSetting: trainClasses must list at least 2 classes in 0–9 (a triplet needs a negative), got ${JSON.stringify(trainClasses)}`,
    );
  const testClasses = [...Array(10).keys()].filter((c) => !trainClasses.includes(c));
  if (testClasses.length < 2)
    throw new Error(
      `metricLearningSetting: at least 2 classes must be left unseen for retrieval, got ${testClasses.length}`,
    );
  const sorted = [...trainClasses].sort((a, b) => a - b);
  const classNames = source === 'fashion-mnist' ? [...FASHION_MNIST_CLASSES] : [...Array(10).keys()].map(String);
  const names = (cs: number[]) => cs.map((c) => classNames[c]).join(', ');
  const shift = nonNegInt(opts.jitter ?? 2, 'jitter');
  const what =
    source === 'fashion-mnist'
      ? `Fashion-MNIST (${dir})`
      : source === 'bundled-mnist'
        ? 'the 10,000 MNIST digits bundled with kdlab'
        : `the IDX files in ${dir}`;
  const note =
    (missingFashion
      ? 'Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist, or set KDLAB_FASHION_MNIST), so this ' +
        'run uses the 10,000 MNIST digits bundled with kdlab instead; the text was written for Fashion-MNIST. '
      : '') +
    `Data: ${what}; train classes ${names(sorted)}; unseen classes ${names(testClasses)}` +
    (shift > 0 ? `; every image shifted by up to ±${shift} px.` : '.');
  return {
    data: {
      source,
      ...(dir ? { dir } : {}),
      classNames,
      trainClasses: sorted,
      testClasses,
      trainPerClass: posInt(opts.trainPerClass ?? preset.trainPerClass, 'trainPerClass'),
      testPerClass: posInt(opts.testPerClass ?? preset.testPerClass, 'testPerClass'),
      jitter: shift,
    },
    teacher: TEACHER,
    loss: { task: 'triplet', mining: 'distanceWeighted', margin: 0.05 },
    epochs: posInt(opts.epochs ?? preset.epochs, 'epochs'),
    batchSize: posInt(opts.batchSize ?? 100, 'batchSize'),
    seed: opts.seed ?? 0,
    note,
  };
}

/**
 * The first `perClass` samples of each class of `classes` in a seeded shuffle of `ds`, kept in that shuffled order
 * (so batches mix the classes). Throws when a class has fewer samples.
 * @param ds the source
 * @param classes the classes to keep
 * @param perClass samples per class
 * @param seed seed of the shuffle
 */
export function samplePerClass(ds: Dataset, classes: number[], perClass: number, seed: number): Dataset {
  const wanted = new Map(classes.map((c) => [c, 0]));
  const keep: number[] = [];
  for (const i of permutation(ds.n, seed)) {
    const got = wanted.get(ds.y[i]);
    if (got !== undefined && got < perClass) {
      wanted.set(ds.y[i], got + 1);
      keep.push(i);
    }
  }
  for (const [c, got] of wanted) {
    if (got < perClass)
      throw new Error(`samplePerClass: class ${c} has ${got} samples, fewer than the ${perClass} asked for`);
  }
  return subset(ds, keep);
}

/** Every image of `ds` moved by its own random offset of up to ±`maxShift` px (zero fill). */
function shifted(ds: Dataset, maxShift: number, seed: number): Dataset {
  if (maxShift === 0) return ds;
  const [h, w, c] = ds.sampleShape;
  return { ...ds, x: jitter(ds.x, ds.n, h, w, c, mulberry32(seed), maxShift) };
}

/**
 * The setting's data without the teacher: the train-class samples and the unseen-class retrieval set, each image
 * at its random offset.
 * @param opts see MetricLearningOptions
 */
export function metricLearningData(opts: MetricLearningOptions = {}): { train: Dataset; test: Dataset } {
  const { data, seed } = metricLearningRecipe(opts);
  const source = data.dir ? idxDataset(data.dir) : { train: mnistAll(), test: mnistAll() };
  // With the bundled digits both sets come from the same 10,000 images; the class split keeps them disjoint.
  const train = splitByClass(source.train, data.trainClasses, data.testClasses).train;
  const test = splitByClass(source.test, data.trainClasses, data.testClasses).test;
  return {
    train: shifted(samplePerClass(train, data.trainClasses, data.trainPerClass, seed), data.jitter, seed + 2),
    test: shifted(samplePerClass(test, data.testClasses, data.testPerClass, seed + 1), data.jitter, seed + 3),
  };
}

/**
 * The teacher's cache key: everything that determines its weights — not the retrieval set's size, the note, the
 * folder the data was read from, the callbacks or the cache folder.
 * @param opts see MetricLearningOptions
 */
export function metricLearningTeacherKey(opts: MetricLearningOptions = {}): object {
  const { data, teacher, loss, epochs, batchSize, seed } = metricLearningRecipe(opts);
  const { source, trainClasses, trainPerClass, jitter: shift } = data;
  return {
    model: 'metricLearningTeacher',
    version: 2,
    data: { source, trainClasses, trainPerClass, jitter: shift },
    teacher,
    loss,
    epochs,
    batchSize,
    seed,
  };
}

/**
 * The disjoint-class metric-learning setting of chapters 5 and 6 with its embedding teacher, loaded from the
 * teacher cache when a run with the same options stored it, trained and stored otherwise.
 * @param opts `quick` picks the preset sizes; see MetricLearningOptions
 * @example
 * const { teacher, train, test } = await kd.distill.metricLearningSetting({ quick });
 * const [r1, r2, r4, r8] = kd.distill.retrievalRecall(kd.distill.predict(teacher, test), test.y);
 */
export async function metricLearningSetting(opts: MetricLearningOptions = {}): Promise<MetricLearningSetting> {
  const recipe = metricLearningRecipe(opts);
  const key = metricLearningTeacherKey(opts);
  const { train, test } = metricLearningData(opts);
  let trained = false;
  const teacher = await cachedModel(
    key,
    async () => {
      trained = true;
      const model = embeddingNet({ ...recipe.teacher, seed: recipe.seed });
      const trainer = new Distiller({
        student: model,
        task: 'triplet',
        taskOptions: { mining: recipe.loss.mining, margin: recipe.loss.margin },
        seed: recipe.seed,
      });
      try {
        await trainer.fit(train, { epochs: recipe.epochs, batchSize: recipe.batchSize, callbacks: opts.callbacks });
      } catch (e) {
        model.dispose();
        throw e;
      } finally {
        trainer.dispose();
      }
      return model;
    },
    { dir: opts.cacheDir },
  );
  return { teacher, train, test, recipe, key, trained };
}
