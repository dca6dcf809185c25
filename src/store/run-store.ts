import { gunzipSync, gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { runResultSchema, type RunResult } from '../jobs/benchmark/run-result.js';
import type { RunSpec } from '../jobs/run-spec.js';
import { downsampleResult, STORED_POINTS } from './downsample-result.js';

/**
 * Run records in Redis, kept for good (no TTL; BullMQ's job retention is bounded).
 *
 * Layout under `<prefix>:store:` — `run:<id>` is a hash with `meta` (JSON, small)
 * and `result` (gzip of the JSON RunResult with series downsampled); sorted sets
 * `index:all`, `index:user:<id>` and `index:spec:<nodes>x<bots>` hold run ids
 * scored by creation time. Run numbers come from `<prefix>:run-counter`, the key
 * the queue already counts with, so switching to the store does not reuse numbers.
 */

/** Where a run is in its life. The last three are the RunResult states. */
export const RUN_RECORD_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type RunRecordState = (typeof RUN_RECORD_STATES)[number];

/** The small part of a run record: listable without loading the result. */
export interface RunRecord {
  runId: string;
  /** Discord user id (or CLI user) who asked; null when unknown. */
  requestedBy: string | null;
  state: RunRecordState;
  spec: RunSpec;
  createdAt: number;
  updatedAt: number;
  /** Why it failed or who cancelled. */
  error?: string;
  /** Whether a result is stored, and its headline figures for lists. */
  headline?: { healthy: boolean; joined: number; stepP95Ms: number | null; warnings: number };
}

/** A run id or state is not acceptable. */
export class RunStoreError extends Error {
  override readonly name = 'RunStoreError';
}

// Queue runs are `run-<n>`; CLI runs are named by time (`cli-20261204-201126Z`). No `:`, which would
// break the key layout.
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** Options of {@link RunStore}. */
export interface RunStoreOptions {
  /** Points per stored series (default {@link STORED_POINTS}). */
  maxPoints?: number;
  now?: () => number;
}

/** The stored form of a result: series downsampled, JSON, gzip. Exported so benchmarks can size it offline. */
export function encodeStoredResult(result: RunResult, maxPoints: number = STORED_POINTS): Buffer {
  return gzipSync(JSON.stringify(downsampleResult(result, maxPoints)), { level: 9 });
}

export class RunStore {
  private readonly maxPoints: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    /** QUEUE_PREFIX. */
    private readonly prefix: string,
    options: RunStoreOptions = {},
  ) {
    this.maxPoints = options.maxPoints ?? STORED_POINTS;
    this.now = options.now ?? Date.now;
  }

  /** `run-<n>` for a run number. */
  static runId(n: number): string {
    return `run-${n}`;
  }

  private runKey(runId: string): string {
    if (!RUN_ID.test(runId))
      throw new RunStoreError(
        `run id ${JSON.stringify(runId)} is not allowed: letters, digits, _ . - (e.g. run-12), at most 100 characters`,
      );
    return `${this.prefix}:store:run:${runId}`;
  }

  private get allKey(): string {
    return `${this.prefix}:store:index:all`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:store:index:user:${userId}`;
  }

  private specKey(spec: { nodes: number; bots: number }): string {
    return `${this.prefix}:store:index:spec:${spec.nodes}x${spec.bots}`;
  }

  /** The next run number (INCR, starts at 1). */
  async nextRunNumber(): Promise<number> {
    return this.redis.incr(`${this.prefix}:run-counter`);
  }

  /** Creates (or replaces) the record of a run when it is queued. */
  async create(input: {
    runId: string;
    requestedBy: string | null;
    spec: RunSpec;
    state?: RunRecordState;
    createdAt?: number;
  }): Promise<RunRecord> {
    const now = this.now();
    const record: RunRecord = {
      runId: input.runId,
      requestedBy: input.requestedBy,
      state: input.state ?? 'queued',
      spec: input.spec,
      createdAt: input.createdAt ?? now,
      updatedAt: now,
    };
    await this.writeMeta(record);
    return record;
  }

  private async writeMeta(record: RunRecord, result?: Buffer): Promise<void> {
    const key = this.runKey(record.runId);
    const multi = this.redis.multi().hset(key, 'meta', JSON.stringify(record));
    if (result) multi.hset(key, 'result', result);
    multi.zadd(this.allKey, record.createdAt, record.runId);
    multi.zadd(this.specKey(record.spec), record.createdAt, record.runId);
    if (record.requestedBy) multi.zadd(this.userKey(record.requestedBy), record.createdAt, record.runId);
    const replies = await multi.exec();
    const failed = replies?.find(([error]) => error !== null);
    if (failed?.[0]) throw failed[0];
  }

  /** Moves a run to another state (e.g. running). Unknown runs are an error. */
  async setState(runId: string, state: RunRecordState, error?: string): Promise<RunRecord> {
    const record = await this.get(runId);
    if (!record) throw new RunStoreError(`no record of ${runId}`);
    const next: RunRecord = { ...record, state, updatedAt: this.now() };
    if (error !== undefined) next.error = error;
    await this.writeMeta(next);
    return next;
  }

  /**
   * Saves a finished run: series downsampled, gzip-compressed, kept without TTL.
   * Creates the record if the run was never queued through the store (CLI runs).
   * Returns the stored size in bytes.
   */
  async saveResult(result: RunResult): Promise<{ bytes: number }> {
    const existing = await this.get(result.runId);
    const blob = encodeStoredResult(result, this.maxPoints);
    const record: RunRecord = {
      runId: result.runId,
      requestedBy: existing?.requestedBy ?? result.requestedBy,
      state: result.state,
      spec: result.spec,
      createdAt: existing?.createdAt ?? (result.manifest.createdAt || this.now()),
      updatedAt: this.now(),
      headline: {
        healthy: result.state === 'completed' && result.warnings.length === 0,
        joined: result.swarm.joined,
        stepP95Ms: result.server.step?.p95Ms ?? null,
        warnings: result.warnings.length,
      },
    };
    if (result.error) record.error = `${result.error.name}: ${result.error.message}`;
    await this.writeMeta(record, blob);
    return { bytes: await this.storedSize(result.runId) };
  }

  /** The record of a run, or null. */
  async get(runId: string): Promise<RunRecord | null> {
    const raw = await this.redis.hget(this.runKey(runId), 'meta');
    return raw === null ? null : (JSON.parse(raw) as RunRecord);
  }

  /** The stored (downsampled) result of a run, or null when none was saved. */
  async getResult(runId: string): Promise<RunResult | null> {
    const blob = await this.redis.hgetBuffer(this.runKey(runId), 'result');
    if (blob === null) return null;
    return runResultSchema.parse(JSON.parse(gunzipSync(blob).toString('utf8')));
  }

  /** Bytes Redis holds for this run's fields (meta + result). */
  async storedSize(runId: string): Promise<number> {
    const key = this.runKey(runId);
    const [meta, result] = await Promise.all([this.redis.hstrlen(key, 'meta'), this.redis.hstrlen(key, 'result')]);
    return meta + result;
  }

  private async records(indexKey: string, limit: number): Promise<RunRecord[]> {
    const ids = await this.redis.zrevrange(indexKey, 0, Math.max(0, limit - 1));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.runKey(id), 'meta');
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([, raw]) => (typeof raw === 'string' ? (JSON.parse(raw) as RunRecord) : null))
      .filter((r): r is RunRecord => r !== null);
  }

  /** Runs a user asked for, latest first. */
  async listByUser(userId: string, limit = 10): Promise<RunRecord[]> {
    return this.records(this.userKey(userId), limit);
  }

  /** Runs with this node and bot count, latest first. */
  async listBySpec(spec: { nodes: number; bots: number }, limit = 10): Promise<RunRecord[]> {
    return this.records(this.specKey(spec), limit);
  }

  /** All runs, latest first. */
  async listLatest(limit = 10): Promise<RunRecord[]> {
    return this.records(this.allKey, limit);
  }

  /** Removes a run and its index entries (for tests and an admin purge). */
  async delete(runId: string): Promise<void> {
    const record = await this.get(runId);
    const multi = this.redis.multi().del(this.runKey(runId)).zrem(this.allKey, runId);
    if (record) {
      multi.zrem(this.specKey(record.spec), runId);
      if (record.requestedBy) multi.zrem(this.userKey(record.requestedBy), runId);
    }
    await multi.exec();
  }
}
