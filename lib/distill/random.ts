/**
 * Seeded randomness for training steps. tfjs draws dropout masks with `randomUniform(..., seed)`, and
 * without a seed the generator is seeded from `Math.random()`; so swapping `Math.random` for a seeded
 * generator for the duration of one (synchronous) training step makes dropout reproducible on every
 * backend, without giving every step the same mask (which a fixed per-layer `seed` would do).
 *
 * The generator and the seed mixing are kd.data's (mulberry32, deriveSeed): one PRNG in kdlab.
 */
import { deriveSeed, mulberry32, Rng } from '../data/random';

/**
 * Stream label for the step generator: deriveSeed(seed, STEP_STREAM) is unrelated to the streams
 * kd.data.batches derives from the same seed (deriveSeed(seed, epoch, 1 | 2)).
 */
const STEP_STREAM = 0x57e9;

/** A uniform [0, 1) stream seeded with the Distiller's `seed`, installable as `Math.random`. */
export class SeededRandom {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = mulberry32(deriveSeed(seed, STEP_STREAM));
  }
  next(): number {
    return this.rng();
  }
  /** Run a synchronous function with `Math.random` drawing from this generator; always restores it. */
  during<T>(fn: () => T): T {
    const saved = Math.random;
    Math.random = () => this.rng();
    try {
      return fn();
    } finally {
      Math.random = saved;
    }
  }
}
