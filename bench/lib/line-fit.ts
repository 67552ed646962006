/**
 * Straight lines through measured points (least squares): what each added device costs, read over a range of
 * fleet sizes rather than between two neighbours, where a few MB of noise (V8 sizes its heap in steps) swing
 * the cost of a small step by half.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Line {
  readonly intercept: number;
  readonly slope: number;
}

/** The least-squares line; null for fewer than two distinct x, or any value not finite. */
export function fitLine(points: readonly Point[]): Line | null {
  if (points.some((p) => !Number.isFinite(p.x) || !Number.isFinite(p.y))) return null;
  const n = points.length;
  if (n < 2) return null;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - meanX) ** 2;
    sxy += (p.x - meanX) * (p.y - meanY);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return { intercept: meanY - slope * meanX, slope };
}

/** The largest distance of a point from the line. */
export function largestResidual(points: readonly Point[], line: Line): number {
  return Math.max(...points.map((p) => Math.abs(p.y - (line.intercept + line.slope * p.x))));
}

export interface HalfSlopes {
  /** The line through the smaller half of the sizes (the middle one included when their count is odd). */
  readonly lower: Line;
  /** The line through the larger half. */
  readonly upper: Line;
  /** The larger slope over the smaller; null when one is 0 or negative (noise larger than the cost). */
  readonly ratio: number | null;
}

/**
 * The cost per added x over the smaller and over the larger half of the points (sorted by x): a cost that
 * grows faster than x (worse than linear) gives the larger half a steeper line. Null under three points,
 * where the two halves would be the same points.
 */
export function halfSlopes(points: readonly Point[]): HalfSlopes | null {
  if (points.length < 3) return null;
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const half = Math.ceil(sorted.length / 2);
  const lower = fitLine(sorted.slice(0, half));
  const upper = fitLine(sorted.slice(sorted.length - half));
  if (lower === null || upper === null) return null;
  const smaller = Math.min(lower.slope, upper.slope);
  const ratio = smaller <= 0 ? null : Math.max(lower.slope, upper.slope) / smaller;
  return { lower, upper, ratio };
}
