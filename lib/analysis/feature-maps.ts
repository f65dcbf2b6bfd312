/**
 * Feature maps and attention maps of one sample as images (chapter 5's "seeing the intermediate knowledge"):
 * a conv layer's output [n, h, w, c] becomes `channels` single-channel images and one attention map
 * Q = (1/c) Σ_c |f_c|^p (Zagoruyko & Komodakis 2017), each scaled to [0, 1] on its own so that imageGrid draws
 * a weakly and a strongly activated map alike (the shapes are compared, not the magnitudes).
 */
import * as tf from '@tensorflow/tfjs';

export interface FeatureMapImagesOptions {
  /** Which sample of the batch (default 0). */
  sample?: number;
  /** How many channels, from the first (default 4; fewer if the layer has fewer). */
  channels?: number;
  /** Power of the attention map (default 2). */
  p?: number;
}

export interface FeatureMapImages {
  /** One [h][w] image per channel, each min–max scaled to [0, 1] (an all-constant map is all 0). */
  channels: number[][][];
  /** The attention map (1/c) Σ |f|^p over ALL channels, min–max scaled to [0, 1]. */
  attention: number[][];
}

/**
 * Images of one sample's feature maps and its attention map.
 * @param features a conv layer's output [n, h, w, c] (e.g. an Extraction's `features.conv1`)
 * @param opts `sample` (0), `channels` (4), `p` (2)
 * @example
 * const { channels, attention } = kd.analysis.featureMapImages(extract(x).features.block1, { channels: 4 });
 * kd.plot.imageGrid([...channels, attention], { shape: [14, 14] });
 */
export function featureMapImages(features: tf.Tensor, opts: FeatureMapImagesOptions = {}): FeatureMapImages {
  if (!(features instanceof tf.Tensor) || features.rank !== 4)
    throw new Error(
      `featureMapImages: features must be a conv output [n, h, w, c], got ${features instanceof tf.Tensor ? `shape ${JSON.stringify(features.shape)}` : typeof features}`,
    );
  const [n, h, w, c] = features.shape;
  const sample = opts.sample ?? 0;
  if (!(Number.isInteger(sample) && sample >= 0 && sample < n))
    throw new Error(`featureMapImages: sample must be an integer in [0, ${n - 1}], got ${sample}`);
  const count = opts.channels ?? 4;
  if (!(Number.isInteger(count) && count >= 1))
    throw new Error(`featureMapImages: channels must be an integer >= 1, got ${count}`);
  const p = opts.p ?? 2;
  if (!(p > 0 && Number.isFinite(p))) throw new Error(`featureMapImages: p must be a positive number, got ${p}`);
  const one = tf.tidy(() => features.slice([sample, 0, 0, 0], [1, h, w, c]));
  const v = one.dataSync();
  one.dispose();
  const at = (y: number, x: number, k: number) => v[(y * w + x) * c + k];
  const grid = (f: (y: number, x: number) => number) =>
    Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => f(y, x)));
  const channels = Array.from({ length: Math.min(count, c) }, (_, k) => scaled(grid((y, x) => at(y, x, k))));
  const attention = scaled(
    grid((y, x) => {
      let s = 0;
      for (let k = 0; k < c; k++) s += Math.abs(at(y, x, k)) ** p;
      return s / c;
    }),
  );
  return { channels, attention };
}

/** Min–max scaled to [0, 1]; a constant image becomes all 0. */
function scaled(img: number[][]): number[][] {
  const flat = img.flat();
  const lo = Math.min(...flat);
  const range = Math.max(...flat) - lo;
  return img.map((row) => row.map((u) => (range > 0 ? (u - lo) / range : 0)));
}
