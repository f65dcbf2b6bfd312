/**
 * Multi-tensor optimisers: Adam and SGD with momentum applied to ALL of a model's variables at once, the way
 * PyTorch's `foreach` optimisers do. At the sizes this course trains, a step is bound by the number of ops the
 * backend dispatches (on tensorflow each op is an N-API round trip), not by arithmetic: tfjs's Adam runs 14
 * kernels per variable. Here the gradients are flattened into one buffer, the update is a handful of
 * element-wise ops over that buffer, and it is split back: a fixed op count plus about three per variable
 * (on tensorflow; elsewhere per variable, see MultiTensorOptimizer).
 *
 * The update is the one tfjs's `tf.train.adam` / `tf.train.momentum` make (Kingma & Ba 2015, Algorithm 1, with
 * ε added to √v̂ as tfjs does; default ε = the backend's epsilon, 1e-7 on float32), rearranged so the bias
 * corrections are scalars computed in float64 once per step:
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − (η/(1−β₁ᵗ))·m / (√v · 1/√(1−β₂ᵗ) + ε)
 * which equals η·m̂/(√v̂ + ε) up to float32 rounding (tested against a float64 reference over several steps).
 * The variables must be the same, in the same order, at every step (as in the Distiller); the state is kept as
 * flat buffers over that layout, so a step with another set of variables is an error, not a silent restart.
 */
import * as tf from '@tensorflow/tfjs';

type NamedTensor = { name: string; tensor: tf.Tensor };
type Grads = tf.NamedTensorMap | NamedTensor[];

interface Slot {
  name: string;
  shape: number[];
  size: number;
}

function entries(grads: Grads): [string, tf.Tensor][] {
  const list: [string, tf.Tensor | null][] = Array.isArray(grads)
    ? grads.map((g) => [g.name, g.tensor])
    : Object.entries(grads);
  return list.filter((e): e is [string, tf.Tensor] => e[1] != null);
}

/**
 * Shared bookkeeping: the fixed variable layout, cut into groups that are each updated as one flat vector.
 * One group holding every variable on tensorflow, where an op costs an N-API round trip and Concat / SplitV are
 * memory copies; one group per variable elsewhere: wasm dispatches cheaply but its Slice copies element by element
 * (measured: splitting a 1.3 M-float vector takes ~200 ms on wasm, ~1 ms on tensorflow). The arithmetic is
 * element-wise, so the grouping changes the op count, never a value.
 */
abstract class MultiTensorOptimizer extends tf.Optimizer {
  private groups: Slot[][] | null = null;

  /**
   * Whether `o` is one of these. Not `instanceof`: tf.Optimizer answers instanceof by duck typing (any object with
   * minimize/computeGradients/applyGradients), and its subclasses inherit that.
   */
  static is(o: unknown): o is MultiTensorOptimizer {
    return typeof o === 'object' && o != null && typeof (o as { applyGroups?: unknown }).applyGroups === 'function';
  }

  /** @param flatten one group for all variables (default: on the tensorflow backend) or one per variable */
  constructor(private readonly flattenAll?: boolean) {
    super();
  }

  /** The gradients as one float32 vector per group, in the layout of the first step (which it fixes). */
  group(grads: Grads): tf.Tensor1D[] {
    const list = entries(grads);
    if (this.groups == null) {
      for (const [name, g] of list) {
        if (tf.engine().registeredVariables[name] == null)
          throw new Error(`${this.getClassName()}: no variable named '${name}' (a gradient must name its variable)`);
        if (g.dtype !== 'float32')
          throw new Error(`${this.getClassName()}: gradient of '${name}' is ${g.dtype}, expected float32`);
      }
      const slots = list.map(([name, g]) => ({ name, shape: g.shape, size: g.size }));
      this.groups = (this.flattenAll ?? tf.getBackend() === 'tensorflow') ? [slots] : slots.map((s) => [s]);
    } else {
      const layout = this.groups.flat();
      const same =
        list.length === layout.length &&
        list.every(([name, g], i) => name === layout[i].name && g.size === layout[i].size);
      if (!same)
        throw new Error(
          `${this.getClassName()}: the gradients name other variables than at the first step ` +
            `(expected ${layout.map((s) => s.name).join(', ')}; got ${list.map(([n]) => n).join(', ')}); ` +
            'a multi-tensor optimiser keeps one state for a fixed set of variables — make a new one for another set',
        );
    }
    let next = 0;
    return this.groups.map((members) => {
      const flat = list.slice(next, (next += members.length)).map(([, g]) => (g.rank === 1 ? g : tf.reshape(g, [-1])));
      return (flat.length === 1 ? flat[0] : tf.concat(flat)) as tf.Tensor1D;
    });
  }

  /** θ ← θ − step for every variable of group `k`, `step` being one vector in the group's order. */
  protected subtract(k: number, step: tf.Tensor1D): void {
    const members = this.groups![k];
    const pieces =
      members.length === 1
        ? [step]
        : tf.split(
            step,
            members.map((s) => s.size),
          );
    members.forEach((s, i) => {
      const v = tf.engine().registeredVariables[s.name];
      v.assign(tf.sub(v, s.shape.length === 1 ? pieces[i] : tf.reshape(pieces[i], s.shape)));
    });
  }

  /** Zero-filled state, one vector per group (made lazily, at the first step). */
  protected zeros(): tf.Variable[] {
    return this.groups!.map((members) =>
      tf.tidy(() => tf.variable(tf.zeros([members.reduce((a, s) => a + s.size, 0)]), false)),
    );
  }

  /** One update from gradients already grouped by `group` (the Distiller groups once for its checks too). */
  abstract applyGroups(groups: tf.Tensor1D[]): void;

  /** The state by slot name ('m', 'v', ...): one variable per group, or null before the first step. */
  protected abstract slots(): Record<string, tf.Variable[] | null>;
  protected abstract setSlot(name: string, value: tf.Variable[]): void;

  /** The iteration count, then each slot's variables named `<slot>/<group>` (tf.Optimizer's format). */
  override async getWeights(): Promise<NamedTensor[]> {
    const state = Object.entries(this.slots()).flatMap(([slot, vars]) =>
      (vars ?? []).map((tensor, k) => ({ name: `${slot}/${k}`, tensor })),
    );
    return [await this.saveIterations(), ...state];
  }

  /** Restores what getWeights returned (same variables, same backend grouping). */
  override async setWeights(weights: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weights);
    for (const slot of Object.keys(this.slots())) {
      const mine = rest.filter((w) => w.name.startsWith(`${slot}/`));
      if (mine.length === 0) continue;
      if (this.groups != null && mine.length !== this.groups.length)
        throw new Error(
          `${this.getClassName()}.setWeights: ${mine.length} '${slot}' tensors, expected ${this.groups.length}`,
        );
      const old = this.slots()[slot];
      this.setSlot(
        slot,
        mine.map((w) => tf.variable(w.tensor, false)),
      );
      tf.dispose(old ?? []);
    }
  }

  override applyGradients(grads: Grads): void {
    tf.tidy(() => this.applyGroups(this.group(grads)));
  }
}

/** Adam over all variables at once; the same update as `tf.train.adam(learningRate, beta1, beta2, epsilon)`. */
export class MultiTensorAdam extends MultiTensorOptimizer {
  static get className(): string {
    return 'MultiTensorAdam';
  }
  private m: tf.Variable[] | null = null;
  private v: tf.Variable[] | null = null;
  readonly epsilon: number;

  constructor(
    readonly learningRate: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    epsilon?: number,
    options: { flatten?: boolean } = {},
  ) {
    super(options.flatten);
    for (const [what, x, lo, hi] of [
      ['learningRate', learningRate, 0, Infinity],
      ['beta1', beta1, 0, 1],
      ['beta2', beta2, 0, 1],
    ] as const)
      if (!(Number.isFinite(x) && x > lo && x < hi))
        throw new Error(`MultiTensorAdam: ${what} must be in (${lo}, ${hi === Infinity ? '∞' : hi}), got ${x}`);
    this.epsilon = epsilon ?? tf.backend().epsilon();
  }

  applyGroups(groups: tf.Tensor1D[]): void {
    const t = this.iterations + 1;
    // m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), √v̂ = √v/√(1−β₂ᵗ): the corrections are two float64 scalars.
    const stepSize = this.learningRate / (1 - this.beta1 ** t);
    const sqrtC2 = 1 / Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      this.m ??= this.zeros();
      this.v ??= this.zeros();
      groups.forEach((g, k) => {
        const m = tf.add(tf.mul(this.m![k], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v![k], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m![k].assign(m);
        this.v![k].assign(v);
        this.subtract(k, tf.div(tf.mul(m, stepSize), tf.add(tf.mul(tf.sqrt(v), sqrtC2), this.epsilon)));
      });
    });
    this.incrementIterations();
  }

  protected slots(): Record<string, tf.Variable[] | null> {
    return { m: this.m, v: this.v };
  }
  protected setSlot(name: string, value: tf.Variable[]): void {
    if (name === 'm') this.m = value;
    else this.v = value;
  }

  override dispose(): void {
    tf.dispose([...(this.m ?? []), ...(this.v ?? [])]);
    this.m = this.v = null;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * SGD with momentum over all variables at once; the same update as `tf.train.momentum(learningRate, momentum)`
 * (tfjs's form: a ← μa + g, θ ← θ − η·a; no Nesterov). With momentum 0 it is plain SGD.
 */
export class MultiTensorMomentum extends MultiTensorOptimizer {
  static get className(): string {
    return 'MultiTensorMomentum';
  }
  private a: tf.Variable[] | null = null;

  constructor(
    readonly learningRate: number,
    readonly momentum = 0.9,
    options: { flatten?: boolean } = {},
  ) {
    super(options.flatten);
    if (!(Number.isFinite(learningRate) && learningRate > 0))
      throw new Error(`MultiTensorMomentum: learningRate must be a positive number, got ${learningRate}`);
    if (!(Number.isFinite(momentum) && momentum >= 0 && momentum < 1))
      throw new Error(`MultiTensorMomentum: momentum must be in [0, 1), got ${momentum}`);
  }

  applyGroups(groups: tf.Tensor1D[]): void {
    tf.tidy(() => {
      if (this.momentum > 0) this.a ??= this.zeros();
      groups.forEach((g, k) => {
        if (this.momentum === 0) return this.subtract(k, tf.mul(g, this.learningRate));
        const a = tf.add(tf.mul(this.a![k], this.momentum), g);
        this.a![k].assign(a);
        this.subtract(k, tf.mul(a, this.learningRate));
      });
    });
    this.incrementIterations();
  }

  protected slots(): Record<string, tf.Variable[] | null> {
    return { a: this.a };
  }
  protected setSlot(_name: string, value: tf.Variable[]): void {
    this.a = value;
  }

  override dispose(): void {
    tf.dispose(this.a ?? []);
    this.a = null;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, momentum: this.momentum };
  }
}

export { MultiTensorOptimizer };
