import { Client, Events, GatewayIntentBits } from 'discord.js';
import { loadConfig, requireSetting, type Config } from './config.js';
import { allCommands } from './commands/index.js';
import type { BotContext } from './discord/bot-context.js';
import { createInteractionHandler } from './discord/interaction-router.js';
import { QueueEvents } from 'bullmq';
import { blockingConnection, createRunQueue, incrRunCounter, producerConnection, QUEUE_NAME } from './jobs/queue.js';
import { watchStalledRuns } from './discord/stalled-notice.js';
import { RunRecords } from './jobs/run-records.js';
import { createLogger, type Logger } from './log.js';
import { createReportRenderer } from './discord/report-renderer.js';

/**
 * The bot process: logs in to the gateway, answers slash commands within
 * Discord's 3 s, enqueues runs and forwards cancels. It never runs a benchmark.
 */
export async function startBot(config: Config, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const token = requireSetting(config, 'DISCORD_TOKEN', 'to log in to Discord');
  const redis = producerConnection(config);
  const queue = createRunQueue(config, producerConnection(config));
  const records = new RunRecords(redis, config.QUEUE_PREFIX);
  const ctx: BotContext = {
    config,
    logger,
    queue,
    redis,
    runs: records,
    report: createReportRenderer(config),
    nextRunNumber: () => incrRunCounter(redis, config.QUEUE_PREFIX),
    now: () => Date.now(),
  };
  const handle = createInteractionHandler(allCommands(config), ctx);
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.DISCORD_API_URL } });
  client.on(Events.InteractionCreate, (interaction) => void handle(interaction));
  client.on(Events.Error, (error) => logger.error({ err: error }, 'gateway error'));
  client.once(Events.ClientReady, (c) => logger.info({ user: c.user.tag }, 'bot ready'));
  await client.login(token);
  const stopWatching = await watchStalledRuns({
    queue,
    queueEvents: new QueueEvents(QUEUE_NAME, { connection: blockingConnection(config), prefix: config.QUEUE_PREFIX }),
    rest: client.rest,
    logger,
  });
  let stopped = false;
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      const errors: unknown[] = [];
      await stopWatching().catch((e: unknown) => errors.push(e));
      await client.destroy().catch((e: unknown) => errors.push(e));
      await queue.close().catch((e: unknown) => errors.push(e));
      redis.disconnect();
      for (const e of errors) logger.warn({ err: e }, 'error while stopping the bot');
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const bot = await startBot(config, logger);
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'stopping bot');
    void bot.stop().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
