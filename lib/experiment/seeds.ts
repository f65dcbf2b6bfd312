/** Mean and sample standard deviation (n − 1 denominator; 0 for a single value). */
export interface MeanStd {
  mean: number;
  std: number;
  n: number;
  values: number[];
}

export function meanStd(values: number[]): MeanStd {
  if (!Array.isArray(values) || values.length === 0) {
    throw new Error(
      `meanStd: values must be a non-empty array of numbers, got ${Array.isArray(values) ? 'an empty array' : typeof values}`,
    );
  }
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`meanStd: values[${i}] must be a finite number, got ${v}`);
  });
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n, values: values.slice() };
}

/**
 * "12.3 ± 0.4" with the given number of decimals.
 * Used in chapter 4 (the mean ± std columns of §4.3).
 */
export function formatMeanStd(s: MeanStd, decimals = 2): string {
  return `${s.mean.toFixed(decimals)} ± ${s.std.toFixed(decimals)}`;
}

/** Every run's result, plus mean ± std of each numeric field that all runs report. */
export interface SeedRuns<R> {
  seeds: number[];
  runs: R[];
  summary: Record<string, MeanStd>;
}

/**
 * Runs `run(seed)` once per seed, sequentially (runs share the backend and would only compete for cores),
 * and summarises every numeric top-level field. Noise matters in KD comparisons: chapters report these, not single runs.
 * Used in chapter 4 (the students over seeds of §4.3).
 */
export async function overSeeds<R extends object>(
  seeds: number[],
  run: (seed: number) => Promise<R> | R,
): Promise<SeedRuns<R>> {
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every(Number.isInteger)) {
    throw new Error(`overSeeds: seeds must be a non-empty array of integers, got ${JSON.stringify(seeds)}`);
  }
  const runs: R[] = [];
  for (const seed of seeds) runs.push(await run(seed));
  const summary: Record<string, MeanStd> = {};
  for (const key of Object.keys(runs[0])) {
    const vals = runs.map((r) => (r as Record<string, unknown>)[key]);
    if (vals.every((v) => typeof v === 'number' && Number.isFinite(v))) summary[key] = meanStd(vals as number[]);
  }
  return { seeds: seeds.slice(), runs, summary };
}
