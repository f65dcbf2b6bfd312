/** Matrix-shaped plots: heatmaps, confusion matrices and grids of small images (MNIST digits). */
import { Figure, describe } from './figure';
import { Numbers, matrix, numbers, strings, fmt, isTensorLike, TensorLike } from './validate';
import { checkPositiveInt } from '../common/check';
import { baseLayout } from './style';

export interface HeatmapOptions {
  x?: string[];
  y?: string[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  colorscale?: string | [number, string][];
  /** Write each cell's value in the cell. */
  annotate?: boolean;
  zmin?: number;
  zmax?: number;
  /** Row 0 at the top, as a matrix is read (default true). */
  matrixOrder?: boolean;
}

/**
 * A heatmap of a rectangular matrix (number[][] or 2-D tensor); row i is drawn at y[i].
 * Used in chapter 4 (the soft targets of §4.4).
 */
export function heatmap(z: number[][] | TensorLike, opts: HeatmapOptions = {}): Figure {
  const m = matrix('heatmap: z', z);
  const rows = m.length,
    cols = m[0].length;
  const x =
    opts.x === undefined ? Array.from({ length: cols }, (_, i) => String(i)) : strings('heatmap: x', opts.x, cols);
  const y =
    opts.y === undefined ? Array.from({ length: rows }, (_, i) => String(i)) : strings('heatmap: y', opts.y, rows);
  const trace: Record<string, unknown> = { type: 'heatmap', z: m, x, y, colorscale: opts.colorscale ?? 'Viridis' };
  if (opts.zmin !== undefined) trace.zmin = opts.zmin;
  if (opts.zmax !== undefined) trace.zmax = opts.zmax;
  if (opts.annotate) {
    trace.text = m.map((r) => r.map(fmt));
    trace.texttemplate = '%{text}';
  }
  const layout = baseLayout(opts.title, opts.xTitle, opts.yTitle);
  (layout.xaxis as Record<string, unknown>).type = 'category';
  Object.assign(layout.yaxis as Record<string, unknown>, {
    type: 'category',
    autorange: opts.matrixOrder === false ? true : 'reversed',
  });
  return new Figure({ data: [trace], layout });
}

/**
 * Confusion matrix with counts in the cells: rows = true class, columns = predicted class
 * (the layout of kd.distill.evaluate's `confusion`). Accepts the matrix or the evaluate() result.
 * The title reports accuracy = trace / total, computed here from the counts.
 * Used in chapter 4 (the teacher's confusion matrix in §4.2).
 */
export function confusionMatrix(
  confusion: number[][] | TensorLike | { confusion: number[][] },
  opts: { labels?: string[]; title?: string; normalize?: boolean } = {},
): Figure {
  const src =
    confusion !== null &&
    typeof confusion === 'object' &&
    !Array.isArray(confusion) &&
    !isTensorLike(confusion) &&
    'confusion' in confusion
      ? confusion.confusion
      : confusion;
  const m = matrix('confusionMatrix: confusion', src);
  const k = m.length;
  if (m[0].length !== k) throw new Error(`confusionMatrix: confusion must be square, got ${k}×${m[0].length}`);
  m.forEach((r, i) =>
    r.forEach((v, j) => {
      if (v < 0 || !Number.isInteger(v))
        throw new Error(`confusionMatrix: confusion[${i}][${j}] must be a non-negative integer count, got ${v}`);
    }),
  );
  const labels =
    opts.labels === undefined
      ? Array.from({ length: k }, (_, i) => String(i))
      : strings('confusionMatrix: labels', opts.labels, k);
  const total = m.reduce((a, r) => a + r.reduce((b, v) => b + v, 0), 0);
  const correct = m.reduce((a, r, i) => a + r[i], 0);
  const z = opts.normalize
    ? m.map((r) => {
        const s = r.reduce((a, b) => a + b, 0);
        return r.map((v) => (s ? v / s : 0));
      })
    : m;
  const text = m.map((r, i) =>
    r.map((v, j) => (opts.normalize ? `${v}<br>${(100 * z[i][j]).toFixed(1)}%` : String(v))),
  );
  const title =
    opts.title ??
    (total > 0
      ? `Confusion matrix (accuracy ${((100 * correct) / total).toFixed(2)}%, n=${total})`
      : 'Confusion matrix');
  const fig = heatmap(z, {
    x: labels,
    y: labels,
    title,
    xTitle: 'predicted',
    yTitle: 'true',
    colorscale: [
      [0, '#f7fbff'],
      [1, '#08306b'],
    ],
  });
  Object.assign(fig.data[0], {
    text,
    texttemplate: '%{text}',
    hovertemplate: 'true %{y}, predicted %{x}: %{text}<extra></extra>',
  });
  Object.assign(fig.layout.yaxis as Record<string, unknown>, { scaleanchor: 'x' });
  // Light → dark blue with the count; square cells sized to the number of classes.
  fig.layout.height = Math.min(700, 200 + 40 * k);
  fig.layout.width = Math.min(800, 280 + 40 * k);
  return fig;
}

export interface ImageGridOptions {
  /** One caption per image, drawn above it (e.g. 'label 7 / pred 1'). */
  titles?: string[];
  /** Images per row (default: ceil(sqrt(n)), at most 10). */
  columns?: number;
  /** [height, width] of each image when they arrive flattened (default [28, 28]). */
  shape?: [number, number];
  title?: string;
}

type ImagesInput = TensorLike | Numbers | Numbers[] | number[][][];

/**
 * A grid of grayscale images as ONE composite heatmap (one trace, so it draws fast even for 100 digits):
 * images separated by empty (null) gaps, per-image titles as annotations above each image.
 * images: a tensor [N,H,W], [N,H,W,1] or [N,H*W]; a flat Float32Array of N·H·W values; an array of
 * flattened images (Float32Array[] / number[][]); or an array of 2-D images (number[][][]).
 * Values in [0,1] or 0–255, drawn white-on-black like the MNIST figures in the papers.
 * Used in chapter 4 (the least certain digits of §4.4).
 */
export function imageGrid(images: ImagesInput, opts: ImageGridOptions = {}): Figure {
  const { list, h, w } = toImages(images, opts.shape);
  const n = list.length;
  if (n === 0) throw new Error('imageGrid: expected at least one image, got 0');
  if (n > 400) throw new Error(`imageGrid: at most 400 images per grid, got ${n}`);
  const titles = opts.titles === undefined ? undefined : strings('imageGrid: titles', opts.titles, n);
  const columns = opts.columns ?? Math.min(10, Math.ceil(Math.sqrt(n)));
  checkPositiveInt(columns, 'imageGrid: columns');
  const rows = Math.ceil(n / columns);
  const gap = 2;
  const top = titles ? 6 : gap; // empty rows above each image: room for its caption
  const cellW = w + gap,
    cellH = h + top;
  const W = columns * cellW - gap,
    H = rows * cellH;
  const z: (number | null)[][] = Array.from({ length: H }, () => new Array<number | null>(W).fill(null));
  let lo = Infinity,
    hi = -Infinity;
  list.forEach((img, k) => {
    const r0 = Math.floor(k / columns) * cellH + top,
      c0 = (k % columns) * cellW;
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const v = img[i * w + j];
        z[r0 + i][c0 + j] = v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
  });
  const annotations =
    titles?.map((t, k) => ({
      text: t,
      showarrow: false,
      xref: 'x',
      yref: 'y',
      font: { size: 11 },
      x: (k % columns) * cellW + (w - 1) / 2,
      y: Math.floor(k / columns) * cellH + top - 1,
      yanchor: 'bottom',
      xanchor: 'center',
    })) ?? [];
  const px = Math.max(2, Math.min(6, Math.floor(900 / W)));
  const margin = { l: 10, r: 10, t: opts.title ? 50 : 10, b: 10 };
  const axis = { visible: false, showgrid: false, zeroline: false, fixedrange: true };
  return new Figure({
    data: [
      {
        type: 'heatmap',
        z,
        zmin: Math.min(0, lo),
        zmax: hi > 1 ? hi : 1,
        showscale: false,
        hoverongaps: false,
        colorscale: [
          [0, '#000000'],
          [1, '#ffffff'],
        ],
        xgap: 0,
        ygap: 0,
      },
    ],
    layout: {
      ...(opts.title ? { title: { text: opts.title } } : {}),
      width: W * px + margin.l + margin.r,
      height: H * px + margin.t + margin.b,
      margin,
      xaxis: { ...axis, range: [-0.5, W - 0.5] },
      yaxis: { ...axis, range: [H - 0.5, -0.5], scaleanchor: 'x' },
      plot_bgcolor: '#ffffff',
      annotations,
    },
    config: { displayModeBar: false },
  });
}

/** Normalise the accepted image inputs to flattened float images of one [h, w]. */
function toImages(images: ImagesInput, shape?: [number, number]): { list: number[][]; h: number; w: number } {
  let [h, w] = shape ?? [28, 28];
  if (
    shape !== undefined &&
    (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d > 0))
  ) {
    throw new Error(`imageGrid: shape must be [height, width] of positive integers, got ${JSON.stringify(shape)}`);
  }
  const split = (flat: number[], what: string) => {
    if (flat.length % (h * w) !== 0)
      throw new Error(`imageGrid: ${what} has ${flat.length} values, not a multiple of ${h}×${w}=${h * w}`);
    return Array.from({ length: flat.length / (h * w) }, (_, k) => flat.slice(k * h * w, (k + 1) * h * w));
  };
  if (isTensorLike(images)) {
    const s = images.shape;
    if ((s.length === 4 && s[3] === 1) || s.length === 3) [h, w] = [s[1], s[2]];
    else if (s.length !== 2)
      throw new Error(`imageGrid: tensor must be [N,H,W], [N,H,W,1] or [N,H*W], got [${s.join(',')}]`);
    return {
      list: split(numbers('imageGrid: images', images.dataSync(), { minLength: 0 }), `tensor [${s.join(',')}]`),
      h,
      w,
    };
  }
  if (ArrayBuffer.isView(images))
    return { list: split(numbers('imageGrid: images', images, { minLength: 0 }), 'images'), h, w };
  if (!Array.isArray(images))
    throw new Error(`imageGrid: images must be a tensor, typed array or array of images, got ${describe(images)}`);
  if (images.length > 0 && Array.isArray(images[0]) && Array.isArray((images[0] as unknown[])[0])) {
    // number[][][]: 2-D images; take [h, w] from the first.
    const first = images[0];
    [h, w] = [first.length, first[0].length];
    return {
      list: (images as number[][][]).map((img, k) => {
        if (!Array.isArray(img) || img.length !== h)
          throw new Error(`imageGrid: images[${k}] must have ${h} rows like images[0], got ${describe(img)}`);
        return img.flatMap((row, i) => {
          const r = numbers(`imageGrid: images[${k}][${i}]`, row);
          if (r.length !== w)
            throw new Error(`imageGrid: images[${k}][${i}]: expected ${w} values like images[0][0], got ${r.length}`);
          return r;
        });
      }),
      h,
      w,
    };
  }
  return {
    list: (images as Numbers[]).map((img, k) => {
      const f = numbers(`imageGrid: images[${k}]`, img);
      if (f.length !== h * w)
        throw new Error(`imageGrid: images[${k}]: expected ${h}×${w}=${h * w} values, got ${f.length}`);
      return f;
    }),
    h,
    w,
  };
}
