/**
 * The paired t-test the chapter checks recompute by hand from the per-seed numbers a chapter prints (never with the
 * library's kd.experiment.paired, whose sentences they are checking).
 */

/** Student's t, two-sided 95 %, by the number of pairs n (df = n − 1), from the printed t table. */
export const CRITICAL_T: Readonly<Record<number, number>> = {
  2: 12.706,
  3: 4.303,
  4: 3.182,
  5: 2.776,
  6: 2.571,
  7: 2.447,
  8: 2.365,
  9: 2.306,
  10: 2.262,
  11: 2.228,
  12: 2.201,
  13: 2.179,
  14: 2.16,
  15: 2.145,
};

/** mean / (sd / √n) of paired differences; ±Infinity when all are the same non-zero number, 0 when all are 0. */
export function pairedT(differences: number[]): number {
  const n = differences.length;
  const mean = differences.reduce((a, g) => a + g, 0) / n;
  const sd = Math.sqrt(differences.reduce((a, g) => a + (g - mean) ** 2, 0) / (n - 1));
  return sd === 0 ? (mean === 0 ? 0 : Math.sign(mean) * Infinity) : mean / (sd / Math.sqrt(n));
}
