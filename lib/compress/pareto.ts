/**
 * The Pareto front of a size/accuracy trade-off: the models no other model beats on both axes at once.
 */

/**
 * Indices (in input order) of the points not dominated by another: a point is dominated when some other point
 * has bytes ≤ and accuracy ≥ with at least one strict. Equal points are all kept.
 * Used in chapter 2 (which compression methods sit on the front, §2.1).
 */
export function paretoFront(list: ReadonlyArray<{ bytes: number; accuracy: number | null }>): number[] {
  const points = list; // checked through `list`: Array.isArray would narrow `points` to any[]
  if (!Array.isArray(list)) throw new Error(`paretoFront: expected an array of {bytes, accuracy}, got ${typeof list}`);
  points.forEach((p, i) => {
    if (!(Number.isFinite(p?.bytes) && p.bytes >= 0) || !Number.isFinite(p?.accuracy))
      throw new Error(
        `paretoFront: points[${i}] needs finite bytes ≥ 0 and accuracy (measure with a test set), got ${JSON.stringify(p)}`,
      );
  });
  const acc = (i: number) => points[i].accuracy as number;
  return points
    .map((_, i) => i)
    .filter(
      (i) =>
        !points.some(
          (q, j) =>
            j !== i && q.bytes <= points[i].bytes && acc(j) >= acc(i) && (q.bytes < points[i].bytes || acc(j) > acc(i)),
        ),
    );
}
