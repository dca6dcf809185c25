import type { Stats } from '../jobs/benchmark/run-result.js';

/**
 * Small statistics helpers shared by the node summaries, the server step figures and the
 * live progress. Empty input gives zeros (never NaN), as {@link Stats} promises; callers say
 * why a series is empty through coverage.
 */

/** Arithmetic mean; 0 for an empty list. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Largest value; 0 for an empty list. */
export function max(values: readonly number[]): number {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return values.length === 0 ? 0 : m;
}

/**
 * The p-th percentile (0..100) of an ascending-sorted list, linear interpolation between the
 * closest ranks (the common "R-7" definition, as numpy and spreadsheets use); 0 when empty.
 */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} must be from 0 to 100`);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (rank - lo);
}

/** The p-th percentile (0..100) of an unsorted list; see {@link percentileSorted}. */
export function percentile(values: readonly number[], p: number): number {
  return percentileSorted(sortNumbers(values), p);
}

/** A sorted copy (numeric order, not the default string order). */
export function sortNumbers(values: readonly number[]): number[] {
  return values.filter(Number.isFinite).sort((a, b) => a - b);
}

/** Mean, median, 95th percentile and maximum; non-finite values are ignored. */
export function stats(values: readonly number[]): Stats {
  const sorted = sortNumbers(values);
  return {
    mean: mean(sorted),
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    max: max(sorted),
  };
}
