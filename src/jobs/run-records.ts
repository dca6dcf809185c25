import type { Redis } from 'ioredis';
import { RunStore } from '../store/run-store.js';
import type { RunResult } from './benchmark/run-result.js';

/**
 * The bot's and worker's view of the shared run store (src/store/run-store.ts):
 * results saved for good, read back by run id, listed newest first.
 */
export class RunRecords {
  readonly store: RunStore;

  constructor(redis: Redis, prefix: string) {
    this.store = new RunStore(redis, prefix);
  }

  async save(result: RunResult): Promise<void> {
    await this.store.saveResult(result);
  }

  async get(runId: string): Promise<RunResult | null> {
    return this.store.getResult(runId);
  }

  /** Newest first; runs without a stored result (still queued or running) are left out. */
  async list(count: number): Promise<RunResult[]> {
    const records = await this.store.listLatest(count * 2);
    const results: RunResult[] = [];
    for (const r of records) {
      if (results.length >= count) break;
      const result = await this.store.getResult(r.runId);
      if (result) results.push(result);
    }
    return results;
  }

  /** Record a queued run, so the store knows it before it has a result. */
  async queued(input: {
    runId: string;
    requestedBy: string;
    spec: RunResult['spec'];
    createdAt: number;
  }): Promise<void> {
    await this.store.create({ ...input, state: 'queued' });
  }
}
