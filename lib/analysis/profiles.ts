/**
 * Projection profiles (Trier, Jain & Taxt 1996, §4; the histogram projections of Glauberman 1956): the mean
 * intensity of every image row, then of every column — where the ink sits vertically and horizontally.
 */
import { tf } from '../tf';
import { imageTensor } from './input';

/**
 * Row means then column means: images [N, H, W] or [N, H, W, 1] → [N, H + W]. Feature i < H is the mean of row i,
 * feature H + j the mean of column j. The caller disposes the result.
 * Used in chapter 1 (§1.1, §1.3: one of the hand-designed feature families).
 *
 * @param images greyscale images.
 * @example
 * const f = kd.analysis.projectionProfiles(trainImages); // [N, 56] for 28 × 28 digits
 */
export function projectionProfiles(images: tf.Tensor): tf.Tensor2D {
  const x = imageTensor(images, 'projectionProfiles: images');
  try {
    const [n, h, w] = x.shape;
    return tf.tidy(() => {
      const m = x.reshape([n, h, w]);
      return tf.concat([tf.mean(m, 2), tf.mean(m, 1)], 1) as tf.Tensor2D;
    });
  } finally {
    x.dispose();
  }
}
