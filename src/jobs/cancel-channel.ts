import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * Cancels cross from the bot process to the worker through Redis pub/sub.
 * BullMQ's `worker.cancelJob` only works inside the worker that runs the job,
 * so the worker listens here and calls it. A short-lived key also records the
 * request, so a worker that picks the job up just after the message went out
 * still sees it ({@link isCancelRequested}).
 */

export const cancelRequestSchema = z.object({
  runId: z.string(),
  by: z.object({ id: z.string(), name: z.string() }),
  at: z.number(),
});
export type CancelRequest = z.infer<typeof cancelRequestSchema>;

/** How long a cancel request is remembered for a job not yet running. */
const CANCEL_KEY_TTL_S = 24 * 3600;

export function cancelChannelName(prefix: string): string {
  return `${prefix}:cancel`;
}

function cancelKey(prefix: string, runId: string): string {
  return `${prefix}:cancel:${runId}`;
}

/** Record and broadcast a cancel request. Returns how many workers heard it. */
export async function publishCancel(redis: Redis, prefix: string, request: CancelRequest): Promise<number> {
  const payload = JSON.stringify(request);
  await redis.set(cancelKey(prefix, request.runId), payload, 'EX', CANCEL_KEY_TTL_S);
  return redis.publish(cancelChannelName(prefix), payload);
}

/** The pending cancel request of a run, if any. */
export async function isCancelRequested(redis: Redis, prefix: string, runId: string): Promise<CancelRequest | null> {
  const raw = await redis.get(cancelKey(prefix, runId));
  if (raw === null) return null;
  const parsed = cancelRequestSchema.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

/**
 * Listen for cancel requests on a dedicated connection (a subscribed ioredis
 * connection cannot run other commands). Returns an idempotent unsubscribe.
 */
export async function subscribeCancels(
  subscriber: Redis,
  prefix: string,
  onCancel: (request: CancelRequest) => void,
): Promise<() => Promise<void>> {
  const channel = cancelChannelName(prefix);
  const listener = (ch: string, message: string): void => {
    if (ch !== channel) return;
    try {
      const parsed = cancelRequestSchema.safeParse(JSON.parse(message));
      if (parsed.success) onCancel(parsed.data);
    } catch {
      // A malformed message is somebody else's; ignore it rather than crash the worker.
    }
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
