import { setMaxListeners } from 'node:events';
import type { Redis } from 'ioredis';
import type { ClusterBackend } from '../../cluster/backend.js';
import { createBackend } from '../../cluster/create-backend.js';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import { InfluxSink } from '../../metrics/influx-sink.js';
import type { RunSpec } from '../run-spec.js';
import { collect, emptyResult } from './collect.js';
import { connect } from './connect.js';
import { BenchmarkError, RunCancelledError } from './errors.js';
import { load } from './load.js';
import { preflight } from './preflight.js';
import type { PhaseName, ProgressSink } from './progress.js';
import { reserve } from './reserve.js';
import { cancelledError, createRunContext, type RunContext, type TestHooks } from './run-context.js';
import type { RunResult } from './run-result.js';
import { sample } from './sample.js';
import { server } from './server.js';
import { stop } from './stop.js';
import { swarm } from './swarm.js';

/** What to benchmark and for whom. */
export interface BenchmarkInput {
  runId: string;
  spec: RunSpec;
  requestedBy?: string | null;
}

/** What the pipeline runs with. `backend` defaults to one built from `config` and closed afterwards. */
export interface BenchmarkDeps {
  config: Config;
  logger: Logger;
  signal: AbortSignal;
  onProgress: ProgressSink;
  backend?: ClusterBackend;
  /** Redis for the default backend: the static cluster locks its hosts there so two workers never share one. */
  redis?: Redis;
  /** Path of `dist/swarm.bundle.mjs` on this machine (default: resolved beside the package). */
  swarmBundlePath?: string;
  /** Test-only hooks; see {@link TestHooks}. */
  testHooks?: TestHooks;
}

type Phase = (ctx: RunContext) => Promise<void>;

/** Phases before `collect`, in order. Each releases what it acquires through `ctx.defer`. */
const PHASES: [PhaseName, Phase][] = [
  ['reserve', reserve],
  ['connect', connect],
  ['preflight', preflight],
  ['sample', sample],
  ['server', server],
  ['swarm', swarm],
  ['load', load],
  ['stop', stop],
];

/**
 * Run one benchmark end to end. Never rejects for run failures: a failed or
 * cancelled run returns a RunResult with `state` and `error {name, message, phase, node}`
 * and whatever partial data exists. Teardown always runs and is listed in `teardown`.
 */
export async function runBenchmark(input: BenchmarkInput, deps: BenchmarkDeps): Promise<RunResult> {
  // Every node's commands listen on the one run signal; 16 nodes exceed Node's default of 10 listeners.
  setMaxListeners(Math.max(50, deps.config.BENCH_MAX_NODES * 8), deps.signal);
  const ownBackend = deps.backend === undefined;
  let backend: ClusterBackend;
  try {
    backend = deps.backend ?? (await createBackend(deps.config, { logger: deps.logger, redis: deps.redis }));
  } catch (error) {
    const result = emptyResult(input.runId, input.spec, input.requestedBy ?? null, deps.config);
    result.state = 'failed';
    result.error = describe(error, 'reserve');
    deps.onProgress({ type: 'phase', phase: 'reserve', state: 'failed', message: result.error.message });
    return result;
  }
  const ctx = createRunContext({
    runId: input.runId,
    spec: input.spec,
    requestedBy: input.requestedBy ?? null,
    config: deps.config,
    signal: deps.signal,
    logger: deps.logger,
    onProgress: deps.onProgress,
    backend,
    swarmBundlePath: deps.swarmBundlePath,
    hooks: deps.testHooks,
    influx: influxSink(deps, input.runId, backend.kind),
  });
  const influx = ctx.influx;
  if (influx) {
    // Registered first so it drains last: samples keep arriving until the samplers stop.
    ctx.defer('flush and close InfluxDB sink', async () => {
      await influx.close();
      const problem = influx.warning;
      if (problem) ctx.warn({ code: 'influx_write_failed', message: problem });
    });
  }
  if (ownBackend) ctx.defer(`close ${backend.kind} cluster backend`, () => backend.close());

  let failure: unknown = null;
  let failedPhase: PhaseName | null = null;
  for (const [name, phase] of PHASES) {
    try {
      ctx.throwIfAborted();
      await runPhase(ctx, name, phase);
    } catch (error) {
      failure = error;
      failedPhase = name;
      break;
    }
  }

  if (failure !== null && failedPhase !== null) {
    // Skipped phases are shown as such so a view's checklist ends in a clear state.
    const rest = PHASES.map(([n]) => n).slice(PHASES.findIndex(([n]) => n === failedPhase) + 1);
    for (const name of rest) ctx.progress({ type: 'phase', phase: name, state: 'skipped' });
  }

  // Teardown first (stop everything, release nodes), then assemble what was measured.
  ctx.phase = null;
  const teardown = await ctx.deferred.drain((entry) => {
    if (entry.ok) ctx.logger.debug({ cleanup: entry.label }, 'cleaned');
    else ctx.logger.error({ cleanup: entry.label, error: entry.error }, 'cleanup failed');
  });
  const failedCleanups = teardown.filter((t) => !t.ok);
  if (failedCleanups.length > 0) {
    ctx.warn({
      code: 'teardown_incomplete',
      message: `teardown: ${failedCleanups.length} step(s) failed: ${failedCleanups.map((t) => `${t.label} (${t.error})`).join('; ')}`,
    });
  }

  ctx.progress({ type: 'phase', phase: 'collect', state: 'started' });
  const startedAt = Date.now();
  let result: RunResult;
  try {
    result = collect(ctx);
    ctx.progress({ type: 'phase', phase: 'collect', state: 'done' });
  } catch (error) {
    // Assembling must not lose the run's own outcome; fall back to the bare result.
    ctx.logger.error({ err: error }, 'collect failed');
    result = emptyResult(input.runId, input.spec, input.requestedBy ?? null, deps.config);
    result.warnings = ctx.state.warnings;
    failure ??= error;
    failedPhase ??= 'collect';
    ctx.progress({ type: 'phase', phase: 'collect', state: 'failed', message: (error as Error).message });
  }
  result.phases.push({ name: 'collect', startedAt, endedAt: Date.now(), ok: failedPhase !== 'collect' });
  result.teardown = teardown;

  if (failure !== null) {
    const error = describe(failure, failedPhase ?? undefined);
    result.state = failure instanceof RunCancelledError || deps.signal.aborted ? 'cancelled' : 'failed';
    result.error = error;
  } else {
    result.state = 'completed';
  }
  ctx.logger.info({ state: result.state, error: result.error }, 'run finished');
  return result;
}

/** The InfluxDB sink when configured; a sink that cannot even be built costs a log line, never the run. */
function influxSink(deps: BenchmarkDeps, runId: string, cluster: string): InfluxSink | null {
  try {
    return InfluxSink.fromConfig(deps.config, { run: runId, cluster });
  } catch (error) {
    deps.logger.warn({ err: error, run: runId }, 'InfluxDB sink not created; samples are kept only in the result');
    return null;
  }
}

async function runPhase(ctx: RunContext, name: PhaseName, phase: Phase): Promise<void> {
  ctx.phase = name;
  const startedAt = Date.now();
  ctx.progress({ type: 'phase', phase: name, state: 'started' });
  ctx.log().info('phase started');
  try {
    await phase(ctx);
    ctx.state.phases.push({ name, startedAt, endedAt: Date.now(), ok: true });
    ctx.progress({ type: 'phase', phase: name, state: 'done' });
  } catch (raw) {
    // An abort surfaces as whatever the interrupted call threw; report it as the cancel it is.
    const error = ctx.signal.aborted && !(raw instanceof RunCancelledError) ? cancelledError(ctx.signal, name) : raw;
    if (error instanceof BenchmarkError && error.phase === undefined) error.phase = name;
    const message = error instanceof Error ? error.message : String(error);
    ctx.state.phases.push({ name, startedAt, endedAt: Date.now(), ok: false, error: message });
    ctx.progress({ type: 'phase', phase: name, state: 'failed', message });
    ctx.log().error({ err: error }, 'phase failed');
    throw error;
  }
}

function describe(error: unknown, phase: string | undefined): NonNullable<RunResult['error']> {
  if (error instanceof Error) {
    const node =
      error instanceof BenchmarkError
        ? error.node
        : typeof (error as unknown as { host?: unknown }).host === 'string'
          ? (error as unknown as { host: string }).host
          : undefined;
    const where = error instanceof BenchmarkError ? (error.phase ?? phase) : phase;
    return { name: error.name, message: error.message, phase: where, node };
  }
  return { name: 'Error', message: String(error), phase };
}
