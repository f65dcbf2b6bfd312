/**
 * Non-plot display objects: tables, markdown text and raster images. Plain data here; the kdlab kernel
 * (kernel/display) renders them as text/html, text/markdown and image/png respectively.
 */
import { describe } from './figure';
import { isTensorLike, numbers, TensorLike } from './validate';

export const TABLE_KIND = 'kdlab.table';
export const MARKDOWN_KIND = 'kdlab.markdown';
export const IMAGE_KIND = 'kdlab.image';

export class Table {
  readonly kind = TABLE_KIND;
  constructor(
    readonly columns: string[],
    readonly rows: Record<string, unknown>[],
    readonly caption?: string,
    /** Significant digits for non-integer numbers (default 4). */
    readonly digits: number = 4,
  ) {}
}

/**
 * `table(rows, {columns?, caption?, digits?})` — rows are records; columns default to the union of their
 * keys in first-seen order. Missing cells render empty.
 * Used in chapter 4 (its set-up and result tables).
 */
export function table(
  rows: Record<string, unknown>[],
  opts: { columns?: string[]; caption?: string; digits?: number } = {},
): Table {
  if (!Array.isArray(rows)) throw new Error(`table: rows must be an array of records, got ${describe(rows)}`);
  rows.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r))
      throw new Error(`table: rows[${i}] must be a record (plain object), got ${describe(r)}`);
  });
  let columns = opts.columns;
  if (columns === undefined) {
    const seen = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
    columns = [...seen];
  } else if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) {
    throw new Error(`table: columns must be an array of strings, got ${describe(columns)}`);
  }
  const digits = opts.digits ?? 4;
  if (!Number.isInteger(digits) || digits < 1 || digits > 17)
    throw new Error(`table: digits must be an integer in [1,17], got ${digits}`);
  return new Table(columns, rows, opts.caption, digits);
}

export class Markdown {
  readonly kind = MARKDOWN_KIND;
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * `markdown(text)` — displayed as rendered Markdown (e.g. a generated result sentence in a chapter).
 * Used in chapter 4 (its generated result sentences).
 */
export function markdown(text: string): Markdown {
  if (typeof text !== 'string') throw new Error(`markdown: text must be a string, got ${describe(text)}`);
  return new Markdown(text);
}

export class Image {
  readonly kind = IMAGE_KIND;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: 1 | 3,
    /** Row-major 0–255 samples, `channels` per pixel. */
    readonly pixels: Uint8Array,
    /** Integer nearest-neighbour upscaling applied when encoded (a 28×28 digit is tiny on screen). */
    readonly scale: number,
  ) {}
}

/**
 * `image(x, {scale?, range?})` — a grayscale or RGB raster from a tensor [H,W], [H,W,1] or [H,W,3],
 * a 2-D number[][] (grayscale), or a flat array with `shape: [H,W]` / `[H,W,C]`.
 * range '01' means values in [0,1]; '255' means 0–255; default: '01' when every value ≤ 1.
 * scale defaults to the integer making the longer side at least 112 px (at most 8).
 */
export function image(
  x: TensorLike | number[][] | ArrayLike<number>,
  opts: { shape?: number[]; scale?: number; range?: '01' | '255' } = {},
): Image {
  let shape: number[];
  let flat: number[];
  if (isTensorLike(x)) {
    shape = x.shape.slice();
    flat = numbers('image: x', x.dataSync());
  } else if (Array.isArray(x) && x.length > 0 && Array.isArray(x[0])) {
    const rows = x;
    shape = [rows.length, rows[0].length];
    flat = rows.flatMap((r, i) => {
      const v = numbers(`image: x[${i}]`, r);
      if (v.length !== shape[1])
        throw new Error(`image: x[${i}]: expected ${shape[1]} values like x[0], got ${v.length}`);
      return v;
    });
  } else {
    if (opts.shape === undefined) throw new Error('image: a flat array needs opts.shape = [H,W] or [H,W,C]');
    shape = opts.shape.slice();
    flat = numbers('image: x', x);
  }
  if (shape.length === 2) shape.push(1);
  if (shape.length !== 3 || !(shape[2] === 1 || shape[2] === 3) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`image: expected shape [H,W], [H,W,1] or [H,W,3], got [${shape.join(',')}]`);
  }
  const [h, w, c] = shape;
  if (flat.length !== h * w * c)
    throw new Error(`image: shape [${shape.join(',')}] needs ${h * w * c} values, got ${flat.length}`);
  const max = flat.reduce((a, b) => Math.max(a, b), -Infinity);
  const min = flat.reduce((a, b) => Math.min(a, b), Infinity);
  const range = opts.range ?? (max <= 1 ? '01' : '255');
  const top = range === '01' ? 1 : 255;
  if (min < 0 || max > top)
    throw new Error(`image: values must lie in [0,${top}] (range '${range}'), got min ${min}, max ${max}`);
  const pixels = Uint8Array.from(flat, (v) => Math.round((v / top) * 255));
  const scale = opts.scale ?? Math.min(8, Math.max(1, Math.ceil(112 / Math.max(h, w))));
  if (!Number.isInteger(scale) || scale < 1 || scale > 64)
    throw new Error(`image: scale must be an integer in [1,64], got ${scale}`);
  return new Image(w, h, c, pixels, scale);
}
