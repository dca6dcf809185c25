import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { abortReason, sleep } from './abort.js';
import type { Allocation, AllocatedNode, ClusterBackend, ReserveRequest } from './backend.js';
import { formatSeconds } from './command-error.js';
import type { NodeConnection } from './node.js';
import { checkName } from './remote-process.js';
import { ReservationError } from './reservation-error.js';
import type { SshConnector, SshEndpoint } from './ssh.js';

/** Compare-and-delete: only the run that holds a lock may release it. */
const RELEASE_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Compare-and-extend, for renewal. */
const RENEW_LUA = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** Settings of a {@link StaticCluster}. */
export interface StaticClusterOptions {
  /** The configured hosts (STATIC_HOSTS), in order of preference. */
  hosts: SshEndpoint[];
  redis: Redis;
  /** Lock keys are `<keyPrefix>:host:<user@host:port>` (QUEUE_PREFIX + `:cluster`). */
  keyPrefix: string;
  connector: SshConnector;
  /** Lock lifetime; renewed every third of it while held (default 60 s). */
  lockTtlMs?: number;
  /** How long to wait for enough free hosts before giving up (default 30 min). */
  waitTimeoutMs?: number;
  /** How often to look for free hosts while waiting (default 2 s). */
  pollMs?: number;
  logger?: Logger;
}

/** A usable node name for a host (it names the node's work directory). */
export function staticNodeName(host: string): string {
  const name = host.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]/, 'h');
  return checkName('host name', name.slice(0, 100));
}

/**
 * `CLUSTER=static`: a fixed host list over SSH. A run takes N free hosts and holds
 * each with a Redis lock (SET NX PX, renewed while held) whose value is the run id,
 * so two workers never double-book a host, a re-run of the same run id takes its
 * own locks back, and release deletes only locks that are still its own.
 */
export class StaticCluster implements ClusterBackend {
  readonly kind = 'static' as const;
  private readonly ttlMs: number;
  private readonly renewals = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: StaticClusterOptions) {
    if (options.hosts.length === 0) {
      throw new ReservationError('static cluster: STATIC_HOSTS is empty; list hosts as [user@]host[:port],…');
    }
    this.ttlMs = options.lockTtlMs ?? 60_000;
  }

  private lockKey(host: SshEndpoint): string {
    return `${this.options.keyPrefix}:host:${host.user}@${host.host}:${host.port}`;
  }

  async reserve(
    request: ReserveRequest,
    signal: AbortSignal,
    onProgress: (message: string) => void,
  ): Promise<Allocation> {
    checkName('run id', request.runId);
    const { hosts, redis } = this.options;
    if (request.nodes < 1 || request.nodes > hosts.length) {
      throw new ReservationError(
        `static cluster: cannot give ${request.nodes} nodes; STATIC_HOSTS lists ${hosts.length} (allowed 1 to ${hosts.length})`,
      );
    }
    const started = Date.now();
    const waitTimeoutMs = this.options.waitTimeoutMs ?? 30 * 60_000;
    let lastMessage = '';
    for (;;) {
      if (signal.aborted) throw abortReason(signal);
      const taken: SshEndpoint[] = [];
      const busy: string[] = [];
      for (const host of hosts) {
        if (taken.length === request.nodes) break;
        const key = this.lockKey(host);
        const got = await redis.set(key, request.runId, 'PX', this.ttlMs, 'NX');
        // A lock already holding our run id is ours (a dead worker's attempt at this same run).
        if (got === 'OK' || (await redis.eval(RENEW_LUA, 1, key, request.runId, String(this.ttlMs))) === 1) {
          taken.push(host);
        } else {
          busy.push(`${host.name} (${(await redis.get(key)) ?? 'just freed'})`);
        }
      }
      if (taken.length === request.nodes) {
        const allocation: Allocation = {
          id: `luanti-bench-${request.runId}`,
          runId: request.runId,
          cluster: 'static',
          nodes: taken.map((h): AllocatedNode => ({
            name: staticNodeName(h.name),
            address: h.host,
            user: h.user,
            port: h.port,
          })),
        };
        this.startRenewal(allocation);
        return allocation;
      }
      await this.unlock(taken, request.runId);
      const waited = Date.now() - started;
      if (waited >= waitTimeoutMs) {
        throw new ReservationError(
          `static cluster: only ${taken.length} of ${request.nodes} hosts free after waiting ${formatSeconds(waited)}; busy: ${busy.join(', ')}`,
        );
      }
      const message = `waiting for hosts: ${taken.length} of ${request.nodes} free; busy: ${busy.join(', ')}`;
      if (message !== lastMessage) onProgress(message);
      lastMessage = message;
      await sleep(this.options.pollMs ?? 2000, signal);
    }
  }

  private startRenewal(allocation: Allocation): void {
    this.stopRenewal(allocation.runId);
    const timer = setInterval(
      () => {
        for (const node of allocation.nodes) {
          const key = this.lockKey(this.endpointOf(node));
          this.options.redis.eval(RENEW_LUA, 1, key, allocation.runId, String(this.ttlMs)).then(
            (renewed) => {
              if (renewed !== 1)
                this.options.logger?.warn({ node: node.name, run: allocation.runId }, 'host lock was lost');
            },
            (error: unknown) =>
              this.options.logger?.warn({ err: error, node: node.name }, 'renewing a host lock failed'),
          );
        }
      },
      Math.max(1000, Math.floor(this.ttlMs / 3)),
    );
    timer.unref();
    this.renewals.set(allocation.runId, timer);
  }

  private stopRenewal(runId: string): void {
    const timer = this.renewals.get(runId);
    if (timer) clearInterval(timer);
    this.renewals.delete(runId);
  }

  private endpointOf(node: AllocatedNode): SshEndpoint {
    const configured = this.options.hosts.find(
      (h) =>
        h.host === node.address &&
        (node.port === undefined || h.port === node.port) &&
        (node.user === undefined || h.user === node.user),
    );
    return configured ?? { name: node.name, host: node.address, port: node.port ?? 22, user: node.user ?? 'root' };
  }

  private async unlock(hosts: SshEndpoint[], runId: string): Promise<void> {
    for (const host of hosts) await this.options.redis.eval(RELEASE_LUA, 1, this.lockKey(host), runId);
  }

  async release(allocation: Allocation): Promise<void> {
    this.stopRenewal(allocation.runId);
    await this.unlock(
      allocation.nodes.map((n) => this.endpointOf(n)),
      allocation.runId,
    );
  }

  async connect(allocation: Allocation, signal: AbortSignal): Promise<NodeConnection[]> {
    const endpoints = allocation.nodes.map((node) => ({ ...this.endpointOf(node), name: node.name }));
    return this.options.connector.connectAll(endpoints, signal);
  }

  async close(): Promise<void> {
    for (const runId of [...this.renewals.keys()]) this.stopRenewal(runId);
    await this.options.connector.close();
  }
}
