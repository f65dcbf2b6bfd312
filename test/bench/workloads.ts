/**
 * The benchmark workloads of issue 6 §1, kdlab side. Names are shared with torch_bench.py.
 *
 *   kd-mlp  (a) Hinton KD step: teacher 784-1200-1200-10 (inference, no tape) + student 784-800-800-10
 *               trained on hintonLoss (T = 4, α = 0.9) with Adam, batch 128.
 *   kd-cnn  (b) the same with kd.models.cnnTeacher / cnnStudent (conv32-pool-conv64-pool-dense128-dense10), batch 64.
 *   rkd     (c) RKD step (distance 25 + angle 50, Park et al. 2019) between 128-d embedding nets, batch 64.
 *   matmul  (d) 1024×1024 fp32 matrix product; reported as GFLOPS as well.
 *
 * (a)–(c) run THROUGH kd.distill.Distiller.fit as a user would (kd.data.batches shuffling and copying,
 * the step's tidy, the per-batch loss read-back). A window of W steps is a fit over W + 1 batches of a
 * synthetic Dataset, timed from the first onBatchEnd to the last, so per-fit set-up is outside the window.
 */
import * as kd from '../../lib';
import * as tf from '@tensorflow/tfjs';
import { modelSpec, ModelSpec } from './spec';

export interface WorkloadDef {
  name: string;
  label: string;
  /** Samples per step (the batch size; 1 for matmul, where a sample is one product). */
  batch: number;
}

export const WORKLOADS: WorkloadDef[] = [
  { name: 'kd-mlp', label: '(a) KD MLP 784-1200-1200-10 → 784-800-800-10, b128', batch: 128 },
  { name: 'kd-cnn', label: '(b) KD CNN conv32-pool-conv64-pool-d128-d10, b64', batch: 64 },
  { name: 'rkd', label: '(c) RKD on 128-d embeddings (784-512-512-128 → 784-256-128), b64', batch: 64 },
  { name: 'matmul', label: '(d) matmul 1024×1024 (1 sample = 1 product)', batch: 1 },
];

export const MATMUL_N = 1024;
/** Hinton et al. 2015 settings used by (a) and (b). */
export const HINTON = { temperature: 4, alpha: 0.9 };
/** Park et al. 2019 weights used by (c). */
export const RKD = { distanceWeight: 25, angleWeight: 50 };
export const EMBEDDING_DIM = 128;
export const LEARNING_RATE = 1e-3;
/** Batches in the synthetic data set of each distillation workload (torch_bench.py uses the same). */
export const POOL_BATCHES = 16;

/**
 * Steps per timed window for a target duration. A window of W steps is a fit over W + 1 batches; beyond
 * POOL_BATCHES, W is rounded up so that the fit runs whole epochs over the synthetic pool.
 */
export function stepsPerWindow(
  secondsPerStep: number,
  targetSeconds: number,
  minSteps: number,
  maxSteps: number,
): number {
  let w = Math.max(minSteps, Math.min(maxSteps, Math.round(targetSeconds / Math.max(secondsPerStep, 1e-9))));
  if (w + 1 > POOL_BATCHES) w = Math.ceil((w + 1) / POOL_BATCHES) * POOL_BATCHES - 1;
  return w;
}

export interface WindowResult {
  seconds: number;
  samples: number;
  steps: number;
  /** Wall time of the whole fit() call including per-fit set-up and its first batch. */
  fitSeconds?: number;
  tensorsBefore: number;
  tensorsAfter: number;
  finite: boolean;
  losses: Record<string, number>;
}

export interface KernelStat {
  name: string;
  calls: number;
  ms: number;
  children?: string[];
  /**
   * Innermost kernels per step this entry ran: `calls` for a plain kernel, the kernels inside for a composite one
   * (tfjs-node's Step: 4 per call), Identity not counted. Their total is the number of native calls a step makes.
   */
  innerCalls: number;
}
export interface ProfileResult {
  steps: number;
  wallMsPerStep: number;
  kernelMsPerStep: number;
  kernels: KernelStat[];
  newTensors: number;
}

export interface Runner {
  readonly batch: number;
  /** What torch_bench.py needs to build the same workload ('setup' request body). */
  torchSetup(): Record<string, unknown>;
  info(): Record<string, unknown>;
  window(steps: number): Promise<WindowResult>;
  /** kernel time per step from tf.profile over `steps` steps. */
  profile(steps: number): Promise<ProfileResult>;
  /** Runs `steps` steps, sampling numTensors / RSS every `every` steps (memory soak). */
  soak(steps: number, every: number, onSample: (s: SoakSample) => void): Promise<void>;
  dispose(): void;
}

export interface SoakSample {
  step: number;
  numTensors: number;
  numBytes: number;
  rssMB: number;
  heapMB: number;
}

/** Deterministic pseudo-random synthetic data (the content does not affect speed, only finiteness). */
function syntheticDataset(n: number, sampleShape: number[], classes: number, seed = 1): kd.data.Dataset {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  for (let i = 0; i < x.length; i++) x[i] = next();
  for (let i = 0; i < n; i++) y[i] = Math.floor(next() * classes);
  return { x, y, n, sampleShape, classes };
}

function withDataset(ds: kd.data.Dataset, n: number): kd.data.Dataset {
  const size = ds.sampleShape.reduce((a, b) => a * b, 1);
  return { ...ds, n, x: ds.x.subarray(0, n * size), y: ds.y.subarray(0, n) };
}

interface KernelRecord {
  name: string;
  kernelTimeMs: unknown;
  depth?: number;
}

/**
 * tf.profile over `run`, recording each kernel's nesting depth. tf.profile lists kernels flat, but some
 * run other kernels inside them — composite ops with a custom gradient (`fusedMatMul__op`, `logSoftmax__op`,
 * unnamed customGrad scopes) and backend kernels written with other ops (e.g. tfjs-node's Step = Greater +
 * Fill + Select + IsNan) — and their time includes their children's. The engine pushes a kernel's record
 * after the kernel returns, so `engine.state.kernelDepth` at push time is the depth of its PARENT:
 * 0 for an outermost kernel.
 */
export async function profileKernels(
  run: () => Promise<void> | void,
): Promise<{ kernels: KernelRecord[]; newTensors: number }> {
  const engine = tf.engine() as unknown as {
    state: { kernelDepth: number; activeProfile: { kernels: KernelRecord[] } };
  };
  const p = await tf.profile(async () => {
    const list = engine.state.activeProfile.kernels;
    const push = list.push.bind(list);
    list.push = (...recs: KernelRecord[]) =>
      push(...recs.map((r) => Object.assign(r, { depth: engine.state.kernelDepth })));
    await run();
    return [];
  });
  return { kernels: p.kernels as unknown as KernelRecord[], newTensors: p.newTensors };
}

/**
 * Per-step time of the OUTERMOST kernels by name (their times do not overlap, so they add up), most
 * expensive first; `children` lists the kernels a composite one ran inside it.
 */
export function summariseKernels(kernels: KernelRecord[], steps: number): KernelStat[] {
  const by = new Map<string, KernelStat>();
  let pending = new Set<string>();
  let pendingLeaves = 0;
  // Records come after their children: a kernel is innermost unless the record before it is deeper. Identity
  // (the engine's copies of tensors saved for the backward pass) only counts a reference on every backend and is
  // left out, so a kernel that saved its inputs is still innermost.
  let previousDepth = -1;
  kernels.forEach((k) => {
    const leaf = k.name !== 'Identity' && previousDepth <= (k.depth ?? 0);
    if (k.name !== 'Identity') previousDepth = k.depth ?? 0;
    if ((k.depth ?? 0) > 0) {
      pending.add(k.name);
      if (leaf) pendingLeaves++;
      return;
    }
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const e = by.get(k.name) ?? { name: k.name, calls: 0, ms: 0, innerCalls: 0 };
    e.calls += 1 / steps;
    e.ms += ms / steps;
    e.innerCalls += (leaf ? 1 : pendingLeaves) / steps;
    if (pending.size) e.children = [...new Set([...(e.children ?? []), ...pending])].sort();
    pending = new Set();
    pendingLeaves = 0;
    by.set(k.name, e);
  });
  return [...by.values()].sort((a, b) => b.ms - a.ms);
}

async function profileSteps(steps: number, run: () => Promise<void> | void): Promise<ProfileResult> {
  const t0 = performance.now();
  const p = await profileKernels(run);
  const wall = performance.now() - t0;
  const kernels = summariseKernels(p.kernels, steps);
  return {
    steps,
    wallMsPerStep: wall / steps,
    kernelMsPerStep: kernels.reduce((a, k) => a + k.ms, 0),
    kernels,
    newTensors: p.newTensors,
  };
}

const rssMB = () => process.memoryUsage().rss / 2 ** 20;

class DistillRunner implements Runner {
  private readonly distiller: kd.distill.Distiller;
  private readonly pool: kd.data.Dataset;

  constructor(
    readonly name: string,
    readonly batch: number,
    private readonly teacher: tf.LayersModel,
    private readonly student: tf.LayersModel,
    private readonly loss: 'hinton' | 'rkd',
    private readonly options: Record<string, number>,
  ) {
    this.distiller = new kd.distill.Distiller({
      student,
      teacher,
      task: null,
      terms: [{ loss, options }],
      optimizer: { name: 'adam', learningRate: LEARNING_RATE },
      seed: 0,
      fusedDense: process.env.KDLAB_BENCH_FUSED_DENSE === '1', // run.ts --fused-dense
    });
    const shape = teacher.inputs[0].shape.slice(1).map(Number);
    this.pool = syntheticDataset(POOL_BATCHES * batch, shape, 10);
  }

  /**
   * fit() arguments that run exactly `batches` batches: epochs over a prefix of the pool whose length (in
   * batches) is the largest divisor of `batches` not above POOL_BATCHES (timed windows are sized by
   * stepsPerWindow so that this is the whole pool).
   */
  private plan(batches: number): { ds: kd.data.Dataset; epochs: number } {
    let per = Math.min(batches, POOL_BATCHES);
    while (batches % per !== 0) per--;
    return { ds: withDataset(this.pool, per * this.batch), epochs: batches / per };
  }

  torchSetup(): Record<string, unknown> {
    return {
      kind: 'distill',
      batch: this.batch,
      teacher: modelSpec(this.teacher),
      student: modelSpec(this.student),
      loss: this.loss,
      options: this.options,
      learningRate: LEARNING_RATE,
    };
  }

  info(): Record<string, unknown> {
    return { params: { teacher: this.teacher.countParams(), student: this.student.countParams() } };
  }

  async window(steps: number): Promise<WindowResult> {
    const marks: number[] = [];
    let losses: Record<string, number> = {};
    const { ds, epochs } = this.plan(steps + 1);
    const tensorsBefore = tf.memory().numTensors;
    const t0 = performance.now();
    await this.distiller.fit(ds, {
      epochs,
      batchSize: this.batch,
      callbacks: {
        onBatchEnd: (e) => {
          marks.push(performance.now());
          losses = e.losses;
        },
      },
    });
    const fitSeconds = (performance.now() - t0) / 1000;
    const tensorsAfter = tf.memory().numTensors;
    if (marks.length !== steps + 1)
      throw new Error(`${this.name}: Distiller.fit ran ${marks.length} batches, expected ${steps + 1}`);
    return {
      seconds: (marks[steps] - marks[0]) / 1000,
      samples: steps * this.batch,
      steps,
      fitSeconds,
      tensorsBefore,
      tensorsAfter,
      losses,
      finite: Object.values(losses).every(Number.isFinite),
    };
  }

  async profile(steps: number): Promise<ProfileResult> {
    const { ds, epochs } = this.plan(steps);
    return profileSteps(steps, async () => {
      await this.distiller.fit(ds, { epochs, batchSize: this.batch });
    });
  }

  async soak(steps: number, every: number, onSample: (s: SoakSample) => void): Promise<void> {
    const { ds, epochs } = this.plan(steps);
    let step = 0;
    await this.distiller.fit(ds, {
      epochs,
      batchSize: this.batch,
      callbacks: {
        onBatchEnd: () => {
          step++;
          if (step % every === 0) {
            const m = tf.memory();
            onSample({
              step,
              numTensors: m.numTensors,
              numBytes: m.numBytes,
              rssMB: rssMB(),
              heapMB: process.memoryUsage().heapUsed / 2 ** 20,
            });
          }
        },
      },
    });
  }

  dispose(): void {
    this.distiller.dispose();
    this.teacher.dispose();
    this.student.dispose();
  }
}

class MatMulRunner implements Runner {
  readonly batch = 1;
  private readonly a = tf.randomUniform([MATMUL_N, MATMUL_N], 0, 1, 'float32', 1);
  private readonly b = tf.randomUniform([MATMUL_N, MATMUL_N], 0, 1, 'float32', 2);

  torchSetup(): Record<string, unknown> {
    return { kind: 'matmul', n: MATMUL_N };
  }
  info(): Record<string, unknown> {
    return { flopsPerSample: 2 * MATMUL_N ** 3 };
  }

  async window(steps: number): Promise<WindowResult> {
    const tensorsBefore = tf.memory().numTensors;
    // Like a distillation window (W + 1 batches, the first untimed): one untimed product, then W timed ones.
    let last: tf.Tensor | null = tf.matMul(this.a, this.b);
    last.dataSync();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      last?.dispose();
      last = tf.matMul(this.a, this.b);
    }
    const corner = (await last.data())[0]; // waits for the backend to finish (async backends)
    const seconds = (performance.now() - t0) / 1000;
    last.dispose();
    return {
      seconds,
      samples: steps,
      steps,
      tensorsBefore,
      tensorsAfter: tf.memory().numTensors,
      losses: { corner },
      finite: Number.isFinite(corner),
    };
  }

  async profile(steps: number): Promise<ProfileResult> {
    return profileSteps(steps, () => {
      for (let i = 0; i < steps; i++) tf.matMul(this.a, this.b).dispose();
    });
  }

  async soak(): Promise<void> {
    throw new Error('soak: only the distillation workloads have a training loop to soak');
  }

  dispose(): void {
    this.a.dispose();
    this.b.dispose();
  }
}

/** Builds workload `name` on the active backend. Model builders come from kd.models (one definition). */
export function createRunner(name: string): Runner {
  switch (name) {
    case 'kd-mlp':
      return new DistillRunner(name, 128, kd.models.hintonTeacher(), kd.models.hintonStudent(), 'hinton', HINTON);
    case 'kd-cnn':
      return new DistillRunner(name, 64, kd.models.cnnTeacher(), kd.models.cnnStudent(), 'hinton', HINTON);
    case 'rkd':
      return new DistillRunner(name, 64, rkdTeacher(), rkdStudent(), 'rkd', RKD);
    case 'matmul':
      return new MatMulRunner();
    default:
      throw new Error(
        `workload: expected one of ${WORKLOADS.map((w) => w.name).join(', ')}, got ${JSON.stringify(name)}`,
      );
  }
}

/** RKD pair: two L2-normalised 128-d embedding nets over flattened 28×28 digits (teacher wider than student). */
function rkdTeacher(): tf.LayersModel {
  return kd.models.embeddingNet({ inputShape: [784], hidden: [512, 512], dim: EMBEDDING_DIM });
}
function rkdStudent(): tf.LayersModel {
  return kd.models.embeddingNet({ inputShape: [784], hidden: [256], dim: EMBEDDING_DIM });
}

export type { ModelSpec };
