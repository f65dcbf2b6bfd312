/**
 * Paired comparison of two methods run on the same seeds (same initial weights, batches and test set per seed).
 * Pairing removes the noise both runs of a seed share, so the question is whether the per-seed differences are
 * consistently on one side of zero: a paired t statistic against Student's t at 95 % (two-sided).
 */

/** Two-sided 95 % quantiles of Student's t (t_{0.975, df}) for df = 1..30, from standard tables. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t_{0.975, df}; above df 30 the df-30 value, which errs on the strict side. */
export function tCritical95(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`tCritical95: df must be an integer ≥ 1, got ${df}`);
  return T975[Math.min(df, T975.length) - 1];
}

export interface PairedComparison {
  /** Number of pairs (seeds). */
  n: number;
  /** gain_i = baseline_i − treated_i, per pair: positive when the treatment lowered the measure (e.g. errors). */
  gains: number[];
  /** Mean gain. */
  mean: number;
  /** Sample standard deviation (n − 1) of the gains: the seed-to-seed noise of the difference itself. */
  std: number;
  /** std / √n. */
  standardError: number;
  /** mean / standardError (±Infinity when every gain is the same non-zero number, 0 when all are 0). */
  t: number;
  /** |t| must exceed this (t_{0.975, n−1}) for the sign of the mean gain to be called. */
  critical: number;
  /** Pairs in which the treatment was strictly better (gain > 0). */
  wins: number;
  /** 'better': the treatment lowers the measure beyond the noise; 'worse': it raises it beyond the noise; else 'noise'. */
  verdict: 'better' | 'worse' | 'noise';
}

/**
 * Compares `treated` against `baseline`, pair by pair (index i of both came from the same seed). For a measure
 * where lower is better (errors, loss); for accuracy pass the arrays the other way round.
 * Needs ≥ 2 pairs: one pair has no noise estimate.
 * Used in chapter 4 (the verdict of §4.3).
 */
export function paired(baseline: number[], treated: number[]): PairedComparison {
  for (const [name, a] of [
    ['baseline', baseline],
    ['treated', treated],
  ] as const) {
    if (!Array.isArray(a)) throw new Error(`paired: ${name} must be an array of numbers, got ${typeof a}`);
    a.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new Error(`paired: ${name}[${i}] must be a finite number, got ${v}`);
    });
  }
  if (baseline.length !== treated.length) {
    throw new Error(
      `paired: baseline and treated must pair up (same seeds), got ${baseline.length} and ${treated.length} values`,
    );
  }
  const n = baseline.length;
  if (n < 2) throw new Error(`paired: needs at least 2 pairs to estimate the noise, got ${n}`);
  const gains = baseline.map((b, i) => b - treated[i]);
  const mean = gains.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(gains.reduce((a, g) => a + (g - mean) ** 2, 0) / (n - 1));
  const standardError = std / Math.sqrt(n);
  const t = standardError > 0 ? mean / standardError : mean === 0 ? 0 : Math.sign(mean) * Infinity;
  const critical = tCritical95(n - 1);
  const verdict = t > critical ? 'better' : t < -critical ? 'worse' : 'noise';
  return { n, gains, mean, std, standardError, t, critical, wins: gains.filter((g) => g > 0).length, verdict };
}

/**
 * The evidence in words, e.g. "6.3 fewer errors on average over 5 paired seeds (better in 5 of 5; std of the paired
 * differences 1.5, t = 9.4, |t| > 2.78 needed for 95 % confidence)". `unit` names the measure, plural.
 * Used in chapter 4 (the evidence sentence of §4.3).
 */
export function describePaired(p: PairedComparison, unit = 'errors', decimals = 1): string {
  const size = Math.abs(p.mean).toFixed(decimals);
  const direction =
    p.mean > 0 ? `${size} fewer ${unit}` : p.mean < 0 ? `${size} more ${unit}` : `no difference in ${unit}`;
  const t = Number.isFinite(p.t) ? p.t.toFixed(1) : p.t > 0 ? '∞' : '−∞';
  return (
    `${direction} on average over ${p.n} paired seeds (fewer in ${p.wins} of ${p.n}; std of the paired differences ` +
    `${p.std.toFixed(decimals)}, t = ${t}, |t| > ${p.critical.toFixed(2)} needed for 95 % confidence)`
  );
}
