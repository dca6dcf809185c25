import { Redis } from 'ioredis';
import { loadConfig, requireSetting } from './config.js';
import { createRest, DiscordNotifier } from './discord/notifier.js';
import { createReportRenderer } from './discord/report-renderer.js';
import { runBenchmark } from './jobs/benchmark/pipeline.js';
import { RunRecords } from './jobs/run-records.js';
import { startRunWorker } from './jobs/run-worker.js';
import { createLogger } from './log.js';

/**
 * The worker process: takes runs off the queue one at a time, runs the
 * pipeline, and posts progress and the report through Discord REST with the
 * bot token. It never connects to the gateway.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const token = requireSetting(config, 'DISCORD_TOKEN', 'to post progress and reports');
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const notifier = new DiscordNotifier({
    rest: createRest(config.DISCORD_API_URL, token),
    logger,
    report: createReportRenderer(config),
  });
  const worker = await startRunWorker({
    config,
    logger,
    // The worker's Redis also holds the static cluster's host locks.
    runBenchmark: (input, deps) => runBenchmark(input, { ...deps, redis }),
    notifier,
    store: new RunRecords(redis, config.QUEUE_PREFIX),
    redis,
  });
  logger.info({ prefix: config.QUEUE_PREFIX, cluster: config.CLUSTER }, 'worker ready');
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'stopping worker: cancelling active runs, then closing');
    void worker.close().finally(() => {
      logger.info({ requests: notifier.counts }, 'worker stopped');
      redis.disconnect();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
