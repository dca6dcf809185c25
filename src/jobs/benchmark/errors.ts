import type { PhaseName } from './progress.js';

/**
 * A run failure that knows where it happened. `phase` is filled in by the
 * pipeline when the phase does not set it; `node` names the node at fault.
 */
export class BenchmarkError extends Error {
  override readonly name: string = 'BenchmarkError';
  phase: PhaseName | undefined;
  readonly node: string | undefined;
  constructor(message: string, options: { phase?: PhaseName; node?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.phase = options.phase;
    this.node = options.node;
  }
}

/** One or more nodes failed a preflight check; nothing was started. */
export class PreflightError extends BenchmarkError {
  override readonly name = 'PreflightError';
  constructor(
    message: string,
    readonly failures: { node: string; reason: string }[],
  ) {
    super(message, { phase: 'preflight', node: failures[0]?.node });
  }
}

/** Some nodes delivered no samples within METRICS_GATE_S; no bot was started. */
export class MetricsGateError extends BenchmarkError {
  override readonly name = 'MetricsGateError';
  constructor(
    message: string,
    readonly silent: { node: string; reason: string }[],
  ) {
    super(message, { phase: 'sample', node: silent[0]?.node });
  }
}

/** The Luanti server did not come up (no "listening" line, exited, port busy). */
export class ServerStartError extends BenchmarkError {
  override readonly name = 'ServerStartError';
}

/** A swarm could not be started or died before the load began. */
export class SwarmStartError extends BenchmarkError {
  override readonly name = 'SwarmStartError';
}

/** The run was aborted (Ctrl-C, SIGTERM, /cancel). `reason` says by whom when known. */
export class RunCancelledError extends BenchmarkError {
  override readonly name = 'RunCancelledError';
}

/** Bad bot command template (unknown placeholder). */
export class BotCommandError extends BenchmarkError {
  override readonly name = 'BotCommandError';
}
