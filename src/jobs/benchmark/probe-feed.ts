import { percentile } from './percentile.js';
import type { RunContext } from './run-context.js';

/** Where the probe mod writes, relative to the run directory: inside the world (mod security allows only that). */
export function probeFilePath(runDir: string): string {
  return `${runDir}/world/benchprobe.log`;
}

/**
 * Parses the probe mod's lines `<os.time s> <us> <dtime s> <players> <max_lag s>`
 * (one per server step) into per-step durations and 1 Hz server samples.
 *
 * `core.get_us_time()` is monotonic, not wall time, and `os.time()` has whole
 * seconds; the largest `os.time·1e6 − us` seen so far converges on the true
 * offset from below, which places steps on the wall clock within a few ms.
 */
export function createProbeFeed(ctx: RunContext): { line(line: string): void } {
  let offsetUs = -Infinity;
  let lastUs: number | null = null;
  let bucket: { second: number; ms: number[]; players: number; lag: number } | null = null;

  const flush = (): void => {
    const server = ctx.state.server;
    if (!bucket || !server || bucket.ms.length === 0) return;
    const ms = bucket.ms;
    server.series.push({
      t: bucket.second * 1000,
      players: bucket.players,
      steps: ms.length,
      stepAvgMs: ms.reduce((a, b) => a + b, 0) / ms.length,
      stepP50Ms: percentile(ms, 0.5),
      stepP95Ms: percentile(ms, 0.95),
      stepMaxMs: Math.max(...ms),
      lag: bucket.lag,
    });
  };

  return {
    line(line) {
      const v = line.trim().split(/\s+/).map(Number);
      if (v.length < 5 || v.some((x) => !Number.isFinite(x))) return;
      const [wallS, us, , players, lag] = v as [number, number, number, number, number];
      offsetUs = Math.max(offsetUs, wallS * 1e6 - us);
      const previous = lastUs;
      lastUs = us;
      const server = ctx.state.server;
      if (previous === null || !server) return;
      const t = Math.round((us + offsetUs) / 1000);
      const stepMs = (us - previous) / 1000;
      server.steps.push({ t, ms: stepMs });
      const second = Math.floor(t / 1000);
      if (!bucket || bucket.second !== second) {
        flush();
        bucket = { second, ms: [], players, lag };
      }
      bucket.ms.push(stepMs);
      bucket.players = players;
      bucket.lag = lag;
    },
  };
}
