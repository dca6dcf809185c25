import type { Redis } from 'ioredis';
import { runResultSchema, type RunResult } from './benchmark/run-result.js';

/**
 * Finished run results in Redis, kept for good (BullMQ's own retention is
 * bounded). Minimal stand-in used by the bot and the worker until the shared
 * run store (src/store/run-store.ts) is wired in; same key prefix as the queue.
 */
export class RedisRunRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(runId: string): string {
    return `${this.prefix}:result:${runId}`;
  }

  private get indexKey(): string {
    return `${this.prefix}:results`;
  }

  async save(result: RunResult): Promise<void> {
    await this.redis
      .multi()
      .set(this.key(result.runId), JSON.stringify(result))
      .zadd(this.indexKey, result.manifest.createdAt || Date.now(), result.runId)
      .exec();
  }

  async get(runId: string): Promise<RunResult | null> {
    const raw = await this.redis.get(this.key(runId));
    if (raw === null) return null;
    const parsed = runResultSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /** Newest first. */
  async list(count: number): Promise<RunResult[]> {
    const ids = await this.redis.zrevrange(this.indexKey, 0, Math.max(0, count - 1));
    const results = await Promise.all(ids.map((id) => this.get(id)));
    return results.filter((r): r is RunResult => r !== null);
  }
}
