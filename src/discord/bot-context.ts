import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { RunResult } from '../jobs/benchmark/run-result.js';
import type { Logger } from '../log.js';
import type { ReportRenderer } from './notifier.js';

/** Read access to stored run results (the run store). */
export interface RunReader {
  get(runId: string): Promise<RunResult | null>;
  /** Newest first. */
  list(count: number): Promise<RunResult[]>;
}

/** What command handlers need; built once by src/bot.ts. */
export interface BotContext {
  config: Config;
  logger: Logger;
  queue: Queue;
  /** Producer connection: run counter, cancel requests. */
  redis: Redis;
  runs: RunReader;
  report?: ReportRenderer;
  nextRunNumber(): Promise<number>;
  now(): number;
}
