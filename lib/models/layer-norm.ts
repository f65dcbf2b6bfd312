/**
 * Layer normalisation (Ba, Kiros & Hinton 2016) over the last axis, for the Transformer blocks:
 *   y = γ ⊙ (x − μ) / √(σ² + ε) + β,   μ, σ² the mean and (biased) variance of x over its last axis.
 * Same weights ('gamma' ones, 'beta' zeros), ε (1e-3) and outputs as tf.layers.layerNormalization. Why
 * not that layer: tfjs-layers tiles γ, β, μ and σ² to the full input shape before calling batchNorm, and the
 * gradient of tile is one slice op per tiled copy — for a [64, 7, 48] input ≈ 1,000 ops per layer and step,
 * which made a one-block Transformer's step ~300 ms on the tensorflow backend. Broadcasting instead keeps
 * the backward pass to a handful of reductions.
 */
import * as tf from '@tensorflow/tfjs';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
type Shape = (number | null)[];

export interface LayerNormArgs extends LayerArgs {
  /** Added to the variance (default 1e-3, as tf.layers.layerNormalization). */
  epsilon?: number;
}

function oneShape(s: Shape | Shape[]): Shape {
  return (Array.isArray(s[0]) ? s[0] : s) as Shape;
}

export class LayerNorm extends tf.layers.Layer {
  static className = 'LayerNorm';
  readonly epsilon: number;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    const eps = args.epsilon ?? 1e-3;
    if (!(typeof eps === 'number' && eps > 0 && Number.isFinite(eps)))
      throw new Error(`LayerNorm: epsilon must be a positive number, got ${String(eps)}`);
    this.epsilon = eps;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = oneShape(inputShape);
    const d = shape[shape.length - 1];
    if (shape.length < 2 || d == null)
      throw new Error(`LayerNorm: input must be [batch, ..., d] with known d, got [${shape.join(', ')}]`);
    this.gamma = this.addWeight('gamma', [d], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return oneShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const { mean, variance } = tf.moments(x, -1, true);
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normed, this.gamma!.read()), this.beta!.read());
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(LayerNorm, 'kdlab');
