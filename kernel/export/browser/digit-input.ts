/**
 * A drawn stroke → the 28×28 input an MNIST model expects, the way MNIST itself was made (LeCun et al.): crop to the
 * ink's bounding box, scale it to fit a 20×20 box keeping its aspect ratio (area averaging, which gives the grey
 * anti-aliased edges MNIST digits have), then place it in a 28×28 field so that its centre of mass is the field's
 * centre. Values stay in [0, 1] (ink 1, paper 0).
 *
 * Coordinates: pixel (i, j) of a field covers [j, j+1) × [i, i+1), so its centre is (j + 0.5, i + 0.5) and the
 * centre of the 28×28 field is (14, 14). The centre of mass is moved there exactly (up to float rounding) by a
 * sub-pixel shift: each pixel is split between two neighbours in proportion to the fractional part, which moves the
 * mass's mean by exactly the shift. Ink pushed past the field's edge by the shift is lost, as in MNIST.
 *
 * A module without imports: tests import it, and the site wraps its compiled form for the browser (../live.ts).
 */

export const FIELD = 28;
export const BOX = 20;

export interface Bounds {
  /** First column and row with ink, and one past the last. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The smallest rectangle holding every pixel with ink > 0; null for a blank image. */
export function inkBounds(ink: ArrayLike<number>, width: number, height: number): Bounds | null {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0) {
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        if (y >= y1) y1 = y + 1;
      }
    }
  }
  return x1 > 0 ? { x0, y0, x1, y1 } : null;
}

/**
 * Area-averaging weights from n source pixels to m target pixels: row k holds how much of target pixel k's span
 * [k·n/m, (k+1)·n/m) each source pixel covers, divided by the span's length (each row sums to 1).
 */
export function areaWeights(n: number, m: number): number[][] {
  const span = n / m;
  const rows: number[][] = [];
  for (let k = 0; k < m; k++) {
    const a = k * span;
    const b = (k + 1) * span;
    const row = new Array<number>(n).fill(0);
    for (let s = Math.floor(a); s < Math.min(n, Math.ceil(b)); s++)
      row[s] = (Math.min(b, s + 1) - Math.max(a, s)) / span;
    rows.push(row);
  }
  return rows;
}

/** The inked rectangle scaled so its longer side is `box` pixels (the shorter one rounded, at least 1). */
export function scaleToBox(
  ink: ArrayLike<number>,
  width: number,
  b: Bounds,
  box = BOX,
): { pixels: Float32Array; w: number; h: number } {
  const sw = b.x1 - b.x0;
  const sh = b.y1 - b.y0;
  const s = box / Math.max(sw, sh);
  const w = Math.max(1, Math.round(sw * s));
  const h = Math.max(1, Math.round(sh * s));
  const wx = areaWeights(sw, w);
  const wy = areaWeights(sh, h);
  // Separable: first along x for every source row, then along y.
  const rows = new Float64Array(sh * w);
  for (let y = 0; y < sh; y++)
    for (let k = 0; k < w; k++) {
      let v = 0;
      const row = wx[k];
      for (let x = 0; x < sw; x++) if (row[x] !== 0) v += row[x] * ink[(b.y0 + y) * width + b.x0 + x];
      rows[y * w + k] = v;
    }
  const pixels = new Float32Array(w * h);
  for (let k = 0; k < h; k++)
    for (let x = 0; x < w; x++) {
      let v = 0;
      for (let y = 0; y < sh; y++) if (wy[k][y] !== 0) v += wy[k][y] * rows[y * w + x];
      pixels[k * w + x] = Math.min(1, Math.max(0, v));
    }
  return { pixels, w, h };
}

/** Centre of mass in pixel-centre coordinates (pixel j's centre is j + 0.5); null when there is no mass. */
export function centreOfMass(pixels: ArrayLike<number>, w: number, h: number): { x: number; y: number } | null {
  let m = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = pixels[y * w + x];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  return m > 0 ? { x: mx / m, y: my / m } : null;
}

/** 1-D split of a shift by `offset` pixels: [first target index, weight there, weight on the next]. */
function split(offset: number): [number, number, number] {
  const a = Math.floor(offset);
  const f = offset - a;
  return [a, 1 - f, f];
}

/** `pixels` (w × h) placed in a size × size field with its centre of mass at (size/2, size/2). */
export function placeByMass(pixels: ArrayLike<number>, w: number, h: number, size = FIELD): Float32Array {
  const out = new Float32Array(size * size);
  const c = centreOfMass(pixels, w, h);
  if (!c) return out;
  const [ax, px0, px1] = split(size / 2 - c.x);
  const [ay, py0, py1] = split(size / 2 - c.y);
  const add = (x: number, y: number, v: number) => {
    if (x >= 0 && x < size && y >= 0 && y < size) out[y * size + x] += v;
  };
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = pixels[y * w + x];
      if (v === 0) continue;
      add(x + ax, y + ay, v * px0 * py0);
      add(x + ax + 1, y + ay, v * px1 * py0);
      add(x + ax, y + ay + 1, v * px0 * py1);
      add(x + ax + 1, y + ay + 1, v * px1 * py1);
    }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, out[i]);
  return out;
}

/** Ink in [0, 1] (width × height, row-major) → the 784 MNIST-style inputs; null when nothing is drawn. */
export function toMnistInput(ink: ArrayLike<number>, width: number, height: number): Float32Array | null {
  if (ink.length !== width * height)
    throw new Error(`toMnistInput: expected ${width}×${height} = ${width * height} values, got ${ink.length}`);
  const b = inkBounds(ink, width, height);
  if (!b) return null;
  const { pixels, w, h } = scaleToBox(ink, width, b);
  return placeByMass(pixels, w, h);
}

/** softmax(z / T), computed stably in float64. */
export function softmax(logits: ArrayLike<number>, temperature: number): number[] {
  const z = Array.from(logits, (v) => v / temperature);
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / sum);
}

/** Shannon entropy in bits. */
export function entropyBits(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) if (p[i] > 0) h -= p[i] * Math.log2(p[i]);
  return h;
}
