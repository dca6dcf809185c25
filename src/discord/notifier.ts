import { DiscordAPIError, RateLimitError, REST, type RawFile } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import type { Logger } from '../log.js';
import type { ProgressEvent } from '../jobs/benchmark/progress.js';
import type { RunResult } from '../jobs/benchmark/run-result.js';
import type { CancelRequest } from '../jobs/cancel-channel.js';
import type { RunJobData } from '../jobs/queue.js';
import type { ProgressHandle, RunNotifier } from '../jobs/run-notifier.js';
import { ProgressView } from './progress-view.js';
import { cancelButtonRow } from './queued-reply.js';
import { basicSummary, basicVerdict, buildReportMessage, hasData, type ReportParts } from './report-message.js';

/** What the report module supplies; each part may fail on its own without losing the report. */
export interface ReportRenderer {
  renderChart(result: RunResult): Promise<Buffer>;
  summary(result: RunResult): string;
  verdict(result: RunResult): string;
}

export interface NotifierOptions {
  rest: REST;
  logger: Logger;
  report?: ReportRenderer;
  /** Least time between two edits of a progress message. Default 5000 ms. */
  editIntervalMs?: number;
  /** How long the final report is retried. Default one hour. */
  deliveryDeadlineMs?: number;
  /** Longest pause between two delivery attempts. Default 60 s. */
  maxBackoffMs?: number;
}

/**
 * A REST client for the bot token. 429s on posts are waited out by
 * @discordjs/rest itself; on edits (PATCH) they are rejected instead, because
 * a progress edit is worth skipping, never waiting for: the next one carries
 * the whole state.
 */
export function createRest(api: string, token: string): REST {
  return new REST({
    api,
    timeout: 15_000,
    retries: 2,
    rejectOnRateLimit: (data) => data.method.toLowerCase() === 'patch',
  }).setToken(token);
}

/** Errors that retrying will not fix (bad request, missing access, unknown channel). */
function isPermanent(error: unknown): boolean {
  return error instanceof DiscordAPIError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

/**
 * Posts progress and reports to the requester's channel through REST with the
 * bot token (interaction tokens expire after 15 minutes; runs outlive them).
 */
export class DiscordNotifier implements RunNotifier {
  private readonly editIntervalMs: number;
  private readonly deliveryDeadlineMs: number;
  private readonly maxBackoffMs: number;
  /** Requests sent, by kind; read by the benchmark script. */
  readonly counts = { post: 0, edit: 0, failed: 0 };

  constructor(private readonly options: NotifierOptions) {
    this.editIntervalMs = options.editIntervalMs ?? 5000;
    this.deliveryDeadlineMs = options.deliveryDeadlineMs ?? 3_600_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
  }

  startProgress(data: RunJobData): ProgressHandle {
    return new ProgressMessage(this, data, this.editIntervalMs);
  }

  /** @internal */
  async send(method: 'post' | 'patch', route: `/${string}`, body: unknown, files?: RawFile[]): Promise<unknown> {
    if (method === 'post') this.counts.post++;
    else this.counts.edit++;
    try {
      return await this.options.rest[method](route, { body, ...(files ? { files } : {}) });
    } catch (error) {
      this.counts.failed++;
      throw error;
    }
  }

  get logger(): Logger {
    return this.options.logger;
  }

  async deliverReport(data: RunJobData, result: RunResult, cancelledBy: CancelRequest['by'] | null): Promise<boolean> {
    const log = this.logger.child({ run: data.runId });
    const parts = await this.reportParts(result, log);
    const message = buildReportMessage(result, parts, { requesterId: data.requester.id, cancelledBy });
    const files = message.files.map((f) => ({ name: f.name, data: f.data, contentType: 'image/png' }));
    const body = { content: message.content, allowed_mentions: message.allowed_mentions };
    const deadline = Date.now() + this.deliveryDeadlineMs;
    let backoff = 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send('post', Routes.channelMessages(data.channelId), body, files);
        log.info({ attempt }, 'report delivered');
        return true;
      } catch (error) {
        const permanent = isPermanent(error);
        log.warn({ err: error, attempt, permanent }, 'report delivery failed');
        if (permanent || Date.now() + backoff > deadline) {
          log.error({ channel: data.channelId }, 'giving up on delivering the report; it is kept in the run store');
          return false;
        }
        await sleep(backoff);
        backoff = Math.min(this.maxBackoffMs, backoff * 2);
      }
    }
  }

  private async reportParts(result: RunResult, log: Logger): Promise<ReportParts> {
    const report = this.options.report;
    const safe = (f: (() => string) | undefined, fallback: (r: RunResult) => string): string => {
      try {
        return f ? f() : fallback(result);
      } catch (error) {
        log.warn({ err: error }, 'report text failed; using the basic one');
        return fallback(result);
      }
    };
    const summary = safe(report ? () => report.summary(result) : undefined, basicSummary);
    const verdict = safe(report ? () => report.verdict(result) : undefined, basicVerdict);
    if (!hasData(result)) return { summary, verdict, chart: null };
    if (!report) return { summary, verdict, chart: null, chartError: 'no chart renderer configured' };
    try {
      return { summary, verdict, chart: await report.renderChart(result) };
    } catch (error) {
      log.warn({ err: error }, 'chart rendering failed');
      return { summary, verdict, chart: null, chartError: error instanceof Error ? error.message : String(error) };
    }
  }
}

/**
 * One live progress message. At most one request in flight and at most one
 * edit per interval, always carrying the newest state, so a slow or
 * rate-limited Discord delays the message but never queues up edits or
 * slows the run.
 */
class ProgressMessage implements ProgressHandle {
  private readonly view: ProgressView;
  private messageId: string | null = null;
  private messageCreatedAt = 0;
  private lastSentAt = 0;
  private inFlight: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dirty = true;
  private finished = false;
  private retryAfterMs = 0;

  constructor(
    private readonly notifier: DiscordNotifier,
    private readonly data: RunJobData,
    private readonly intervalMs: number,
  ) {
    this.view = new ProgressView(data.runId, data.spec, data.requester.id);
    this.schedule();
  }

  update(event: ProgressEvent): void {
    try {
      this.view.apply(event);
    } catch (error) {
      this.notifier.logger.warn({ err: error, run: this.data.runId }, 'progress event not shown');
      return;
    }
    this.dirty = true;
    this.schedule();
  }

  async finish(outcome: string): Promise<void> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.view.finish(outcome);
    if (this.inFlight) await this.inFlight;
    // The final state matters more than a live one: try a few times, honouring Retry-After (bounded).
    for (let attempt = 0; attempt < 3; attempt++) {
      this.dirty = true;
      await this.flush(false);
      if (!this.dirty) return;
      await sleep(Math.min(10_000, Math.max(500, this.retryAfterMs)));
    }
  }

  private schedule(): void {
    if (this.finished || this.timer || this.inFlight) return;
    const wait = Math.max(0, this.lastSentAt + Math.max(this.intervalMs, this.retryAfterMs) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.dirty) void this.flush(true);
    }, wait);
    this.timer.unref();
  }

  private flush(withButton: boolean): Promise<void> {
    this.dirty = false;
    this.lastSentAt = Date.now();
    const body = {
      content: this.view.render(),
      components: withButton ? [cancelButtonRow(this.data.runId)] : [],
      allowed_mentions: { parse: [] },
    };
    const run = async (): Promise<void> => {
      try {
        // Discord refuses edits of messages older than an hour (error 30046): post a fresh one before that.
        if (this.messageId !== null && Date.now() - this.messageCreatedAt > FRESH_MESSAGE_AFTER_MS)
          this.messageId = null;
        if (this.messageId === null) {
          const created = (await this.notifier.send('post', Routes.channelMessages(this.data.channelId), body)) as {
            id: string;
          };
          this.messageId = created.id;
          this.messageCreatedAt = Date.now();
        } else {
          await this.notifier.send('patch', Routes.channelMessage(this.data.channelId, this.messageId), body);
        }
        this.retryAfterMs = 0;
      } catch (error) {
        this.retryAfterMs = error instanceof RateLimitError ? error.retryAfter : 0;
        if (error instanceof DiscordAPIError && (error.code === 30046 || error.code === 10008)) this.messageId = null;
        // A lost edit is harmless: the next one carries the whole state.
        this.dirty = true;
        this.notifier.logger.warn({ err: error, run: this.data.runId }, 'progress message not updated');
      }
    };
    const p = run().finally(() => {
      this.inFlight = null;
      if (this.dirty) this.schedule();
    });
    this.inFlight = p;
    return p;
  }
}

/** Edits of messages older than one hour fail with 30046; start a new progress message a little before. */
const FRESH_MESSAGE_AFTER_MS = 50 * 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
