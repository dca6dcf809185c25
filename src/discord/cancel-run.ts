import { publishCancel } from '../jobs/cancel-channel.js';
import { getRunJob } from '../jobs/queue.js';
import { mayCancel, type Invoker } from './access.js';
import type { BotContext } from './bot-context.js';
import { UserError } from './user-error.js';

/** What a cancel did, for the reply. */
export interface CancelOutcome {
  runId: string;
  /** `removed`: it was still waiting and is gone; `signalled`: the worker was told to stop it. */
  action: 'removed' | 'signalled';
  message: string;
}

/**
 * Cancel a run from the bot process: a waiting run is removed from the queue;
 * a running (or reserving) one is signalled through the cancel channel, and
 * the worker stops it, cleans up and posts what it cleaned.
 */
export async function cancelRun(ctx: BotContext, runId: string, invoker: Invoker): Promise<CancelOutcome> {
  const job = await getRunJob(ctx.queue, runId);
  if (!job) {
    const stored = await ctx.runs.get(runId).catch(() => null);
    if (stored)
      throw new UserError('already_finished', `${runId} has already ${stored.state}; there is nothing to cancel.`);
    throw new UserError(
      'unknown_run',
      `There is no run \`${runId}\`. See \`/runs queue\` for runs that can be cancelled.`,
    );
  }
  const requesterId = job.data.requester.id;
  if (!mayCancel(invoker, requesterId, ctx.config)) {
    throw new UserError(
      'not_your_run',
      `${runId} was started by <@${requesterId}>; only they or an admin may cancel it.`,
    );
  }
  const request = { runId, by: { id: invoker.id, name: invoker.name }, at: ctx.now() };
  const state = await job.getState();
  if (state === 'completed' || state === 'failed') {
    throw new UserError('already_finished', `${runId} has already finished; there is nothing to cancel.`);
  }
  if (state === 'waiting' || state === 'prioritized' || state === 'delayed') {
    try {
      await job.remove();
      // Recorded anyway, in case a worker fetched it between getState and remove.
      await publishCancel(ctx.redis, ctx.config.QUEUE_PREFIX, request);
      ctx.logger.info({ run: runId, by: invoker.id }, 'waiting run removed');
      return {
        runId,
        action: 'removed',
        message: `🛑 **${runId}** was removed from the queue by <@${invoker.id}>; it never started.`,
      };
    } catch {
      // Locked: a worker just took it. Fall through to signalling.
    }
  }
  await publishCancel(ctx.redis, ctx.config.QUEUE_PREFIX, request);
  ctx.logger.info({ run: runId, by: invoker.id }, 'cancel signalled');
  return {
    runId,
    action: 'signalled',
    message: `🛑 Cancel of **${runId}** requested by <@${invoker.id}>: stopping the load and cleaning up; the run message will say what was cleaned.`,
  };
}
