/**
 * The metric-learning setting of chapters 5 and 6 (Yu et al. 2019, Park et al. 2019) in one place: the
 * disjoint-class data (train on some classes, retrieve among classes never trained on) and the embedding
 * teacher trained on it with a triplet loss, cached under a key of everything that determines its weights,
 * so chapter 6 loads the teacher chapter 5 trained (and the other way round).
 */
import type * as tf from '@tensorflow/tfjs';
import { type Dataset, idxDataset, mnistAll, splitByClass, subset } from '../data';
import { permutation } from '../common/random';
import { embeddingNet, type EmbeddingNetOptions } from '../models/embedding';
import { cachedModel } from './cache';
import { Distiller } from './distiller';
import type { TrainingCallbacks } from './types';

export interface MetricLearningOptions {
  /** Preset sizes: quick (CI) or full (the published run). Default false. Explicit sizes below override it. */
  quick?: boolean;
  /** Folder with the four IDX files (e.g. Fashion-MNIST): train-class samples from its train files, unseen-class
   * samples from its test files. Default: the 10,000 bundled MNIST digits. */
  idxDir?: string;
  /** Classes the teacher (and every student) trains on; the others are the unseen retrieval classes. Default 0–4. */
  trainClasses?: number[];
  /** Training samples per train class (quick 200, full 800). */
  trainPerClass?: number;
  /** Retrieval samples per unseen class (quick 200, full 400). */
  testPerClass?: number;
  /** Teacher epochs (quick 3, full 6). */
  epochs?: number;
  /** Default 100. */
  batchSize?: number;
  /** Teacher initial weights and batch order; also seeds the per-class sample. Default 0. */
  seed?: number;
  /** Shown while the teacher trains (e.g. the kernel's progressBar); not part of the key. */
  callbacks?: TrainingCallbacks | TrainingCallbacks[];
  /** Cache folder (default: kd.distill.cacheDir()). */
  cacheDir?: string;
}

/** The sizes and recipe after presets and defaults: what the key is made of. */
export interface MetricLearningRecipe {
  data: { source: string; trainClasses: number[]; testClasses: number[]; trainPerClass: number; testPerClass: number };
  teacher: EmbeddingNetOptions;
  loss: { task: 'triplet'; mining: 'distanceWeighted'; margin: number };
  epochs: number;
  batchSize: number;
  seed: number;
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
  full: { trainPerClass: 800, testPerClass: 400, epochs: 6 },
};

/** The teacher's architecture: a CNN embedding net ≈ 0.5 M parameters (conv32-conv64-dense128-64). */
const TEACHER: EmbeddingNetOptions = { filters: [32, 64], hidden: [128], dim: 64, name: 'metric_teacher' };

const posInt = (v: number, name: string) => {
  if (!(Number.isInteger(v) && v >= 1))
    throw new Error(`metricLearningSetting: ${name} must be an integer >= 1, got ${v}`);
  return v;
};

/**
 * Presets and defaults resolved, options checked.
 * @param opts see MetricLearningOptions
 */
export function metricLearningRecipe(opts: MetricLearningOptions = {}): MetricLearningRecipe {
  if (opts == null || typeof opts !== 'object')
    throw new Error(`metricLearningSetting: expected an options object, got ${String(opts)}`);
  if (opts.idxDir !== undefined && (typeof opts.idxDir !== 'string' || opts.idxDir === ''))
    throw new Error(
      `metricLearningSetting: idxDir must be a non-empty folder path, got ${JSON.stringify(opts.idxDir)}`,
    );
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
  return {
    data: {
      source: opts.idxDir ?? 'bundled-mnist',
      trainClasses: [...trainClasses].sort((a, b) => a - b),
      testClasses,
      trainPerClass: posInt(opts.trainPerClass ?? preset.trainPerClass, 'trainPerClass'),
      testPerClass: posInt(opts.testPerClass ?? preset.testPerClass, 'testPerClass'),
    },
    teacher: TEACHER,
    loss: { task: 'triplet', mining: 'distanceWeighted', margin: 0.2 },
    epochs: posInt(opts.epochs ?? preset.epochs, 'epochs'),
    batchSize: posInt(opts.batchSize ?? 100, 'batchSize'),
    seed: opts.seed ?? 0,
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

/**
 * The setting's data without the teacher: the train-class samples and the unseen-class retrieval set.
 * @param opts see MetricLearningOptions
 */
export function metricLearningData(opts: MetricLearningOptions = {}): { train: Dataset; test: Dataset } {
  const { data, seed } = metricLearningRecipe(opts);
  const source = opts.idxDir ? idxDataset(opts.idxDir) : { train: mnistAll(), test: mnistAll() };
  // With the bundled digits both sets come from the same 10,000 images; the class split keeps them disjoint.
  const train = splitByClass(source.train, data.trainClasses, data.testClasses).train;
  const test = splitByClass(source.test, data.trainClasses, data.testClasses).test;
  return {
    train: samplePerClass(train, data.trainClasses, data.trainPerClass, seed),
    test: samplePerClass(test, data.testClasses, data.testPerClass, seed + 1),
  };
}

/**
 * The teacher's cache key: everything that determines its weights (not the callbacks or the cache folder).
 * @param opts see MetricLearningOptions
 */
export function metricLearningTeacherKey(opts: MetricLearningOptions = {}): object {
  return { model: 'metricLearningTeacher', version: 1, ...metricLearningRecipe(opts) };
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
