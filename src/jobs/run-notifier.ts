import type { ProgressEvent } from './benchmark/progress.js';
import type { RunResult } from './benchmark/run-result.js';
import type { CancelRequest } from './cancel-channel.js';
import type { RunJobData } from './queue.js';

/**
 * Where a run's progress and report go. The worker's implementation posts to
 * Discord (src/discord/notifier.ts); jobs/ stays free of Discord code.
 */
export interface RunNotifier {
  /** Start the live progress message of a run. Never throws: delivery problems are logged. */
  startProgress(data: RunJobData): ProgressHandle;
  /**
   * Post the final report, retrying transient failures until `deadline`.
   * Resolves true once delivered, false if it gave up. Never rejects.
   */
  deliverReport(data: RunJobData, result: RunResult, cancelledBy: CancelRequest['by'] | null): Promise<boolean>;
}

export interface ProgressHandle {
  /** Fold in one event; the message is edited at most every few seconds. Must not throw. */
  update(event: ProgressEvent): void;
  /** Final edit of the progress message (outcome line, no Cancel button). */
  finish(outcome: string): Promise<void>;
}
