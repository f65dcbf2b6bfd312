/**
 * Custom layers kdlab's models need and tfjs-layers lacks. Each is registered with
 * tf.serialization.registerClass (package 'kdlab'; the saved JSON's class_name is the plain class name),
 * has a complete getConfig(), and so survives model.save → tf.loadLayersModel as long as kdlab
 * is imported (importing kdlab registers them).
 *
 *  - MultiHeadSelfAttention  Vaswani et al. (2017) scaled dot-product attention, h heads.
 *  - PositionEmbedding       learned absolute position embeddings added to a [T, d] sequence.
 *  - L2Normalize             x / ||x||₂ on the last axis (embedding nets, Yu 2019 / RKD).
 *  - SeededDropout           inverted dropout whose masks come from (seed, call counter): reproducible
 *                            yet different at every step (tf.layers.dropout with a fixed seed would
 *                            reuse ONE mask forever; without a seed it is not reproducible).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../common/random';
import { checkPositiveInt } from '../common/check';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Kwargs = Record<string, unknown>;
type Shape = (number | null)[];

function single(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(x) ? x[0] : x;
}

/** The one input shape of a single-input layer (tfjs may pass [shape] or shape). */
function oneShape(s: Shape | Shape[]): Shape {
  return (Array.isArray(s[0]) ? s[0] : s) as Shape;
}

export interface MultiHeadSelfAttentionArgs extends LayerArgs {
  /** Number of heads h. */
  numHeads: number;
  /** Size of each head's query/key/value k (default d / h). */
  keyDim?: number;
  /** Mask attention to future positions (decoder style). Default false. */
  causal?: boolean;
  /** Seed of the Glorot-uniform initialisers (default 0). */
  seed?: number;
}

/**
 * Multi-head self-attention on x [B, T, d]:
 *   Q = x Wq + bq, K = x Wk + bk, V = x Wv + bv        (each [B, T, h·k], split into h heads [B, h, T, k])
 *   A = softmax(Q Kᵀ / √k)                             ([B, h, T, T], optionally causal-masked)
 *   out = concat_h(A V) Wo + bo                        ([B, T, d])
 * Weights: query/key/value kernels [d, h·k] and biases [h·k]; output kernel [h·k, d] and bias [d]
 * → params = 4·d·h·k + 3·h·k + d.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'MultiHeadSelfAttention';
  readonly numHeads: number;
  readonly keyDim: number | undefined;
  readonly causal: boolean;
  readonly seed: number;
  private w: Record<string, tf.LayerVariable> = {};
  private headDim = 0;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.numHeads = checkPositiveInt(args.numHeads, 'MultiHeadSelfAttention: numHeads');
    this.keyDim = args.keyDim;
    this.causal = args.causal ?? false;
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = oneShape(inputShape);
    if (shape.length !== 3 || shape[2] == null) {
      throw new Error(`MultiHeadSelfAttention: input must be [batch, T, d] with known d, got [${shape.join(', ')}]`);
    }
    const d = shape[2];
    const k = this.keyDim ?? d / this.numHeads;
    if (!Number.isInteger(k) || k < 1) {
      throw new Error(`MultiHeadSelfAttention: d = ${d} is not divisible by numHeads = ${this.numHeads}; pass keyDim`);
    }
    this.headDim = k;
    const hk = this.numHeads * k;
    const glorot = (i: number) => tf.initializers.glorotUniform({ seed: deriveSeed(this.seed, i) });
    const zeros = tf.initializers.zeros();
    this.w.qKernel = this.addWeight('query_kernel', [d, hk], 'float32', glorot(1));
    this.w.qBias = this.addWeight('query_bias', [hk], 'float32', zeros);
    this.w.kKernel = this.addWeight('key_kernel', [d, hk], 'float32', glorot(2));
    this.w.kBias = this.addWeight('key_bias', [hk], 'float32', zeros);
    this.w.vKernel = this.addWeight('value_kernel', [d, hk], 'float32', glorot(3));
    this.w.vBias = this.addWeight('value_bias', [hk], 'float32', zeros);
    this.w.oKernel = this.addWeight('output_kernel', [hk, d], 'float32', glorot(4));
    this.w.oBias = this.addWeight('output_bias', [d], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [B, T, d] = x.shape;
      const h = this.numHeads;
      const k = this.headDim;
      const flat = tf.reshape(x, [B * T, d]);
      const project = (kernel: tf.LayerVariable, bias: tf.LayerVariable) =>
        tf.transpose(tf.reshape(tf.add(tf.matMul(flat, kernel.read()), bias.read()), [B, T, h, k]), [0, 2, 1, 3]);
      const q = project(this.w.qKernel, this.w.qBias);
      const key = project(this.w.kKernel, this.w.kBias);
      const v = project(this.w.vKernel, this.w.vBias);
      let scores = tf.mul(tf.matMul(q, key, false, true), 1 / Math.sqrt(k));
      if (this.causal) {
        const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0); // 1 on and below the diagonal
        scores = tf.add(scores, tf.mul(tf.sub(1, mask), -1e9));
      }
      const attn = tf.softmax(scores, -1);
      const ctx = tf.reshape(tf.transpose(tf.matMul(attn, v), [0, 2, 1, 3]), [B * T, h * k]);
      return tf.reshape(tf.add(tf.matMul(ctx, this.w.oKernel.read()), this.w.oBias.read()), [B, T, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const cfg: tf.serialization.ConfigDict = { numHeads: this.numHeads, causal: this.causal, seed: this.seed };
    if (this.keyDim !== undefined) cfg.keyDim = this.keyDim;
    return { ...super.getConfig(), ...cfg };
  }
}

export interface PositionEmbeddingArgs extends LayerArgs {
  seed?: number;
}

/** x [B, T, d] + P[T, d], P learned (truncated normal σ = 0.02, as BERT). params = T·d. */
export class PositionEmbedding extends tf.layers.Layer {
  static className = 'PositionEmbedding';
  readonly seed: number;
  private table: tf.LayerVariable | null = null;

  constructor(args: PositionEmbeddingArgs = {}) {
    super(args);
    this.seed = args.seed ?? 0;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = oneShape(inputShape);
    if (shape.length !== 3 || shape[1] == null || shape[2] == null) {
      throw new Error(`PositionEmbedding: input must be [batch, T, d] with known T and d, got [${shape.join(', ')}]`);
    }
    this.table = this.addWeight(
      'embeddings',
      [shape[1], shape[2]],
      'float32',
      tf.initializers.truncatedNormal({ stddev: 0.02, seed: this.seed }),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(single(inputs), this.table!.read()));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}

export interface L2NormalizeArgs extends LayerArgs {
  epsilon?: number;
}

/** y = x / sqrt(max(Σ x², ε)) over the last axis: embeddings on the unit sphere. No weights. */
export class L2Normalize extends tf.layers.Layer {
  static className = 'L2Normalize';
  readonly epsilon: number;

  constructor(args: L2NormalizeArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-12;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), this.epsilon)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

export interface SeededDropoutArgs extends LayerArgs {
  rate: number;
  seed?: number;
}

/**
 * Inverted dropout (Srivastava et al. 2014): in training, zero each unit with probability `rate`
 * and scale survivors by 1/(1−rate); identity at inference. Call number i uses seed
 * deriveSeed(seed, i), so two models built with the same seed draw the same sequence of masks.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'SeededDropout';
  readonly rate: number;
  readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`SeededDropout: rate must be in [0, 1), got ${args.rate}`);
    }
    this.rate = args.rate;
    this.seed = args.seed ?? 0;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    if (kwargs?.training !== true || this.rate === 0) return tf.clone(x);
    const seed = deriveSeed(this.seed, this.calls++);
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, seed));
  }

  /** Restart the mask sequence (e.g. to replay a run). */
  resetSeed(seed = this.seed): void {
    (this as { seed: number }).seed = seed;
    this.calls = 0;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

for (const cls of [MultiHeadSelfAttention, PositionEmbedding, L2Normalize, SeededDropout]) {
  tf.serialization.registerClass(cls, 'kdlab');
}
