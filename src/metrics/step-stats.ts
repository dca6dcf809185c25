import { max, percentileSorted, sortNumbers } from './stats.js';

/** Server step figures over a window, as `RunResult.server.step` holds them. */
export interface StepStats {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Share (0..1) of steps longer than 2 × budget. */
  overBudgetShare: number;
  steps: number;
}

/**
 * Step statistics from per-step durations in ms; null when there are none (the probe never
 * reported, which the caller reports as such rather than as a fast server).
 * @param budgetMs `dedicated_server_step` in ms (90 by default in Luanti)
 */
export function stepStats(stepMs: readonly number[], budgetMs: number): StepStats | null {
  if (!(budgetMs > 0)) throw new RangeError(`budgetMs ${budgetMs} must be a positive number of milliseconds`);
  const sorted = sortNumbers(stepMs);
  if (sorted.length === 0) return null;
  const limit = 2 * budgetMs;
  let over = 0;
  for (const v of sorted) if (v > limit) over++;
  return {
    p50Ms: percentileSorted(sorted, 50),
    p95Ms: percentileSorted(sorted, 95),
    p99Ms: percentileSorted(sorted, 99),
    maxMs: max(sorted),
    overBudgetShare: over / sorted.length,
    steps: sorted.length,
  };
}
