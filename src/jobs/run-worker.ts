import { within } from '../cluster/abort.js';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { subscribeCancels, isCancelRequested, type CancelRequest } from './cancel-channel.js';
import { blockingConnection, QUEUE_NAME, workerOptions } from './queue.js';
import { createRunProcessor, type RunBenchmarkFn, type ResultStore } from './run-job.js';
import type { RunNotifier } from './run-notifier.js';

export interface RunWorkerDeps {
  config: Config;
  logger: Logger;
  runBenchmark: RunBenchmarkFn;
  notifier: RunNotifier;
  store: ResultStore;
  /** A normal (non-subscribed) connection for reading cancel records. */
  redis: Redis;
  /** How long the job waits for report delivery before leaving it to the background. */
  reportWaitMs?: number;
  /** Lock and stalled-check timing (tests shorten them). */
  timing?: { lockDuration?: number; stalledInterval?: number };
  /** How long shutdown waits for background report deliveries. Default 10 s. */
  shutdownDeliveryWaitMs?: number;
}

/** A running worker: {@link RunWorker.close} cancels active runs, waits for their teardown, then closes. */
export interface RunWorker {
  worker: Worker;
  close(): Promise<void>;
}

/**
 * Starts the BullMQ worker for runs: concurrency 1, cancels heard on the Redis
 * cancel channel and turned into `worker.cancelJob` for jobs this worker runs.
 */
export async function startRunWorker(deps: RunWorkerDeps): Promise<RunWorker> {
  const { config, logger } = deps;
  const prefix = config.QUEUE_PREFIX;
  const { processor, pendingDeliveries } = createRunProcessor({
    config,
    logger,
    runBenchmark: deps.runBenchmark,
    notifier: deps.notifier,
    store: deps.store,
    cancelRequest: (runId) => isCancelRequested(deps.redis, prefix, runId),
    ...(deps.reportWaitMs !== undefined ? { reportWaitMs: deps.reportWaitMs } : {}),
  });
  const worker = new Worker(QUEUE_NAME, processor, workerOptions(config, blockingConnection(config), deps.timing));
  worker.on('failed', (job, error) => logger.error({ run: job?.id, err: error }, 'run job failed'));
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  const subscriber = deps.redis.duplicate();
  const unsubscribe = await subscribeCancels(subscriber, prefix, (request: CancelRequest) => {
    // Every worker hears every cancel; cancelJob is a no-op where the job is not running.
    if (worker.cancelJob(request.runId, `cancelled by ${request.by.name} (${request.by.id})`)) {
      logger.info({ run: request.runId, by: request.by.id }, 'cancelling active run');
    }
  });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const errors: unknown[] = [];
      // Cancel first: close() alone would wait for a whole benchmark to finish.
      worker.cancelAllJobs('worker shutting down');
      await worker.close().catch((e: unknown) => errors.push(e));
      await unsubscribe().catch((e: unknown) => errors.push(e));
      subscriber.disconnect();
      const wait = deps.shutdownDeliveryWaitMs ?? 10_000;
      await within(Promise.allSettled([...pendingDeliveries]), wait);
      for (const e of errors) logger.warn({ err: e }, 'error while closing the worker');
    })();
    return closing;
  };
  return { worker, close };
}
