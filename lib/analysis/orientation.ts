/**
 * Gradient-orientation histograms in the spirit of HOG (Dalal & Triggs, "Histograms of oriented gradients for human
 * detection", CVPR 2005): per-pixel gradients from the centred [−1, 0, 1] masks, unsigned orientation in [0, π)
 * voted by gradient magnitude into `bins` equal orientation bins per cell × cell cell, and the cell histograms
 * L2-normalised over overlapping block × block groups of cells (stride one cell).
 *
 * Simplified from the paper, so every feature can be worked out by hand: a pixel votes into its one bin and its one
 * cell (no bilinear interpolation between bins or cells, no Gaussian block window), and borders repeat the edge
 * pixel (so a bar reaching the border has no gradient across the border).
 */
import { tf } from '../tf';
import { imageTensor } from './input';
import { checkCell } from './zoning';

export interface OrientationHistogramOptions {
  /** Side of a cell in pixels; must divide the image height and width. Default 7 (a 4 × 4 grid of cells on 28 × 28). */
  cell?: number;
  /** Orientation bins over [0, π); bin b holds orientations in [bπ/bins, (b+1)π/bins). Default 9 (20° each). */
  bins?: number;
  /** Block side in cells for the normalisation; an integer in [1, min(cells down, cells across)]. Default 2. */
  block?: number;
  /** false returns the raw per-cell histograms (sums of gradient magnitude) instead of normalised blocks. Default true. */
  normalise?: boolean;
  /** ε in v / √(‖v‖² + ε²), so a block with no gradient stays zero instead of dividing by zero. Default 1e-3. */
  epsilon?: number;
}

/**
 * HOG-style features: images [N, H, W] or [N, H, W, 1] → [N, F]. Normalised (default): F = blocksDown · blocksAcross
 * · block² · bins, blocks row-major, each block's cells row-major, each cell's bins in order (324 for 28 × 28 with the
 * defaults). Raw (`normalise: false`): F = cellsDown · cellsAcross · bins. The caller disposes the result.
 * Used in chapter 1 (§1.1, §1.3: one of the hand-designed feature families).
 *
 * @param images greyscale images.
 * @param options `cell` (7), `bins` (9), `block` (2), `normalise` (true), `epsilon` (1e-3).
 * @example
 * const f = kd.analysis.orientationHistograms(trainImages); // [N, 324]
 * const raw = kd.analysis.orientationHistograms(trainImages, { normalise: false }); // [N, 144]
 */
export function orientationHistograms(images: tf.Tensor, options: OrientationHistogramOptions = {}): tf.Tensor2D {
  const { cell = 7, bins = 9, block = 2, normalise = true, epsilon = 1e-3 } = options;
  const x = imageTensor(images, 'orientationHistograms: images');
  try {
    const [n, h, w] = x.shape;
    checkCell(cell, h, w, 'orientationHistograms');
    const cy = h / cell;
    const cx = w / cell;
    if (!Number.isInteger(bins) || bins < 1) {
      throw new Error(`orientationHistograms: bins must be a positive integer, got ${String(bins)}`);
    }
    if (normalise && (!Number.isInteger(block) || block < 1 || block > Math.min(cy, cx))) {
      throw new Error(
        `orientationHistograms: block must be an integer in [1, ${Math.min(cy, cx)}] (cells per side), got ${String(block)}`,
      );
    }
    if (!(epsilon > 0)) throw new Error(`orientationHistograms: epsilon must be > 0, got ${String(epsilon)}`);
    // the per-pixel votes are [n, h, w, bins] floats (225 MB for 8000 digits): extract a chunk of images at a time
    const parts: tf.Tensor2D[] = [];
    try {
      for (let start = 0; start < n; start += CHUNK) {
        const size = Math.min(CHUNK, n - start);
        parts.push(
          tf.tidy(() =>
            chunkFeatures(x.slice([start, 0, 0, 0], [size, h, w, 1]), cell, bins, normalise ? block : 0, epsilon),
          ),
        );
      }
      return parts.length === 1 ? parts.pop()! : tf.concat(parts, 0);
    } finally {
      tf.dispose(parts);
    }
  } finally {
    x.dispose();
  }
}

/** Images per extraction step. */
const CHUNK = 1024;

/** The features of one chunk; block 0 means raw cell histograms. */
function chunkFeatures(x: tf.Tensor4D, cell: number, bins: number, block: number, epsilon: number): tf.Tensor2D {
  const [n, h, w] = x.shape;
  const cy = h / cell;
  const cx = w / cell;
  const cells = cellHistograms(x, cell, bins); // [n, cy, cx, bins]
  if (block === 0) return cells.reshape([n, cy * cx * bins]);
  const blocks: tf.Tensor2D[] = [];
  for (let by = 0; by + block <= cy; by++) {
    for (let bx = 0; bx + block <= cx; bx++) {
      const v = cells.slice([0, by, bx, 0], [n, block, block, bins]).reshape([n, block * block * bins]);
      blocks.push(tf.div(v, tf.sqrt(tf.add(tf.sum(tf.square(v), 1, true), epsilon * epsilon))));
    }
  }
  return tf.concat(blocks, 1);
}

/** Per-cell sums of gradient magnitude by orientation bin: [n, h, w, 1] → [n, h/cell, w/cell, bins]. */
function cellHistograms(x: tf.Tensor4D, cell: number, bins: number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const p = tf.mirrorPad(
    x,
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    'symmetric',
  );
  const at = (dy: number, dx: number) => p.slice([0, 1 + dy, 1 + dx, 0], [n, h, w, 1]);
  const gx = tf.sub(at(0, 1), at(0, -1));
  const gy = tf.sub(at(1, 0), at(-1, 0));
  const magnitude = tf.sqrt(tf.add(tf.square(gx), tf.square(gy)));
  // atan2 is in (−π, π]; adding π to negatives and folding π itself to 0 gives the unsigned orientation in [0, π).
  let theta = tf.atan2(gy, gx);
  theta = tf.where(tf.less(theta, 0), tf.add(theta, Math.PI), theta);
  theta = tf.where(tf.greaterEqual(theta, Math.PI), tf.sub(theta, Math.PI), theta);
  const bin = tf
    .clipByValue(tf.floor(tf.mul(theta, bins / Math.PI)), 0, bins - 1)
    .toInt()
    .reshape([n, h, w]);
  const votes = tf.mul<tf.Tensor4D>(tf.oneHot(bin, bins).toFloat(), magnitude); // [n, h, w, bins]
  return tf.mul(tf.avgPool(votes, cell, cell, 'valid'), cell * cell);
}
