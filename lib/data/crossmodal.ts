/**
 * A paired two-modality dataset for the cross-modal distillation chapter (Gupta et al. 2016,
 * "Cross Modal Distillation for Supervision Transfer": a teacher trained on modality A supervises
 * a student that only sees modality B of the same scene).
 *
 * THE PAIRING IS SYNTHETIC. There is no second physical sensor: modality B is computed from the
 * same real MNIST digit, imitating a different, poorer sensor of the same sample:
 *  - 'profiles': row and column intensity profiles (like a line-scan sensor):
 *      p[r] = mean_c img[r, c]   (H values), then q[c] = mean_r img[r, c]   (W values) → H + W = 56 features
 *  - 'lowres':   a (H/f)×(W/f) low-resolution rendering (mean of each f×f block, f = 4 → 7×7×1)
 * each plus independent Gaussian noise of standard deviation `noise` (seeded). Values are not clipped.
 */
import { Dataset, validate } from './dataset';
import { mulberry32, randNormal } from '../common/random';

export type CrossModalView = 'profiles' | 'lowres';

export interface CrossModalOptions {
  /** Which modality-B view(s) to add (default 'profiles'). */
  view?: CrossModalView | CrossModalView[];
  /** Seed of the sensor noise (default 0). */
  seed?: number;
  /** Standard deviation of the additive Gaussian sensor noise (default 0.05; 0 = noiseless). */
  noise?: number;
  /** Block size of 'lowres' (default 4: 28×28 → 7×7). Must divide H and W. */
  factor?: number;
}

/**
 * Returns the dataset (same x, y, order) with `views.image` (modality A, the image itself) and
 * `views.profiles` and/or `views.lowres` (modality B). Needs single-channel images [H, W, 1].
 */
export function crossModal(ds: Dataset, opts: CrossModalOptions = {}): Dataset {
  validate(ds, 'crossModal: ds');
  const [H, W, C] = ds.sampleShape;
  if (ds.sampleShape.length !== 3 || C !== 1) {
    throw new Error(
      `crossModal: ds.sampleShape must be [H, W, 1] (single-channel images), got [${ds.sampleShape.join(', ')}]`,
    );
  }
  const views = Array.isArray(opts.view) ? opts.view : [opts.view ?? 'profiles'];
  const noise = opts.noise ?? 0.05;
  if (!(noise >= 0)) throw new Error(`crossModal: noise must be ≥ 0, got ${noise}`);
  const factor = opts.factor ?? 4;
  const rng = mulberry32(opts.seed ?? 0);
  const out: Dataset = {
    ...ds,
    views: { ...(ds.views ?? {}), image: { x: ds.x, sampleShape: ds.sampleShape.slice() } },
  };
  for (const v of views) {
    if (v === 'profiles') out.views!.profiles = profiles(ds, H, W, noise, rng);
    else if (v === 'lowres') {
      if (!Number.isInteger(factor) || factor < 1 || H % factor || W % factor) {
        throw new Error(`crossModal: factor must be a positive integer dividing H = ${H} and W = ${W}, got ${factor}`);
      }
      out.views!.lowres = lowres(ds, H, W, factor, noise, rng);
    } else throw new Error(`crossModal: view must be 'profiles' or 'lowres', got '${String(v)}'`);
  }
  return out;
}

function profiles(ds: Dataset, H: number, W: number, noise: number, rng: () => number) {
  const F = H + W;
  const x = new Float32Array(ds.n * F);
  for (let i = 0; i < ds.n; i++) {
    const img = i * H * W;
    const o = i * F;
    for (let r = 0; r < H; r++) {
      for (let c = 0; c < W; c++) {
        const v = ds.x[img + r * W + c];
        x[o + r] += v;
        x[o + H + c] += v;
      }
    }
    for (let r = 0; r < H; r++) x[o + r] = x[o + r] / W + (noise ? noise * randNormal(rng) : 0);
    for (let c = 0; c < W; c++) x[o + H + c] = x[o + H + c] / H + (noise ? noise * randNormal(rng) : 0);
  }
  return { x, sampleShape: [F] };
}

function lowres(ds: Dataset, H: number, W: number, f: number, noise: number, rng: () => number) {
  const h = H / f;
  const w = W / f;
  const x = new Float32Array(ds.n * h * w);
  for (let i = 0; i < ds.n; i++) {
    const img = i * H * W;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        let s = 0;
        for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) s += ds.x[img + (r * f + a) * W + c * f + b];
        x[i * h * w + r * w + c] = s / (f * f) + (noise ? noise * randNormal(rng) : 0);
      }
    }
  }
  return { x, sampleShape: [h, w, 1] };
}
