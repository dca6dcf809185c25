import type { Job } from 'bullmq';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { ProgressSink } from './benchmark/progress.js';
import type { RunResult } from './benchmark/run-result.js';
import type { CancelRequest } from './cancel-channel.js';
import { runJobDataSchema, type RunJobData, type RunJobReturn } from './queue.js';
import type { RunSpec } from './run-spec.js';
import type { RunNotifier } from './run-notifier.js';

/** The pipeline's entry point (src/jobs/benchmark/pipeline.ts). Never rejects for run failures. */
export type RunBenchmarkFn = (
  input: { runId: string; spec: RunSpec; requestedBy?: string | null },
  deps: { config: Config; logger: Logger; signal: AbortSignal; onProgress: ProgressSink },
) => Promise<RunResult>;

/** Where finished results are kept; saved before the report is posted. */
export interface ResultStore {
  save(result: RunResult): Promise<void>;
}

export interface RunJobDeps {
  config: Config;
  logger: Logger;
  runBenchmark: RunBenchmarkFn;
  notifier: RunNotifier;
  store: ResultStore;
  /** A cancel recorded for this run before or while it runs (from the cancel channel). */
  cancelRequest(runId: string): Promise<CancelRequest | null>;
  /** How long the job waits for the report before finishing and leaving delivery to the background. Default 30 s. */
  reportWaitMs?: number;
}

/** Job data that does not match the schema: a bug or a foreign producer, never retried. */
export class InvalidJobDataError extends Error {
  override readonly name = 'InvalidJobDataError';
}

/**
 * Builds the BullMQ processor. It declares `(job, token, signal)` so BullMQ
 * creates the AbortController that `worker.cancelJob` aborts. Outcomes of a run
 * (completed, failed, cancelled) all complete the job with a {@link RunJobReturn};
 * only a bug in the pipeline itself fails the job.
 */
export function createRunProcessor(deps: RunJobDeps): {
  processor: (job: Job, token: string | undefined, signal?: AbortSignal) => Promise<RunJobReturn>;
  /** Background report deliveries still retrying; awaited on shutdown. */
  pendingDeliveries: Set<Promise<boolean>>;
} {
  const pendingDeliveries = new Set<Promise<boolean>>();
  const processor = async (job: Job, _token: string | undefined, signal?: AbortSignal): Promise<RunJobReturn> => {
    const parsed = runJobDataSchema.safeParse(job.data);
    if (!parsed.success) throw new InvalidJobDataError(`job ${job.id} has invalid data: ${parsed.error.message}`);
    const data: RunJobData = parsed.data;
    const log = deps.logger.child({ run: data.runId });
    const local = new AbortController();
    const combined = signal ? AbortSignal.any([signal, local.signal]) : local.signal;
    // A cancel pressed while the job was being picked up may have missed the pub/sub message.
    if (await deps.cancelRequest(data.runId).catch(() => null)) local.abort(new Error('cancelled before start'));

    const progress = deps.notifier.startProgress(data);
    log.info({ spec: data.spec, requester: data.requester.id }, 'run started');
    let result: RunResult;
    try {
      result = await deps.runBenchmark(
        { runId: data.runId, spec: data.spec, requestedBy: data.requester.id },
        { config: deps.config, logger: log, signal: combined, onProgress: (e) => progress.update(e) },
      );
    } catch (error) {
      await progress.finish(`❌ internal error: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    const cancelledBy =
      result.state === 'cancelled' ? ((await deps.cancelRequest(data.runId).catch(() => null))?.by ?? null) : null;
    const outcome =
      result.state === 'completed'
        ? '✅ finished; the report follows below.'
        : result.state === 'cancelled'
          ? `🛑 cancelled${cancelledBy ? ` by <@${cancelledBy.id}>` : ''}; details below.`
          : `❌ failed${result.error?.phase ? ` in ${result.error.phase}` : ''}; details below.`;
    await progress.finish(outcome);
    try {
      await deps.store.save(result);
    } catch (error) {
      // The report still goes out; the record is what /runs show needs later.
      log.error({ err: error }, 'could not store the run result');
    }
    const delivery = deps.notifier.deliverReport(data, result, cancelledBy);
    pendingDeliveries.add(delivery);
    void delivery.finally(() => pendingDeliveries.delete(delivery));
    const delivered = await Promise.race([delivery, sleep(deps.reportWaitMs ?? 30_000).then(() => false)]);
    log.info({ state: result.state, delivered }, 'run finished');
    return { runId: data.runId, state: result.state, reportDelivered: delivered };
  };
  return { processor, pendingDeliveries };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
