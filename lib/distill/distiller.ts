/**
 * The Distiller: ONE training loop for every knowledge-distillation method of the course
 * (cf. Keras' `Distiller` example and torchdistill's model wrappers).
 *
 *   total = taskWeight · task(student(x_s), y) + Σ_k weight_k · loss_k(student side_k, teacher side_k)
 *
 * - Teachers are frozen: their forward pass runs before the gradient tape starts (inside the step's tidy)
 *   and in inference mode, and only the student's and the adapters' variables are optimised.
 * - A term's sides are the models' outputs or named layer outputs (kd.features.extractor: one forward
 *   pass per model per step however many terms use it); an adapter (FitNets regressor) maps the student
 *   side first and trains with the student.
 * - Cross-modal: the teacher reads `Dataset.views[teacherView]`, the student `views[studentView]`, of the
 *   same samples in the same batch. Every model gets the batch reshaped to its own input shape.
 * - Per batch, all loss values and the sum of each gradient are read back with ONE dataSync
 *   (stacked), so the GPU/wasm pipeline is not stalled once per term; the optimiser runs only if the
 *   losses and gradients are finite, so a failing step changes nothing (see trainOnBatch).
 *
 * Determinism (same seed, same backend, same initial weights → identical losses; tested on cpu and the
 * default backend):
 * - batch order and ±2 px jitter come from kd.data.batches seeded with (seed, epoch);
 * - dropout: kd.models' SeededDropout draws its masks from (layer seed, call count), so two freshly built
 *   models replay the same masks; stock tf.layers.dropout without a seed draws from Math.random, which the
 *   Distiller replaces by a generator seeded with `seed` during each synchronous step (see lib/common/random.ts);
 *   stock dropout WITH a seed repeats the same mask every step (tfjs behaviour, not ours);
 * - initial weights are the model builder's business (kd.models builders take a `seed`).
 * Not covered: a model object reused across runs continues its SeededDropout sequence; and GPU/threaded
 * native kernels may sum in a varying order (none observed on cpu, wasm, or the tensorflow CPU build here).
 */
import * as tf from '@tensorflow/tfjs';
import * as losses from '../losses';
import * as features from '../features';
import * as data from '../data';
import type { Dataset } from '../data';
import { checkLabels, evaluate, predict, viewOf } from './evaluate';
import { recallAtK } from './retrieval';
import { checkFinite, deferFiniteChecks, withCheckedLabels } from '../losses/validate';
import { inputShapeOf } from '../models/common';
import { pausePoint } from '../common/interrupt';
import { SeededRandom } from '../common/random';
import type { Batch } from '../data/batches';
import { tripletLoss } from '../losses/triplet';
import { variableGrads } from './tape';
import { denseChain } from './dense-chain';
import { MultiTensorAdam, MultiTensorMomentum, MultiTensorOptimizer } from './multi-tensor';
import type {
  DistillerConfig,
  FitOptions,
  History,
  OptimizerSpec,
  TaskKind,
  TermLoss,
  TrainingCallbacks,
  TrainingRun,
  ValidationResult,
} from './types';

type Side = tf.Tensor | tf.Tensor[];
interface Outputs {
  output: tf.Tensor;
  features: Record<string, tf.Tensor>;
}
type Forward = (x: tf.Tensor, training: boolean) => Outputs;
/** Every tensor an Outputs holds (to dispose them). */
const tensorsOf = (outs: Outputs[]): tf.Tensor[] => outs.flatMap((o) => [o.output, ...Object.values(o.features)]);

interface ResolvedTerm {
  name: string;
  fn: TermLoss;
  weight: number;
  options?: Record<string, unknown>;
  teacherLayer?: string | string[];
  studentLayer?: string | string[];
  adapter?: tf.LayersModel;
  teacherIndex?: number;
}

const RESERVED = new Set(['task', 'total']);

function makeOptimizer(spec: OptimizerSpec | undefined): tf.Optimizer {
  if (spec == null) return new MultiTensorAdam(1e-3);
  if (spec instanceof tf.Optimizer) return spec;
  const lr = spec.learningRate;
  if (!(typeof lr === 'number' && lr > 0 && Number.isFinite(lr)))
    throw new Error(`optimizer.learningRate: expected a positive number, got ${lr}`);
  switch (spec.name) {
    // The same updates as tf.train.adam / sgd / momentum, in a fixed number of ops per step (multi-tensor.ts).
    case 'adam':
      return new MultiTensorAdam(lr);
    case 'sgd':
      return new MultiTensorMomentum(lr, 0);
    case 'momentum':
      return new MultiTensorMomentum(lr, spec.momentum ?? 0.9);
    default:
      throw new Error(
        `optimizer.name: expected 'adam', 'sgd' or 'momentum', got ${JSON.stringify((spec as { name: unknown }).name)}`,
      );
  }
}

function layerList(l: string | string[] | undefined): string[] {
  return l == null ? [] : Array.isArray(l) ? l : [l];
}

/** A forward function returning the output and the named layer outputs, from one pass. */
function forwardOf(model: tf.LayersModel, layers: string[], fusedDense: boolean): Forward {
  if (layers.length === 0) {
    const fast = fusedDense ? denseChain(model) : null; // fewer native ops on tensorflow; null for other models
    return (x, training) => ({
      output: fast?.(x, training) ?? (model.apply(x, { training }) as tf.Tensor),
      features: {},
    });
  }
  const extract = features.extractor(model, layers);
  return (x, training) => extract(x, { training });
}

/** Reshape a batch to the model's input shape (e.g. [N,28,28,1] → [N,784] for an MLP). */
function toInput(x: tf.Tensor, shape: number[], who: string): tf.Tensor {
  const want = data.sampleSize(shape);
  const per = x.size / x.shape[0];
  if (per !== want)
    throw new Error(
      `${who}: expects inputs of shape ${JSON.stringify(shape)} (${want} values), the batch has ${JSON.stringify(x.shape.slice(1))} (${per} values)`,
    );
  return x.shape.length === shape.length + 1 && x.shape.slice(1).every((d, i) => d === shape[i])
    ? x
    : tf.reshape(x, [x.shape[0], ...shape]);
}

function pick(o: Outputs, layer: string | string[] | undefined): Side {
  if (layer == null) return o.output;
  return Array.isArray(layer) ? layer.map((n) => o.features[n]) : o.features[layer];
}

/** Run `f`; an Error it throws gets `who: ` in front of its message (who failed inside the step). */
function blame<T>(who: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof Error && !err.message.startsWith(who)) err.message = `${who}: ${err.message}`;
    throw err;
  }
}

/**
 * One training loop for every method: a task loss plus weighted distillation terms (see the file comment).
 * Used in chapter 4 (the teacher of §4.2 and every student).
 */
export class Distiller {
  readonly student: tf.LayersModel;
  readonly teachers: tf.LayersModel[];
  readonly task: TaskKind;
  readonly taskWeight: number;
  readonly optimizer: tf.Optimizer;
  /** fit's cacheTeacherOutputs: the teachers' sides for every row of the transfer set, during that fit only. */
  private teacherCache: Outputs[] | null = null;
  readonly seed: number;
  readonly teacherView?: string;
  readonly studentView?: string;
  /** Loss keys in report order: 'task', one per term, 'total' (then a MutualLearning's peer keys). */
  readonly lossNames: string[];
  /** The keys of one step of this Distiller's own student, in the order of its loss vector. */
  private readonly stepNames: string[];
  private readonly terms: ResolvedTerm[];
  private readonly taskOptions: DistillerConfig['taskOptions'];
  private readonly studentFwd: Forward;
  private readonly teacherFwds: Forward[];
  private readonly adapters: tf.LayersModel[];
  private readonly ownsOptimizer: boolean;
  private readonly rng: SeededRandom;

  /**
   * Check the configuration and resolve the terms (registered names or functions); no training happens here.
   *
   * @param config the student, the teacher(s), the terms, the task and its weight, the optimizer, the seed and
   *   the views; see DistillerConfig
   * @example
   * const d = new kd.Distiller({
   *   student, teacher, task: null,
   *   terms: [{ loss: 'hinton', options: { temperature: 4, alpha: 0.9 } }],
   *   optimizer: { name: 'adam', learningRate: 1e-3 }, seed: 0,
   * });
   */
  constructor(config: DistillerConfig) {
    if (config == null || typeof config !== 'object')
      throw new Error(`Distiller config: expected an object, got ${config}`);
    const { student } = config;
    if (!(student instanceof tf.LayersModel))
      throw new Error(`student: expected a tf.LayersModel, got ${student === null ? 'null' : typeof student}`);
    this.student = student;
    const teachers = config.teacher == null ? [] : Array.isArray(config.teacher) ? config.teacher : [config.teacher];
    teachers.forEach((t, i) => {
      if (!(t instanceof tf.LayersModel))
        throw new Error(
          `teacher${Array.isArray(config.teacher) ? `[${i}]` : ''}: expected a tf.LayersModel, got ${typeof t}`,
        );
      if (t === student)
        throw new Error('teacher: must be a different model from the student (self-distillation needs a frozen copy)');
    });
    if (Array.isArray(config.teacher) && teachers.length === 0)
      throw new Error('teacher: expected at least one model in the teacher array, got []');
    this.teachers = teachers;
    this.task = config.task === undefined ? 'crossEntropy' : config.task;
    if (this.task !== null && this.task !== 'crossEntropy' && this.task !== 'triplet') {
      throw new Error(`task: expected 'crossEntropy', 'triplet' or null, got ${JSON.stringify(this.task)}`);
    }
    this.taskWeight = config.taskWeight ?? 1;
    if (!(Number.isFinite(this.taskWeight) && this.taskWeight >= 0))
      throw new Error(`taskWeight: expected a finite number >= 0, got ${this.taskWeight}`);
    this.taskOptions = config.taskOptions;
    this.seed = config.seed ?? 0;
    if (!Number.isInteger(this.seed)) throw new Error(`seed: expected an integer, got ${this.seed}`);
    this.teacherView = config.teacherView;
    this.studentView = config.studentView;
    this.rng = new SeededRandom(this.seed);

    const names = new Set<string>();
    this.terms = (config.terms ?? []).map((t, i) => {
      const where = `terms[${i}]`;
      if (t == null || typeof t !== 'object') throw new Error(`${where}: expected a Term object, got ${t}`);
      const fn = typeof t.loss === 'string' ? losses.registry.get(t.loss) : t.loss;
      if (typeof fn !== 'function')
        throw new Error(`${where}.loss: expected a registered loss name or a function, got ${typeof t.loss}`);
      const weight = t.weight ?? 1;
      if (!Number.isFinite(weight)) throw new Error(`${where}.weight: expected a finite number, got ${weight}`);
      if (teachers.length === 0)
        throw new Error(`${where}: a distillation term needs a teacher, but the Distiller has none`);
      if (
        t.teacherIndex != null &&
        !(Number.isInteger(t.teacherIndex) && t.teacherIndex >= 0 && t.teacherIndex < teachers.length)
      ) {
        throw new Error(
          `${where}.teacherIndex: expected an integer in [0, ${teachers.length - 1}], got ${t.teacherIndex}`,
        );
      }
      if (teachers.length > 1 && t.teacherIndex == null && Array.isArray(t.teacherLayer)) {
        throw new Error(
          `${where}.teacherLayer: several layers with several teachers is ambiguous; set teacherIndex (expected a string, got an array)`,
        );
      }
      if (t.adapter != null) {
        if (!(t.adapter instanceof tf.LayersModel))
          throw new Error(`${where}.adapter: expected a tf.LayersModel, got ${typeof t.adapter}`);
        if (Array.isArray(t.studentLayer))
          throw new Error(
            `${where}.adapter: maps ONE student tensor; expected studentLayer to be a string, got an array`,
          );
      }
      let name = t.name ?? (typeof t.loss === 'string' ? t.loss : `term${i}`);
      if (RESERVED.has(name))
        throw new Error(`${where}.name: '${name}' is reserved for the task/total losses; expected another name`);
      if (names.has(name)) {
        if (t.name != null) throw new Error(`${where}.name: '${name}' is used by another term; expected unique names`);
        name = `${name}${i}`;
      }
      names.add(name);
      return {
        name,
        fn,
        weight,
        options: t.options,
        teacherLayer: t.teacherLayer,
        studentLayer: t.studentLayer,
        adapter: t.adapter,
        teacherIndex: t.teacherIndex,
      };
    });
    this.stepNames = ['task', ...this.terms.map((t) => t.name), 'total'];
    this.lossNames = [...this.stepNames];
    if (!(this.task !== null && this.taskWeight > 0) && !this.terms.some((t) => t.weight !== 0)) {
      const noTask = this.task === null ? 'task is null' : 'taskWeight is 0';
      const noTerms = this.terms.length === 0 ? 'there are no terms' : 'every term has weight 0';
      throw new Error(
        `nothing to train on: ${noTask} and ${noTerms}; expected a task ('crossEntropy' or 'triplet') with taskWeight > 0, or a term with a non-zero weight`,
      );
    }

    const uniq = (xs: string[]) => [...new Set(xs)];
    if (config.fusedDense !== undefined && typeof config.fusedDense !== 'boolean')
      throw new Error(`fusedDense: expected true or false, got ${JSON.stringify(config.fusedDense)}`);
    const fused = config.fusedDense === true;
    this.studentFwd = forwardOf(student, uniq(this.terms.flatMap((t) => layerList(t.studentLayer))), fused);
    this.teacherFwds = teachers.map((teacher, k) =>
      forwardOf(
        teacher,
        uniq(
          this.terms
            .filter((t) => t.teacherIndex == null || t.teacherIndex === k)
            .flatMap((t) => layerList(t.teacherLayer)),
        ),
        fused,
      ),
    );
    this.adapters = [...new Set(this.terms.map((t) => t.adapter).filter((a): a is tf.LayersModel => a != null))];
    this.ownsOptimizer = !(config.optimizer != null && config.optimizer instanceof tf.Optimizer);
    this.optimizer = makeOptimizer(config.optimizer);
  }

  /**
   * The variables the optimiser updates: the student's trainable weights and the adapters'. Never a teacher's.
   * @example
   * d.trainableVariables().map((v) => v.name); // the student's kernels and biases, then each adapter's
   */
  trainableVariables(): tf.Variable[] {
    const frozen = new Set(this.teachers.flatMap((t) => t.weights.map((w) => w.read())));
    const vars = [this.student, ...this.adapters].flatMap((m) =>
      m.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    return vars.filter((v) => !frozen.has(v));
  }

  private input(b: Batch, view: string | undefined, who: string): tf.Tensor {
    if (view == null) return b.x;
    const v = b.views?.[view];
    if (v == null)
      throw new Error(
        `${who}View: the batch has no view '${view}' (expected one of ${JSON.stringify(Object.keys(b.views ?? {}))})`,
      );
    return v;
  }

  /**
   * One optimisation step on one batch. Returns the unweighted loss values ('task', each term) and the
   * weighted 'total'. The loss values and the sum of each gradient (NaN/±Infinity if any entry is) are
   * read back with ONE dataSync BEFORE the optimiser runs: if a loss or a gradient is not finite, the
   * step is not applied and this throws, so the student, the adapters and the optimiser's state are
   * exactly as before the batch. Whatever fails inside the step (a term's loss, the labels, ...), no
   * tensor is left behind. Labels are checked here (fit checks its Dataset's once instead).
   *
   * @param b one batch: inputs `x`, int32 class indices `y`, and the `views` the Distiller reads, if any
   *   (the caller keeps and disposes them)
   * @returns the loss values by name: 'task', one per term, 'total'
   * @example
   * const b = { x: tf.randomNormal([32, 784]), y: tf.tensor1d(labels, 'int32') };
   * const { total } = d.trainOnBatch(b);
   * tf.dispose([b.x, b.y]);
   */
  trainOnBatch(b: Batch): Record<string, number> {
    const vars = this.trainableVariables();
    let lossVector: tf.Tensor | null = null; // kept (it leaves the tape's scope); freed in finally
    let values: Float32Array | Int32Array | Uint8Array;
    let badGrads: string[] = [];
    try {
      values = this.rng.during(() =>
        tf.tidy(() => {
          const tOut = this.teacherOutputs(b); // before the tape starts → constants for the gradient
          const xs = this.studentInput(b);
          const { grads } = variableGrads(() => {
            // The losses' own finiteness checks would read back once per loss; the read below covers them.
            const parts = deferFiniteChecks(() => this.objective(this.studentFwd(xs, true), tOut, b.y));
            lossVector = tf.keep(tf.stack(parts));
            return parts[parts.length - 1];
          }, vars);
          const named = Object.entries(grads).filter((e): e is [string, tf.Tensor] => e[1] != null);
          // A sum is NaN or ±Infinity if any entry is: one sum per group of gradients the optimiser takes flat
          // anyway (one group for all on tensorflow), else one per gradient. A finite gradient can also sum past
          // float32's range, so a non-finite sum is rechecked exactly per gradient (x·0 is NaN only for NaN or ±Infinity).
          const opt = MultiTensorOptimizer.is(this.optimizer) ? this.optimizer : null;
          const groups = opt?.group(grads);
          const sums = tf.stack((groups ?? named.map(([, g]) => g)).map((g) => tf.sum(g)));
          const read = tf.concat([lossVector!, sums]).dataSync();
          const k = this.stepNames.length;
          badGrads = read.subarray(k).every(Number.isFinite)
            ? []
            : named.filter(([, g]) => !Number.isFinite(tf.sum(tf.mul(g, 0)).dataSync()[0])).map(([n]) => n);
          if (read.subarray(0, k).every(Number.isFinite) && badGrads.length === 0) {
            if (opt) opt.applyGroups(groups!);
            else this.optimizer.applyGradients(grads);
          }
          return read;
        }),
      );
    } finally {
      (lossVector as tf.Tensor | null)?.dispose();
    }
    const out: Record<string, number> = {};
    this.stepNames.forEach((n, i) => {
      out[n] = values[i];
    });
    const badLosses = this.stepNames.filter((n) => !Number.isFinite(out[n]));
    const shown = this.stepNames.map((n) => `${n}=${out[n]}`).join(', ');
    if (badLosses.length > 0) {
      const culprit = this.explainNonFinite(b);
      throw new Error(
        `non-finite loss: ${badLosses.map((n) => `${n}=${out[n]}`).join(', ')}; the step was not applied` +
          `${culprit ? `. ${culprit}` : ''} (lower the learning rate, check inputs/temperatures)`,
      );
    }
    if (badGrads.length > 0) {
      throw new Error(
        `non-finite gradient (NaN or ±Infinity) for ${badGrads.join(', ')} although the losses are finite (${shown}); ` +
          'the step was not applied (a loss with an infinite slope, e.g. sqrt or norm at 0?)',
      );
    }
    return out;
  }

  /** The teachers' outputs for a batch, in inference mode. */
  private teacherOutputs(b: Batch): Outputs[] {
    if (this.teacherCache && b.index) {
      const rows = tf.tensor1d(b.index, 'int32');
      const take = (t: tf.Tensor) => tf.gather(t, rows);
      return this.teacherCache.map((o) => ({
        output: take(o.output),
        features: Object.fromEntries(Object.entries(o.features).map(([n, f]) => [n, take(f)])),
      }));
    }
    return this.teachers.map((t, k) =>
      this.teacherFwds[k](
        toInput(this.input(b, this.teacherView, 'teacher'), inputShapeOf(t), `teacher ${t.name}`),
        false,
      ),
    );
  }

  private studentInput(b: Batch): tf.Tensor {
    return toInput(
      this.input(b, this.studentView, 'student'),
      inputShapeOf(this.student),
      `student ${this.student.name}`,
    );
  }

  /**
   * After a non-finite loss: the step's forward pass again (no tape, no update) with the losses' own
   * finiteness checks on, which name the input and the index of the first bad value; then the student's
   * output. Returns that message, or null if nothing is found. Only runs on failure (it draws dropout
   * masks again, so a run that continues after the error no longer replays an uninterrupted one).
   */
  private explainNonFinite(b: Batch): string | null {
    try {
      this.rng.during(() =>
        tf.tidy(() => {
          const tOut = this.teacherOutputs(b);
          const s = this.studentFwd(this.studentInput(b), true);
          this.objective(s, tOut, b.y);
          checkFinite(`student ${this.student.name}`, { name: 'output', x: s.output });
        }),
      );
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** The step's objective inside the tape: [task, ...terms, total] (unweighted parts, weighted total). */
  private objective(s: Outputs, tOut: Outputs[], y: tf.Tensor): tf.Scalar[] {
    const parts: tf.Scalar[] = [];
    let total: tf.Scalar = tf.scalar(0);
    if (this.task === null) parts.push(tf.scalar(0));
    else {
      const l = blame(`task '${this.task}'`, () =>
        this.task === 'triplet' ? tripletLoss(s.output, y, this.taskOptions) : losses.crossEntropy(s.output, y),
      );
      parts.push(l);
      if (this.taskWeight !== 0) total = tf.add(total, tf.mul(l, this.taskWeight));
    }
    for (const term of this.terms) {
      let sSide = pick(s, term.studentLayer);
      if (term.adapter) sSide = term.adapter.apply(sSide, { training: true }) as tf.Tensor;
      const tSide =
        term.teacherIndex != null
          ? pick(tOut[term.teacherIndex], term.teacherLayer)
          : tOut.length === 1
            ? pick(tOut[0], term.teacherLayer)
            : tOut.map((o) => pick(o, term.teacherLayer) as tf.Tensor);
      const l = blame(`term '${term.name}'`, () => term.fn(sSide, tSide, { labels: y, options: term.options }));
      if (!(l instanceof tf.Tensor) || l.rank !== 0) {
        throw new Error(
          `term '${term.name}': the loss must return a scalar tensor, got ${l instanceof tf.Tensor ? `shape ${JSON.stringify(l.shape)}` : typeof l}`,
        );
      }
      parts.push(l);
      if (term.weight !== 0) total = tf.add(total, tf.mul(l, term.weight));
    }
    parts.push(total);
    return parts;
  }

  /**
   * Validation of the student: accuracy + mean cross-entropy for classifiers; Recall@1 + triplet loss for embeddings.
   *
   * @param ds the Dataset to validate on (read through the student's view, if any)
   * @param batchSize samples per forward pass (default 256; memory only, not the result)
   * @returns `{ accuracy, loss }`
   * @example
   * const { accuracy, loss } = d.validate(test);
   */
  validate(ds: Dataset, batchSize = 256): ValidationResult {
    const outDim = this.student.outputs[0].shape[this.student.outputs[0].shape.length - 1];
    if (this.task !== 'triplet' && outDim === ds.classes) {
      const r = evaluate(this.student, ds, { batchSize, view: this.studentView });
      return { accuracy: r.accuracy, loss: r.loss };
    }
    const emb = predict(this.student, ds, { batchSize, view: this.studentView });
    try {
      const labels = tf.tensor1d(ds.y, 'int32');
      const loss = tf.tidy(
        () => tripletLoss(emb, labels, { margin: this.taskOptions?.margin, mining: 'batchHard' }).dataSync()[0],
      );
      labels.dispose();
      return { accuracy: ds.n > 1 ? recallAtK(emb, ds.y, 1) : 0, loss };
    } finally {
      emb.dispose();
    }
  }

  /**
   * Train for `opts.epochs` epochs over `train` (shuffled with `seed + epoch`), validating after each epoch
   * when `opts.validation` is given. The labels of `train` are checked once here (class indices in
   * [0, classes), and below the student's output width for the cross-entropy task), so the steps do not
   * read them back. Callbacks (kd.callbacks or your own) are awaited in list order after each batch and epoch.
   *
   * @param train the transfer set (labels are used by the task and by terms that take labels)
   * @param opts `{ epochs, batchSize, validation?, augment?, shuffle?, callbacks? }`, see FitOptions
   * @returns the History: per-epoch mean losses and validation, per-batch losses, and `stoppedEarly`
   * @example
   * const d = new kd.Distiller({ student, teacher, task: null, terms: [{ loss: 'hinton', options: { temperature: 4, alpha: 0.9 } }] });
   * const history = await d.fit(train, {
   *   epochs: 20, batchSize: 64, validation: val,
   *   callbacks: [kd.callbacks.earlyStopping({ patience: 3 }), kd.callbacks.checkpoint({ path: 'out/student' })],
   * });
   * d.dispose();
   */
  async fit(train: Dataset, opts: FitOptions): Promise<History> {
    if (opts == null || typeof opts !== 'object')
      throw new Error(`fit options: expected {epochs, batchSize, ...}, got ${opts}`);
    for (const removed of ['earlyStopping', 'checkpoint']) {
      if (removed in opts)
        throw new Error(
          `fit options: '${removed}' is now a callback; expected callbacks: [kd.callbacks.${removed}({ ... })]`,
        );
    }
    const { epochs, batchSize } = opts;
    if (!(Number.isInteger(epochs) && epochs >= 0)) throw new Error(`epochs: expected an integer >= 0, got ${epochs}`);
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new Error(`batchSize: expected a positive integer, got ${batchSize}`);
    if (train == null || !(train.n > 0)) throw new Error(`train: expected a non-empty Dataset, got n=${train?.n}`);
    data.validate(train, 'train');
    checkLabels(train, 'train');
    if (this.task === 'crossEntropy') this.checkLabelsFitStudent(train);
    if (opts.validation != null) {
      data.validate(opts.validation, 'validation');
      checkLabels(opts.validation, 'validation');
    }
    viewOf(train, this.teacherView, 'teacherView');
    viewOf(train, this.studentView, 'studentView');
    const callbacks: TrainingCallbacks[] =
      opts.callbacks == null ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks];
    if (opts.cacheTeacherOutputs && opts.augment)
      throw new Error(
        'fit options: cacheTeacherOutputs needs a fixed transfer set, but augment jitters the inputs every epoch; ' +
          'expected augment: false (or cacheTeacherOutputs: false)',
      );
    const batchesPerEpoch = Math.ceil(train.n / batchSize);
    const history: History = {
      epochs: [],
      batches: Object.fromEntries(this.lossNames.map((n) => [n, [] as number[]])),
    };
    // An object, not a variable: callbacks set it, which TypeScript's narrowing of a local would not see.
    const control: { stop: { bestEpoch?: number } | null } = { stop: null };
    const releases: (() => void)[] = [];
    const run: TrainingRun = {
      student: this.student,
      hasValidation: opts.validation != null,
      stopTraining: (bestEpoch) => {
        if (bestEpoch !== undefined && !(Number.isInteger(bestEpoch) && bestEpoch >= 0))
          throw new Error(`stopTraining: bestEpoch: expected an integer >= 0, got ${bestEpoch}`);
        control.stop = { bestEpoch };
      },
      atEnd: (release) => {
        releases.push(release);
      },
    };
    const views = [...new Set([this.teacherView, this.studentView].filter((v): v is string => v != null))];
    try {
      if (opts.cacheTeacherOutputs && this.teachers.length > 0) this.teacherCache = this.teacherPass(train, views);
      for (const cb of callbacks) cb.setRun?.(run);
      for (const cb of callbacks) await cb.onTrainBegin?.({ epochs, batchesPerEpoch });
      for (let epoch = 0; epoch < epochs; epoch++) {
        const t0 = Date.now();
        const sums: Record<string, number> = Object.fromEntries(this.lossNames.map((n) => [n, 0]));
        let seen = 0;
        let batch = 0;
        for (const b of data.batches(train, {
          batchSize,
          shuffle: opts.shuffle ?? true,
          seed: this.seed,
          epoch,
          augment: opts.augment ?? false,
          views,
        })) {
          let l: Record<string, number>;
          const m = b.y.shape[0];
          try {
            // train's labels were checked above: the losses need not read them back each step.
            l = withCheckedLabels(train.classes, () => this.trainOnBatch(b));
          } finally {
            tf.dispose([b.x, b.y, ...Object.values(b.views ?? {})]);
          }
          for (const n of this.lossNames) {
            sums[n] += l[n] * m;
            history.batches[n].push(l[n]);
          }
          seen += m;
          for (const cb of callbacks) await cb.onBatchEnd?.({ epoch, epochs, batch, batchesPerEpoch, losses: l });
          batch++;
          await pausePoint();
        }
        const epochLosses = Object.fromEntries(this.lossNames.map((n) => [n, sums[n] / Math.max(seen, 1)]));
        const validation = opts.validation ? this.validate(opts.validation, Math.max(batchSize, 256)) : undefined;
        history.epochs.push({ epoch, losses: epochLosses, validation, seconds: (Date.now() - t0) / 1000 });
        for (const cb of callbacks) await cb.onEpochEnd?.({ epoch, epochs, losses: epochLosses, validation });
        if (control.stop != null) {
          history.stoppedEarly = { epoch, bestEpoch: control.stop.bestEpoch ?? epoch };
          break;
        }
      }
      for (const cb of callbacks) await cb.onTrainEnd?.({ history });
    } finally {
      for (const release of releases) release();
      if (this.teacherCache) {
        tf.dispose(tensorsOf(this.teacherCache));
        this.teacherCache = null;
      }
    }
    return history;
  }

  /** Every teacher side the terms read, for all of `train` in dataset order (fit's cacheTeacherOutputs). */
  private teacherPass(train: Dataset, views: string[]): Outputs[] {
    const parts: Outputs[][] = [];
    // The per-batch sides are released whether or not a teacher's forward pass (or the concat) throws.
    try {
      for (const b of data.batches(train, { batchSize: 256, views })) {
        try {
          // tidy keeps the tensors it finds in the returned (nested) container: the sides, not the intermediates.
          const sides = () => this.teacherOutputs({ ...b, index: undefined }) as unknown as tf.TensorContainer;
          parts.push(tf.tidy(sides) as unknown as Outputs[]);
        } finally {
          tf.dispose([b.x, b.y, ...Object.values(b.views ?? {})]);
        }
      }
      return this.teachers.map((_, k) => {
        const cat = (pick: (o: Outputs) => tf.Tensor) => tf.concat(parts.map((p) => pick(p[k])));
        return {
          output: cat((o) => o.output),
          features: Object.fromEntries(Object.keys(parts[0][k].features).map((n) => [n, cat((o) => o.features[n])])),
        };
      });
    } finally {
      tf.dispose(parts.flatMap(tensorsOf));
    }
  }

  /** Cross-entropy task: every label of `train` must index one of the student's outputs. */
  private checkLabelsFitStudent(train: Dataset): void {
    const shape = this.student.outputs[0].shape;
    const width = shape[shape.length - 1];
    if (width == null || width >= train.classes) return;
    const i = train.y.findIndex((v) => v >= width);
    if (i >= 0) {
      throw new Error(
        `train.y[${i}] is ${train.y[i]}: expected a class index in [0, ${width - 1}], the range of the student's ${width} outputs (task 'crossEntropy')`,
      );
    }
  }

  /**
   * Free the optimiser's state (slot variables) if the Distiller created the optimiser. Models are not touched.
   * @example
   * await d.fit(train, { epochs: 5, batchSize: 64 });
   * d.dispose(); // the student stays usable
   */
  dispose(): void {
    if (!this.ownsOptimizer) return;
    this.optimizer.dispose();
    // tfjs 4.22's MomentumOptimizer.dispose forgets the learning-rate scalar of its SGD base class.
    if (this.optimizer instanceof tf.MomentumOptimizer) (this.optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
  }
}
