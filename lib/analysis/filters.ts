/**
 * The hand-designed features drawn as filters, so a chapter can show them next to a CNN's learned first-layer
 * kernels: zoning's cell masks, the oriented-gradient kernels behind orientationHistograms' bins, and a mapping of
 * any signed kernels (hand-made or a conv layer's weights) to [0, 1] images for kd.plot.imageGrid.
 */
import { tf } from '../tf';

/**
 * Zoning's averaging masks: [cells][size][size], mask i is 1/cell² on cell i (row-major) and 0 elsewhere, so its
 * inner product with an image is zoning feature i.
 * Used in chapter 1 (§1.1: the hand-designed filters beside the CNN's).
 *
 * @param options `size` (image side, default 28), `cell` (default 4; must divide size).
 * @example kd.plot.imageGrid(kd.analysis.zoningMasks().slice(0, 7).map((m) => m.map((r) => r.map((v) => v * 16))))
 */
export function zoningMasks(options: { size?: number; cell?: number } = {}): number[][][] {
  const { size = 28, cell = 4 } = options;
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`zoningMasks: size must be a positive integer, got ${String(size)}`);
  if (!Number.isInteger(cell) || cell < 1 || size % cell !== 0) {
    throw new Error(`zoningMasks: cell must be a positive integer dividing size ${size}, got ${String(cell)}`);
  }
  const per = size / cell;
  return Array.from({ length: per * per }, (_, i) => {
    const top = Math.floor(i / per) * cell;
    const left = (i % per) * cell;
    return Array.from({ length: size }, (__, r) =>
      Array.from({ length: size }, (___, c) =>
        r >= top && r < top + cell && c >= left && c < left + cell ? 1 / (cell * cell) : 0,
      ),
    );
  });
}

/**
 * One oriented-derivative kernel per orientation bin: [bins][size][size], kernel b is the ramp
 * k(r, c) = (c − m)·cos θ_b + (r − m)·sin θ_b (m the centre, rows counted downwards as in the images, θ_b the bin's
 * centre (b + ½)π/bins), scaled to a largest magnitude of 1. Correlating it with a patch measures the patch's
 * intensity slope along θ_b — the quantity whose magnitude bin b of orientationHistograms collects.
 * Used in chapter 1 (§1.1: the hand-designed filters beside the CNN's).
 *
 * @param options `bins` (default 9, as orientationHistograms), `size` (odd side, default 7).
 * @example kd.plot.imageGrid(kd.analysis.filtersAsImages(kd.analysis.orientationKernels()), { shape: [7, 7] })
 */
export function orientationKernels(options: { bins?: number; size?: number } = {}): number[][][] {
  const { bins = 9, size = 7 } = options;
  if (!Number.isInteger(bins) || bins < 1)
    throw new Error(`orientationKernels: bins must be a positive integer, got ${String(bins)}`);
  if (!Number.isInteger(size) || size < 3 || size % 2 === 0) {
    throw new Error(`orientationKernels: size must be an odd integer ≥ 3, got ${String(size)}`);
  }
  const m = (size - 1) / 2;
  return Array.from({ length: bins }, (_, b) => {
    const theta = ((b + 0.5) * Math.PI) / bins;
    const k = Array.from({ length: size }, (__, r) =>
      Array.from({ length: size }, (___, c) => (c - m) * Math.cos(theta) + (r - m) * Math.sin(theta)),
    );
    const max = Math.max(...k.flat().map(Math.abs));
    return k.map((row) => row.map((v) => v / max));
  });
}

/**
 * Signed kernels as [0, 1] images: each kernel is scaled by its own largest magnitude so 0 maps to 0.5 (grey), its
 * most positive value to at most 1 and its most negative to at least 0; an all-zero kernel is all 0.5. Takes
 * number[][][] ([count][h][w]) or a conv2d kernel tensor [h, w, 1, count] (a first layer on greyscale input).
 * Used in chapter 1 (§1.1: hand-designed and learned first-layer filters as images).
 *
 * @example kd.plot.imageGrid(kd.analysis.filtersAsImages(cnn.layers[0].getWeights()[0]), { shape: [5, 5] })
 */
export function filtersAsImages(kernels: number[][][] | tf.Tensor): number[][][] {
  let list: number[][][];
  if (kernels instanceof tf.Tensor) {
    const s = kernels.shape;
    if (kernels.rank !== 4 || s[2] !== 1) {
      throw new Error(`filtersAsImages: a kernel tensor must be a conv2d kernel [h, w, 1, count], got shape [${s}]`);
    }
    const v = kernels.arraySync() as number[][][][];
    const count = s[3] ?? 0;
    list = Array.from({ length: count }, (_, f) => v.map((row) => row.map((px) => px[0][f])));
  } else if (
    Array.isArray(kernels) &&
    kernels.length > 0 &&
    kernels.every((k) => Array.isArray(k) && k.every(Array.isArray))
  ) {
    list = kernels;
  } else {
    throw new Error(
      'filtersAsImages: kernels must be a non-empty number[][][] or a conv2d kernel tensor [h, w, 1, count]',
    );
  }
  return list.map((k) => {
    const max = Math.max(0, ...k.flat().map(Math.abs));
    return k.map((row) => row.map((v) => (max === 0 ? 0.5 : 0.5 + v / (2 * max))));
  });
}
