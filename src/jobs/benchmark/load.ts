import { percentile } from '../../metrics/stats.js';
import type { LiveStats } from './progress.js';
import { sleep, type RunContext } from './run-context.js';
import { joinCounts } from './swarm.js';
import { ServerStartError } from './errors.js';

/** Live stats cadence (design: progress every few seconds). */
export const LIVE_INTERVAL_MS = 5000;
/** Server steps within this window feed the live p95. */
const LIVE_STEP_WINDOW_MS = 10_000;

/**
 * Hold the load for `durationS`, reporting live stats about every 5 s. Fails
 * early if the server process dies, since every later second would be noise.
 */
export async function load(ctx: RunContext): Promise<void> {
  const start = Date.now();
  const end = start + ctx.spec.durationS * 1000;
  ctx.state.windows.load = { start, end };
  let serverGone = false;
  void ctx.state.server?.process?.exited.then(() => (serverGone = true));
  void ctx.influx?.flush();
  try {
    await hold(ctx, start, end, () => serverGone);
  } finally {
    void ctx.influx?.flush();
    // A cancelled or failed load ends now: figures and coverage cover what really ran.
    ctx.state.windows.load = { start, end: Math.min(end, Date.now()) };
  }
}

async function hold(ctx: RunContext, start: number, end: number, serverGone: () => boolean): Promise<void> {
  while (Date.now() < end) {
    await sleep(Math.min(LIVE_INTERVAL_MS, end - Date.now()), ctx.signal);
    if (serverGone()) {
      const tail = (await ctx.state.server?.process?.tail(5).catch(() => [])) ?? [];
      throw new ServerStartError(`the Luanti server exited during the load; last log lines: ${tail.join(' | ')}`, {
        node: ctx.state.nodes[0]?.name,
      });
    }
    ctx.progress({ type: 'live', stats: liveStats(ctx, start) });
  }
}

/** The live figures at this moment. */
export function liveStats(ctx: RunContext, loadStart: number): LiveStats {
  const now = Date.now();
  const steps = (ctx.state.server?.steps ?? []).filter((s) => s.t >= now - LIVE_STEP_WINDOW_MS).map((s) => s.ms);
  const { joined, failed } = joinCounts(ctx);
  return {
    elapsedS: Math.round((now - loadStart) / 1000),
    durationS: ctx.spec.durationS,
    joined,
    requested: ctx.spec.bots,
    failed,
    serverStepP95Ms: steps.length > 0 ? percentile(steps, 95) : null,
    players: ctx.state.server?.series.at(-1)?.players ?? null,
    nodes: ctx.state.nodes.map((n) => {
      const last = n.samples.at(-1);
      return { name: n.name, role: n.role, cpu: last?.cpu ?? null, cpuProc: last?.cpuProc ?? null };
    }),
  };
}
