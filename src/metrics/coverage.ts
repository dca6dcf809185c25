import type { Sample } from '../jobs/benchmark/run-result.js';

/**
 * A time window, Unix epoch ms, taken as (start, end]: a sample's rates cover the second
 * before its stamp, so the sample stamped at a window's start still measured what came before.
 */
export interface TimeWindow {
  start: number;
  end: number;
}

/** Samples received against samples expected in a window. */
export interface Coverage {
  received: number;
  expected: number;
}

/** Whether `t` lies in the window (start exclusive, end inclusive; see {@link TimeWindow}). */
export function inWindow(t: number, window: TimeWindow): boolean {
  return t > window.start && t <= window.end;
}

/**
 * Samples received in the window against those expected at one per `intervalMs`
 * (default 1000). `received` is capped at `expected`, so the ratio never exceeds 1 because
 * of a sample landing exactly on both window edges.
 */
export function coverage(times: readonly number[], window: TimeWindow | null, intervalMs = 1000): Coverage {
  if (!window || window.end <= window.start) return { received: 0, expected: 0 };
  const expected = Math.max(1, Math.floor((window.end - window.start) / intervalMs));
  let received = 0;
  for (const t of times) if (inWindow(t, window)) received++;
  return { received: Math.min(received, expected), expected };
}

/** `received / expected`, 1 when nothing was expected. */
export function coverageRatio(c: Coverage): number {
  return c.expected === 0 ? 1 : c.received / c.expected;
}

/**
 * When a node stopped delivering: the time of its last sample, if the window ends more than
 * `gapMs` (default 5000) after it; null while samples keep coming. A node that never
 * delivered one is lost at the window start.
 */
export function lostAt(samples: readonly Pick<Sample, 't'>[], window: TimeWindow, gapMs = 5000): number | null {
  let last = -Infinity;
  for (const s of samples) if (s.t <= window.end && s.t > last) last = s.t;
  if (last === -Infinity) return window.start;
  return window.end - last > gapMs ? last : null;
}
