/**
 * Seeded randomness for training steps. tfjs draws dropout masks with `randomUniform(..., seed)`, and
 * without a seed the generator is seeded from `Math.random()`; so swapping `Math.random` for a seeded
 * generator for the duration of one (synchronous) training step makes dropout reproducible on every
 * backend, without giving every step the same mask (which a fixed per-layer `seed` would do).
 */

/** mulberry32: a small, fast 32-bit PRNG with a 2^32 period; state is one uint32. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = mix(seed >>> 0, 0x9e3779b9);
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Run a synchronous function with `Math.random` drawing from this generator; always restores it. */
  during<T>(fn: () => T): T {
    const saved = Math.random;
    Math.random = () => this.next();
    try {
      return fn();
    } finally {
      Math.random = saved;
    }
  }
}

/** Mix two uint32 into one (murmur3 finaliser), e.g. (seed, epoch) → the epoch's shuffle seed. */
export function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
