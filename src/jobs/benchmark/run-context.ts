import type { Allocation, ClusterBackend } from '../../cluster/backend.js';
import type { NodeConnection, RemoteProcess } from '../../cluster/node.js';
import type { Config } from '../../config.js';
import { bindLogger, type Logger } from '../../log.js';
import type { InfluxNodeTags, InfluxSink } from '../../metrics/influx-sink.js';
import type { RunSpec } from '../run-spec.js';
import { DeferStack, type Cleanup } from './defer-stack.js';
import { RunCancelledError } from './errors.js';
import type { PhaseName, ProgressEvent, ProgressSink } from './progress.js';
import type { PhaseTiming, Role, Sample, ServerSample, SwarmSample, Warning } from './run-result.js';

/** What the sampler's header line says about a node (for the manifest). */
export interface NodeFacts {
  hostname: string;
  cpuModel: string;
  cores: number;
  memTotal: number;
  kernel: string;
}

/** Everything the pipeline learns about one node during a run. */
export interface NodeState {
  /** 1-based; node 1 hosts the server. */
  index: number;
  name: string;
  host: string;
  role: Role;
  bots: number;
  conn: NodeConnection;
  facts: NodeFacts | null;
  samples: Sample[];
  /** Cores used by this node's swarm process group, per sample (process accounting by label). */
  swarmCores: { t: number; cores: number }[];
  /** Sampler output lines that were not samples (its errors), last few kept. */
  samplerNoise: string[];
  /** When the sampler was started; coverage counts from here or the first sample. */
  samplerStartedAt: number | null;
  samplerStoppedAt: number | null;
  swarm: SwarmSample[];
  swarmProcess: RemoteProcess | null;
  /**
   * The swarm's last output lines as they arrived; once its end was read with the rest of its
   * log, these are its log tail and no extra round trip to the node is needed for them.
   */
  swarmLogTail?: string[];
  /** The swarm process has ended (early, or after stop). */
  swarmExited: boolean;
  /** Last swarm stats line said "ready" (all bots waiting at the barrier). */
  swarmReady: boolean;
  /** Failed joins by reason, from the swarm's last stats line. */
  swarmFailures: Record<string, number>;
  botRuntimeVersion: string | null;
  /** Where preflight put the swarm bundle on this node. */
  swarmBundleRemote: string | null;
  /** Node clock minus worker clock, ms (preflight). */
  clockOffsetMs: number | null;
}

/** The server on node 1. */
export interface ServerState {
  port: number;
  process: RemoteProcess | null;
  versionLine: string | null;
  /** dedicated_server_step, ms. */
  budgetMs: number;
  series: ServerSample[];
  /** Per-step durations in ms from the probe, with their time (ms epoch). */
  steps: { t: number; ms: number }[];
  /** The server's last log lines: kept as they arrive while it runs, final after `stop`. */
  logTail: string[];
}

/** Mutable state a run accumulates; `collect` turns it into a RunResult. */
export interface RunState {
  createdAt: number;
  startedAt: number;
  allocation: Allocation | null;
  nodes: NodeState[];
  server: ServerState | null;
  windows: { baseline: { start: number; end: number } | null; load: { start: number; end: number } | null };
  phases: PhaseTiming[];
  warnings: Warning[];
  /** `--version` line of the Luanti server (preflight). */
  serverVersion: string | null;
  /** Swarms started while the server starts, held at the barrier for the server on `port` (see swarm.ts). */
  swarmLaunch: { port: number; started: Promise<PromiseSettledResult<void>[]> } | null;
}

/** Hooks for tests that need a node to misbehave in a controlled way. Never set in production. */
export interface TestHooks {
  /** Shell that runs the sampler script on the named node (default `sh`). */
  samplerShell?: (node: string) => string;
}

/** What every phase receives. */
export interface RunContext {
  readonly runId: string;
  readonly spec: RunSpec;
  readonly requestedBy: string | null;
  readonly config: Config;
  readonly signal: AbortSignal;
  /** Bound to the run; use {@link RunContext.log} for phase/node children. */
  readonly logger: Logger;
  readonly backend: ClusterBackend;
  readonly swarmBundlePath: string | undefined;
  readonly hooks: TestHooks;
  readonly state: RunState;
  /** Where samples also go as they arrive (INFLUX_URL); null when not configured. */
  readonly influx: InfluxSink | null;
  /** Current phase, for logs and errors. */
  phase: PhaseName | null;
  progress(event: ProgressEvent): void;
  warn(warning: Warning): void;
  /**
   * Register a cleanup for something just acquired; it runs in teardown, newest first.
   * Adjacent cleanups of one `group` run concurrently (see {@link DeferStack.defer}).
   */
  defer(label: string, cleanup: Cleanup, group?: string): void;
  /** A logger bound to the current phase and optionally a node. */
  log(node?: string): Logger;
  /** Throw {@link RunCancelledError} when the run was aborted. */
  throwIfAborted(): void;
  readonly deferred: DeferStack;
}

export interface RunContextInit {
  runId: string;
  spec: RunSpec;
  requestedBy: string | null;
  config: Config;
  signal: AbortSignal;
  logger: Logger;
  onProgress: ProgressSink;
  backend: ClusterBackend;
  swarmBundlePath: string | undefined;
  hooks?: TestHooks;
  influx?: InfluxSink | null;
}

export function createRunContext(init: RunContextInit): RunContext {
  const deferred = new DeferStack();
  const logger = bindLogger(init.logger, { run: init.runId });
  const now = Date.now();
  const ctx: RunContext = {
    runId: init.runId,
    spec: init.spec,
    requestedBy: init.requestedBy,
    config: init.config,
    signal: init.signal,
    logger,
    backend: init.backend,
    swarmBundlePath: init.swarmBundlePath,
    hooks: init.hooks ?? {},
    influx: init.influx ?? null,
    state: {
      createdAt: now,
      startedAt: now,
      allocation: null,
      nodes: [],
      server: null,
      windows: { baseline: null, load: null },
      phases: [],
      warnings: [],
      serverVersion: null,
      swarmLaunch: null,
    },
    phase: null,
    deferred,
    progress(event) {
      try {
        init.onProgress(event);
      } catch (error) {
        // The sink contract says it must not throw; a broken view must not break the run.
        logger.warn({ err: error }, 'progress sink threw');
      }
    },
    warn(warning) {
      ctx.state.warnings.push(warning);
      logger.warn({ code: warning.code, node: warning.node }, warning.message);
      ctx.progress({ type: 'warning', ...warning });
    },
    defer(label, cleanup, group) {
      deferred.defer(label, cleanup, group);
    },
    log(node) {
      return bindLogger(logger, { phase: ctx.phase ?? undefined, node });
    },
    throwIfAborted() {
      if (init.signal.aborted) throw cancelledError(init.signal, ctx.phase);
    },
  };
  return ctx;
}

/** The error a cancelled run carries: the abort reason's message when it gave one. */
export function cancelledError(signal: AbortSignal, phase: PhaseName | null): RunCancelledError {
  const reason: unknown = signal.reason;
  if (reason instanceof RunCancelledError) return reason;
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
  return new RunCancelledError(`run cancelled: ${why}`, { phase: phase ?? undefined });
}

/** Resolve after `ms`, or reject with the cancel error when `signal` aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelledError(signal, null));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError(signal, null));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The InfluxDB tags of a node. */
export function influxTags(node: NodeState): InfluxNodeTags {
  return { node: node.name, role: node.role, host: node.host };
}
