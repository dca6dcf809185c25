import type { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { QueueEvents, type Queue } from 'bullmq';
import type { Logger } from '../log.js';
import { getRunJob } from '../jobs/queue.js';

/** BullMQ's reason for a job whose worker stopped renewing its lock (see `maxStalledCount: 0` in jobs/queue.ts). */
export const STALLED_REASON = /stalled/i;

/** The message posted when a run's worker died. */
export function workerDiedMessage(runId: string, requesterId: string): string {
  return [
    `<@${requesterId}> ❌ **${runId}** failed: the worker died while running it (the job stalled).`,
    'It was not restarted on purpose; nodes and processes it left are swept when the next run starts.',
    'Run `/bench` again to repeat it.',
  ].join('\n');
}

/**
 * Tell requesters when their run failed because its worker died: the worker
 * cannot say so itself. Listens to BullMQ's cross-process `failed` events.
 * Returns an idempotent close.
 */
export async function watchStalledRuns(options: {
  queue: Queue;
  queueEvents: QueueEvents;
  rest: REST;
  logger: Logger;
}): Promise<() => Promise<void>> {
  const { queue, queueEvents, rest, logger } = options;
  queueEvents.on('failed', ({ jobId, failedReason }) => {
    if (!STALLED_REASON.test(failedReason)) return;
    void (async () => {
      const job = await getRunJob(queue, jobId);
      if (!job) return;
      const { runId, requester, channelId } = job.data;
      logger.warn({ run: runId, reason: failedReason }, 'run failed because its worker died');
      await rest.post(Routes.channelMessages(channelId), {
        body: { content: workerDiedMessage(runId, requester.id), allowed_mentions: { users: [requester.id] } },
      });
    })().catch((error: unknown) => logger.error({ err: error, run: jobId }, 'could not post the worker-died notice'));
  });
  await queueEvents.waitUntilReady();
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    await queueEvents.close();
  };
}
