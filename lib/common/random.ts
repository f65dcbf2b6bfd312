/**
 * kdlab's one source of seeded pseudo-random numbers, for everything that must be reproducible (data splits,
 * shuffling, augmentation, synthetic noise, per-layer weight seeds, dropout masks in a training step).
 * Math.random is never used: a run is a pure function of its seeds. Internal: not part of the public API.
 *
 * mulberry32 is a 32-bit generator with a 2^32 period — plenty for shuffling 10^4..10^5 samples
 * and drawing noise, and trivially portable (same sequence in every JS engine).
 */

/** A generator of uniform floats in [0, 1). */
export type Rng = () => number;

/** mulberry32(seed): deterministic uniform [0, 1) stream; `seed` is taken modulo 2^32. */
export function mulberry32(seed: number): Rng {
  checkSeed(seed, 'seed');
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derive an independent 32-bit seed from a base seed and integer "stream" labels
 * (e.g. deriveSeed(seed, epoch) or deriveSeed(seed, layerIndex)). Uses the murmur3 finaliser
 * so nearby inputs give unrelated outputs.
 */
export function deriveSeed(seed: number, ...labels: number[]): number {
  checkSeed(seed, 'seed');
  let h = (seed >>> 0) ^ 0x9e3779b9;
  for (const l of labels) {
    h = Math.imul(h ^ (l >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    h = (h + 0x9e3779b9) >>> 0;
  }
  return h >>> 0;
}

/** Uniform integer in [lo, hi] (inclusive). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** Standard normal draw (Box–Muller). */
export function randNormal(rng: Rng): number {
  let u = rng();
  while (u <= 1e-12) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`permutation: n must be a non-negative integer, got ${n}`);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rng = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Stream label for the step generator: deriveSeed(seed, STEP_STREAM) is unrelated to the streams
 * kd.data.batches derives from the same seed (deriveSeed(seed, epoch, 1 | 2)).
 */
const STEP_STREAM = 0x57e9;

/**
 * A uniform [0, 1) stream seeded with the Distiller's `seed`, installable as `Math.random`. tfjs draws dropout
 * masks with `randomUniform(..., seed)`, and without a seed the generator is seeded from `Math.random()`; so
 * swapping `Math.random` for this generator during one (synchronous) training step makes dropout reproducible
 * on every backend, without giving every step the same mask (which a fixed per-layer `seed` would do).
 */
export class SeededRandom {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = mulberry32(deriveSeed(seed, STEP_STREAM));
  }
  next(): number {
    return this.rng();
  }
  /**
   * Run a synchronous function with `Math.random` drawing from this generator; always restores it. Where
   * `Math.random` cannot be replaced (a frozen `Math`, as in `kdlab assign grade`'s locked-down kernel, which
   * freezes it so a submission cannot rig the tests' random cases), `fn` runs as it is and says so once on
   * stderr: training works, but dropout masks then come from the realm's own `Math.random`, not from the seed.
   */
  during<T>(fn: () => T): T {
    if (Object.getOwnPropertyDescriptor(Math, 'random')?.writable !== true) {
      warnOnce();
      return fn();
    }
    const saved = Math.random;
    Math.random = () => this.rng();
    try {
      return fn();
    } finally {
      Math.random = saved;
    }
  }
}

let warned = false;
function warnOnce(): void {
  if (warned) return;
  warned = true;
  console.warn(
    'kdlab: Math.random is frozen here, so dropout masks are not drawn from the Distiller seed (training is unaffected otherwise)',
  );
}

function checkSeed(seed: number, name: string): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new Error(`${name} must be a finite integer, got ${String(seed)}`);
  }
}
