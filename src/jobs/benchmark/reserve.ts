import type { RunContext } from './run-context.js';

/** Minutes of wall time beyond the load itself: deployment, gate, baseline, ramp, teardown. */
const SETUP_MARGIN_MINUTES = 10;

/**
 * Get the nodes. The backend is idempotent by run id (a re-run first releases
 * what a dead worker left), and the release is deferred at once.
 */
export async function reserve(ctx: RunContext): Promise<void> {
  const { spec, backend } = ctx;
  const timeLimitMinutes =
    Math.ceil((spec.durationS + ctx.config.BASELINE_S + ctx.config.METRICS_GATE_S) / 60) + SETUP_MARGIN_MINUTES;
  const allocation = await backend.reserve(
    { runId: ctx.runId, nodes: spec.nodes, timeLimitMinutes },
    ctx.signal,
    (message) => ctx.progress({ type: 'wait', message }),
  );
  ctx.state.allocation = allocation;
  const label = allocation.slurmJobId ? `release SLURM job ${allocation.slurmJobId}` : `release ${allocation.id}`;
  ctx.defer(label, () => backend.release(allocation));
  ctx.log().info({ nodes: allocation.nodes.map((n) => n.name), slurmJobId: allocation.slurmJobId }, 'reserved');
}
