/**
 * Zoning (pixel-density grid) features for character images (Trier, Jain & Taxt, "Feature extraction methods for
 * character recognition — a survey", Pattern Recognition 29(4), 1996, §4): the image cut into a grid of
 * cell × cell squares, each reduced to its mean intensity.
 */
import { tf } from '../tf';
import { imageTensor } from './input';

export interface ZoningOptions {
  /** Side of a square cell in pixels; must divide the image height and width. Default 4 (a 7 × 7 grid on 28 × 28). */
  cell?: number;
}

/**
 * Mean intensity of each cell, row-major over the grid: images [N, H, W] or [N, H, W, 1] → [N, (H/cell)·(W/cell)].
 * The caller disposes the result.
 * Used in chapter 1 (§1.1, §1.3: one of the hand-designed feature families).
 *
 * @param images greyscale images, any scale (the features keep it: [0, 1] pixels give [0, 1] features).
 * @param options `cell` (default 4).
 * @example
 * const f = kd.analysis.zoning(trainImages); // [N, 49] for 28 × 28 digits
 */
export function zoning(images: tf.Tensor, options: ZoningOptions = {}): tf.Tensor2D {
  const cell = options.cell ?? 4;
  const x = imageTensor(images, 'zoning: images');
  try {
    const [n, h, w] = x.shape;
    checkCell(cell, h, w, 'zoning');
    return tf.tidy(() => tf.avgPool(x, cell, cell, 'valid').reshape([n, (h / cell) * (w / cell)]));
  } finally {
    x.dispose();
  }
}

/** `cell` must be a positive integer dividing both image sides. */
export function checkCell(cell: unknown, h: number, w: number, fn: string): asserts cell is number {
  if (typeof cell !== 'number' || !Number.isInteger(cell) || cell < 1 || h % cell !== 0 || w % cell !== 0) {
    throw new Error(`${fn}: cell must be a positive integer dividing the image size ${h} × ${w}, got ${String(cell)}`);
  }
}
