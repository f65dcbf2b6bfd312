/**
 * Hint adapters / regressors (FitNets, Romero et al. 2015 §2.2): a small trainable map from the
 * student's guided-layer output to the teacher's hint-layer shape, trained with the student and
 * dropped afterwards. `from` = student feature shape, `to` = teacher feature shape (no batch axis;
 * get them with kd.models.layerShape(model, 'block1')).
 *
 *   [H, W, Cs] → [H, W, Ct]      'adapter_conv'  1×1 conv (params Cs·Ct + Ct)
 *   [Hs, Ws, Cs] → [Ht, Wt, Ct]  'adapter_conv'  kh×kw 'valid' conv with kh = Hs − Ht + 1, kw = Ws − Wt + 1
 *                                (the FitNets convolutional regressor; needs Hs ≥ Ht, Ws ≥ Wt)
 *   [..] → [Dt]                  'adapter_flatten' (if rank > 1) + 'adapter_dense' Dense(Dt), linear
 * Inputs are named 'adapter_input'. Output is linear (no activation), as in FitNets.
 */
import * as tf from '@tensorflow/tfjs';
import { checkShape, glorot, seeder } from './common';

export interface AdapterOptions {
  /** Student feature shape (no batch axis). */
  from: number[];
  /** Teacher feature shape (no batch axis). */
  to: number[];
  /** Force 'dense' (flatten + dense, reshaped to `to`); default: conv for rank-3 → rank-3, dense otherwise. */
  kind?: 'conv' | 'dense';
  name?: string;
  seed?: number;
}

export function adapter(opts: AdapterOptions): tf.LayersModel {
  if (opts == null) throw new Error('adapter: options { from, to } are required');
  const from = checkShape(opts.from, 'adapter: from');
  const to = checkShape(opts.to, 'adapter: to');
  const next = seeder(opts.seed ?? 0);
  const inp = tf.input({ shape: from, name: 'adapter_input' });
  const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor) => layer.apply(x) as tf.SymbolicTensor;
  const kind = opts.kind ?? (from.length === 3 && to.length === 3 ? 'conv' : 'dense');
  let out: tf.SymbolicTensor;
  if (kind === 'conv') {
    if (from.length !== 3 || to.length !== 3) {
      throw new Error(
        `adapter: a conv adapter maps [H, W, C] to [H, W, C], got from [${from.join(', ')}] to [${to.join(', ')}]`,
      );
    }
    const kh = from[0] - to[0] + 1;
    const kw = from[1] - to[1] + 1;
    if (kh < 1 || kw < 1) {
      throw new Error(
        `adapter: conv adapter needs the student map at least as large as the teacher's, got from [${from.join(', ')}] to [${to.join(', ')}]`,
      );
    }
    out = apply(
      tf.layers.conv2d({
        filters: to[2],
        kernelSize: [kh, kw],
        padding: 'valid',
        kernelInitializer: glorot(next()),
        name: 'adapter_conv',
      }),
      inp,
    );
  } else if (kind === 'dense') {
    let h = inp;
    if (from.length > 1) h = apply(tf.layers.flatten({ name: 'adapter_flatten' }), h);
    const units = to.reduce((a, b) => a * b, 1);
    out = apply(tf.layers.dense({ units, kernelInitializer: glorot(next()), name: 'adapter_dense' }), h);
    if (to.length > 1) out = apply(tf.layers.reshape({ targetShape: to, name: 'adapter_reshape' }), out);
  } else {
    throw new Error(`adapter: kind must be 'conv' or 'dense', got '${String(kind)}'`);
  }
  return tf.model({ inputs: inp, outputs: out, name: opts.name ?? 'adapter' });
}
