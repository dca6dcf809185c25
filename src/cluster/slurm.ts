import type { Logger } from 'pino';
import { abortReason, sleep } from './abort.js';
import type { Allocation, ClusterBackend, ReserveRequest } from './backend.js';
import { CommandError, formatSeconds } from './command-error.js';
import type { ExecResult, NodeConnection } from './node.js';
import { checkName } from './remote-process.js';
import { ReservationError } from './reservation-error.js';
import type { SshConnector, SshNode } from './ssh.js';

/** Settings of a {@link SlurmCluster}. */
export interface SlurmClusterOptions {
  /** Must have a login node: SLURM commands run there, and nodes are reached through it. */
  connector: SshConnector;
  /** SSH user and port on the compute nodes. */
  user: string;
  port: number;
  partition?: string;
  constraint?: string;
  account?: string;
  /** slurm.conf path on the login node, passed as `env SLURM_CONF=…`. */
  slurmConf?: string;
  /** Longest wait in the queue (SLURM_QUEUE_TIMEOUT_S). */
  queueTimeoutMs: number;
  /**
   * Longest pause between squeue checks while waiting (default 2 s). The first checks come
   * sooner (see {@link queuePollDelay}), since an idle cluster starts the job within a second.
   */
  pollMs?: number;
  logger?: Logger;
}

/** The SLURM job name of a run; also how a re-run finds what a dead worker left. */
export function slurmJobName(runId: string): string {
  return `luanti-bench-${runId}`;
}

/** Parse `scontrol -o show node` lines into name → NodeAddr. */
export function parseNodeAddrs(text: string): Map<string, string> {
  const addrs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const name = /(?:^|\s)NodeName=(\S+)/.exec(line)?.[1];
    const addr = /(?:^|\s)NodeAddr=(\S+)/.exec(line)?.[1];
    if (name && addr) addrs.set(name, addr);
  }
  return addrs;
}

/** One `squeue -h -o '%T|%N|%r'` line. */
export interface QueueState {
  state: string;
  nodeList: string;
  reason: string;
}

export function parseQueueLine(text: string): QueueState | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (!line) return undefined;
  const [state = '', nodeList = '', reason = ''] = line.trim().split('|');
  return { state, nodeList, reason };
}

/** Pause between squeue checks while a start is likely (the first {@link QUICK_CHECKS} checks). */
const FIRST_POLL_MS = 250;
/** An idle cluster starts a job within about a second: check often for the first two. */
const QUICK_CHECKS = 8;

/**
 * Pauses between squeue checks: 250 ms for the first 2 s, then doubling up to `maxMs`. A job
 * on an idle cluster runs within about a second of submission, and a doubling pause from the
 * first check added up to a second of waiting to some runs and not others (the largest
 * source of spread in the measured overhead); a long queue wait still costs one squeue per `maxMs`.
 */
export function queuePollDelay(check: number, maxMs: number): number {
  const doublings = Math.max(0, check - QUICK_CHECKS + 1);
  return Math.min(maxMs, FIRST_POLL_MS * 2 ** Math.min(doublings, 20));
}

const ENDED = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
]);

/**
 * Pending reasons that waiting will not cure (the request exceeds a limit or is invalid);
 * SLURM keeps such jobs queued forever unless the partition enforces its limits at submit time.
 */
const HOPELESS: Record<string, string> = {
  PartitionNodeLimit: 'more nodes than the partition allows or has',
  PartitionConfig: 'more nodes (or CPUs, memory) than the partition is configured with',
  PartitionTimeLimit: 'a longer time limit than the partition allows',
  BadConstraints: 'a node constraint no node satisfies',
  PartitionDown: 'a partition that is down',
  PartitionInactive: 'a partition that is inactive',
  InvalidAccount: 'an invalid account',
  InvalidQOS: 'an invalid QOS',
  AccountNotAllowed: 'an account the partition does not allow',
  QOSNotAllowed: 'a QOS the partition does not allow',
};

/**
 * `CLUSTER=slurm`: nodes reserved with a holder job (`sbatch --wrap 'sleep …'`)
 * submitted on the login node; the run uses them over SSH through the login node
 * while the job holds them, and `scancel` gives them back.
 */
export class SlurmCluster implements ClusterBackend {
  readonly kind = 'slurm' as const;

  constructor(private readonly options: SlurmClusterOptions) {}

  /** argv for a SLURM client command, with SLURM_CONF set when configured. */
  private command(argv: string[]): string[] {
    return this.options.slurmConf ? ['env', `SLURM_CONF=${this.options.slurmConf}`, ...argv] : argv;
  }

  private async run(login: SshNode, argv: string[], allowFailure = false): Promise<ExecResult> {
    return login.exec(this.command(argv), { allowFailure, timeoutMs: 60_000 });
  }

  async reserve(
    request: ReserveRequest,
    signal: AbortSignal,
    onProgress: (message: string) => void,
  ): Promise<Allocation> {
    checkName('run id', request.runId);
    if (signal.aborted) throw abortReason(signal);
    const login = await this.options.connector.login(signal);
    const name = slurmJobName(request.runId);
    // A dead worker may have left a job for this same run: idempotent by run id.
    const leftovers = await this.jobsNamed(login, name);
    if (leftovers.length > 0) {
      onProgress(`cancelling SLURM job ${leftovers.join(', ')} left by an earlier attempt of ${request.runId}`);
      await this.run(login, ['scancel', ...leftovers], true);
    }

    const minutes = Math.max(1, Math.ceil(request.timeLimitMinutes));
    const argv = [
      'sbatch',
      '--parsable',
      '-N',
      String(request.nodes),
      `--time=${minutes}`,
      '-J',
      name,
      '--output=/dev/null',
    ];
    if (this.options.partition) argv.push(`--partition=${this.options.partition}`);
    if (this.options.constraint) argv.push(`--constraint=${this.options.constraint}`);
    if (this.options.account) argv.push(`--account=${this.options.account}`);
    argv.push('--wrap', `sleep ${minutes * 60}`);
    let submitted: ExecResult;
    try {
      submitted = await this.run(login, argv);
    } catch (error) {
      if (error instanceof CommandError) {
        throw new ReservationError(
          `SLURM refused ${request.nodes} nodes for ${minutes} min on ${login.name}: ${error.tail.join(' / ') || error.meaning}`,
          { cause: error },
        );
      }
      throw error;
    }
    const jobId = submitted.stdout.trim().split(';')[0] ?? '';
    if (!/^\d+$/.test(jobId))
      throw new ReservationError(`sbatch printed no job id: ${JSON.stringify(submitted.stdout)}`);
    onProgress(`SLURM job ${jobId} submitted for ${request.nodes} nodes`);

    try {
      const nodeList = await this.waitRunning(login, jobId, request, signal, onProgress);
      // Names and addresses in one round trip to the login node: `name=` lines in allocation order, then scontrol's.
      const shown = await login.exec(
        this.command([
          'sh',
          '-c',
          'set -e; names=$(scontrol show hostnames "$1"); for n in $names; do echo "name=$n"; done; ' +
            'for n in $names; do scontrol -o show node "$n"; done',
          'sh',
          nodeList,
        ]),
        { timeoutMs: 60_000 },
      );
      const names = shown.stdout
        .split('\n')
        .filter((l) => l.startsWith('name='))
        .map((l) => l.slice('name='.length).trim())
        .filter((s) => s !== '');
      if (names.length === 0) {
        throw new ReservationError(`scontrol show hostnames '${nodeList}' on ${login.name} named no nodes`);
      }
      const addrs = parseNodeAddrs(shown.stdout);
      return {
        id: name,
        runId: request.runId,
        cluster: 'slurm',
        slurmJobId: jobId,
        nodes: names.map((n) => ({
          name: n,
          address: addrs.get(n) ?? n,
          user: this.options.user,
          port: this.options.port,
        })),
      };
    } catch (error) {
      await this.cancel(login, jobId);
      throw error;
    }
  }

  private async jobsNamed(login: SshNode, name: string): Promise<string[]> {
    const result = await this.run(login, ['squeue', '-h', '--name', name, '-o', '%i'], true);
    return result.stdout
      .split('\n')
      .map((s) => s.trim())
      .filter((s) => /^\d+$/.test(s));
  }

  private async waitRunning(
    login: SshNode,
    jobId: string,
    request: ReserveRequest,
    signal: AbortSignal,
    onProgress: (message: string) => void,
  ): Promise<string> {
    const started = Date.now();
    let lastReport = 0;
    let lastReason = '';
    for (let check = 0; ; check++) {
      if (signal.aborted) throw abortReason(signal);
      const state = parseQueueLine(
        (await this.run(login, ['squeue', '-h', '-j', jobId, '-o', '%T|%N|%r'], true)).stdout,
      );
      if (!state || ENDED.has(state.state)) {
        throw new ReservationError(
          `SLURM job ${jobId} ended before it started (${state?.state ?? 'no longer in squeue'}); see sacct -j ${jobId}`,
        );
      }
      if (state.state === 'RUNNING' && state.nodeList !== '') return state.nodeList;
      const waited = Date.now() - started;
      const hopeless = HOPELESS[state.reason];
      if (hopeless) {
        throw new ReservationError(
          `SLURM job ${jobId} for ${request.nodes} nodes can never start (${state.reason}): it asks for ${hopeless}; ` +
            `ask for fewer nodes or a shorter run, or change SLURM_PARTITION/SLURM_CONSTRAINT/SLURM_ACCOUNT`,
        );
      }
      if (waited >= this.options.queueTimeoutMs) {
        throw new ReservationError(
          `SLURM job ${jobId} for ${request.nodes} nodes still ${state.state} (${state.reason}) after ` +
            `${formatSeconds(waited)}; gave up (SLURM_QUEUE_TIMEOUT_S=${Math.round(this.options.queueTimeoutMs / 1000)})`,
        );
      }
      if (state.reason !== lastReason || Date.now() - lastReport >= 10_000) {
        onProgress(
          `SLURM job ${jobId} ${state.state.toLowerCase()} (${state.reason}), waited ${formatSeconds(waited)}`,
        );
        lastReason = state.reason;
        lastReport = Date.now();
      }
      await sleep(
        Math.min(queuePollDelay(check, this.options.pollMs ?? 2000), Math.max(1, this.options.queueTimeoutMs - waited)),
        signal,
      );
    }
  }

  /** scancel, then wait (briefly) until squeue no longer lists the job. Never throws. */
  private async cancel(login: SshNode, jobId: string): Promise<void> {
    try {
      await this.run(login, ['scancel', jobId], true);
      // The same ~10 s bound as before, but the first check follows the scancel closely.
      const until = Date.now() + 10_000;
      for (let check = 0; ; check++) {
        const state = parseQueueLine(
          (await this.run(login, ['squeue', '-h', '-j', jobId, '-o', '%T|%N|%r'], true)).stdout,
        );
        if (!state || ENDED.has(state.state)) return;
        if (Date.now() >= until) break;
        await sleep(Math.min(50 * 2 ** check, 200));
      }
      this.options.logger?.warn({ jobId }, 'SLURM job still listed after scancel');
    } catch (error) {
      this.options.logger?.warn({ err: error, jobId }, 'cancelling the SLURM job failed');
    }
  }

  async release(allocation: Allocation): Promise<void> {
    const login = await this.options.connector.login();
    const jobs = new Set(await this.jobsNamed(login, allocation.id));
    if (allocation.slurmJobId) jobs.add(allocation.slurmJobId);
    for (const jobId of jobs) await this.cancel(login, jobId);
  }

  async connect(allocation: Allocation, signal: AbortSignal): Promise<NodeConnection[]> {
    return this.options.connector.connectAll(
      allocation.nodes.map((n) => ({
        name: n.name,
        host: n.address,
        port: n.port ?? this.options.port,
        user: n.user ?? this.options.user,
      })),
      signal,
    );
  }

  async close(): Promise<void> {
    await this.options.connector.close();
  }
}
