import { Queue, type ConnectionOptions, type Job, type JobsOptions, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config.js';
import { runSpecSchema } from './run-spec.js';

/** BullMQ queue of benchmark runs. One job = one run, job id `run-<n>`. */
export const QUEUE_NAME = 'runs';

/** Finished jobs kept in BullMQ (run records live in the run store, kept for good). */
export const KEEP_COMPLETED = 200;
export const KEEP_FAILED = 500;

/**
 * What a job carries. No secrets: tokens and keys stay in the worker's env.
 * The requester's channel is where progress and the report go.
 */
export const runJobDataSchema = z.object({
  runId: z.string().regex(/^run-\d+$/),
  spec: runSpecSchema,
  requester: z.object({ id: z.string().min(1), name: z.string() }),
  channelId: z.string().min(1),
  guildId: z.string().nullable(),
  /** Unix epoch ms when it was enqueued. */
  createdAt: z.number(),
});
export type RunJobData = z.infer<typeof runJobDataSchema>;
export type RunJobDataInput = z.input<typeof runJobDataSchema>;

/** What a finished job returns (kept with the job; the full result is in the run store). */
export interface RunJobReturn {
  runId: string;
  state: 'completed' | 'failed' | 'cancelled';
  reportDelivered: boolean;
}

/**
 * Job options. Stalled jobs: a worker that dies mid-run leaves nodes reserved and
 * processes running; rerunning from scratch would surprise the requester and may
 * double-book a cluster. So `maxStalledCount: 0` (see {@link workerOptions}): the
 * job fails at once with "worker died" and the user re-runs it. That is safe,
 * because the pipeline's reservation is idempotent by run id and sweeps leftovers.
 */
export const runJobOptions: JobsOptions = {
  attempts: 1,
  removeOnComplete: { count: KEEP_COMPLETED },
  removeOnFail: { count: KEEP_FAILED },
};

/** Redis key of the run counter; `INCR` gives the next run number. */
export function runCounterKey(prefix: string): string {
  return `${prefix}:run-counter`;
}

/** The next run number from the Redis counter under `prefix` (used until a run store provides one). */
export async function incrRunCounter(redis: Redis, prefix: string): Promise<number> {
  return redis.incr(runCounterKey(prefix));
}

/** A connection for producers: fail fast rather than queue commands while Redis is down. */
export function producerConnection(config: Pick<Config, 'REDIS_URL'>): Redis {
  return new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
}

/** A connection for workers and QueueEvents; BullMQ requires `maxRetriesPerRequest: null` there. */
export function blockingConnection(config: Pick<Config, 'REDIS_URL'>): Redis {
  return new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
}

export function createRunQueue(config: Pick<Config, 'QUEUE_PREFIX'>, connection: ConnectionOptions): Queue {
  return new Queue(QUEUE_NAME, { connection, prefix: config.QUEUE_PREFIX, defaultJobOptions: runJobOptions });
}

/**
 * Worker options: one run per worker, and `maxStalledCount: 0` so a job whose
 * worker died fails with a clear reason instead of silently running again.
 */
export function workerOptions(
  config: Pick<Config, 'QUEUE_PREFIX'>,
  connection: ConnectionOptions,
  timing: { lockDuration?: number; stalledInterval?: number } = {},
): WorkerOptions {
  return {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: 1,
    maxStalledCount: 0,
    // A run keeps the event loop free (all I/O), so lock renewal holds; a dead worker is noticed within about a minute.
    lockDuration: timing.lockDuration ?? 60_000,
    stalledInterval: timing.stalledInterval ?? 30_000,
  };
}

/** Too many runs queued by one user. */
export class QueueLimitError extends Error {
  override readonly name = 'QueueLimitError';
  constructor(
    readonly userId: string,
    readonly queued: number,
    readonly limit: number,
  ) {
    super(`user ${userId} already has ${queued} run(s) queued or running; the limit is ${limit}`);
  }
}

/** One run that is running or waiting, in queue order. */
export interface QueueEntry {
  runId: string;
  state: 'active' | 'waiting';
  /** 1 = running now (or next), 2 = after that, … */
  position: number;
  data: RunJobData;
  /** When the worker took it (active only). */
  startedAt: number | null;
}

/** Active runs first, then waiting runs oldest first. */
export async function listQueue(queue: Queue): Promise<QueueEntry[]> {
  const [active, waiting] = await Promise.all([
    queue.getJobs(['active'], 0, -1, true),
    queue.getJobs(['wait', 'prioritized'], 0, -1, true),
  ]);
  const entries: QueueEntry[] = [];
  for (const job of [...active, ...waiting]) {
    const data = runJobDataSchema.safeParse(job?.data);
    if (!job || !data.success) continue;
    const state = active.includes(job) ? 'active' : 'waiting';
    entries.push({
      runId: data.data.runId,
      state,
      position: entries.length + 1,
      data: data.data,
      startedAt: job.processedOn ?? null,
    });
  }
  return entries;
}

/**
 * Enqueue a run: checks the per-user cap, takes the next run number from the
 * Redis counter, adds the job and returns its queue position.
 */
export async function enqueueRun(
  queue: Queue,
  input: Omit<RunJobDataInput, 'runId' | 'createdAt'>,
  options: { maxQueuedPerUser: number; nextRunNumber: () => Promise<number>; now?: () => number },
): Promise<{ runId: string; position: number; ahead: QueueEntry[] }> {
  const { maxQueuedPerUser, nextRunNumber, now = Date.now } = options;
  const before = await listQueue(queue);
  const mine = before.filter((e) => e.data.requester.id === input.requester.id).length;
  if (mine >= maxQueuedPerUser) throw new QueueLimitError(input.requester.id, mine, maxQueuedPerUser);
  const n = await nextRunNumber();
  const runId = `run-${n}`;
  const data = runJobDataSchema.parse({ ...input, runId, createdAt: now() });
  await queue.add(runId, data, { jobId: runId });
  const after = await listQueue(queue);
  const index = after.findIndex((e) => e.runId === runId);
  // A fast worker may have taken it already: then it is running, position 1.
  const position = index === -1 ? 1 : index + 1;
  return { runId, position, ahead: after.slice(0, Math.max(0, position - 1)) };
}

/** The job of a run id, or undefined. */
export async function getRunJob(queue: Queue, runId: string): Promise<Job<RunJobData> | undefined> {
  const job = (await queue.getJob(runId)) as Job<RunJobData> | undefined;
  return job ?? undefined;
}

/** Normalise what a user typed (`7`, `run-7`, ` run-7 `) to a run id, or null. */
export function normaliseRunId(input: string): string | null {
  const m = /^\s*(?:run-)?(\d{1,9})\s*$/i.exec(input);
  return m ? `run-${Number(m[1])}` : null;
}
