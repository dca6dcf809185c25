import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../../src/config.js';
import type { BotContext } from '../../../src/discord/bot-context.js';
import { cancelRun } from '../../../src/discord/cancel-run.js';
import { createRest, DiscordNotifier } from '../../../src/discord/notifier.js';
import { createReportRenderer } from '../../../src/discord/report-renderer.js';
import type { RunResult } from '../../../src/jobs/benchmark/run-result.js';
import { publishCancel } from '../../../src/jobs/cancel-channel.js';
import {
  createRunQueue,
  enqueueRun,
  incrRunCounter,
  listQueue,
  producerConnection,
  QueueLimitError,
} from '../../../src/jobs/queue.js';
import type { RunBenchmarkFn } from '../../../src/jobs/run-job.js';
import { RunRecords } from '../../../src/jobs/run-records.js';
import { startRunWorker, type RunWorker } from '../../../src/jobs/run-worker.js';
import { QueueEvents } from 'bullmq';
import { watchStalledRuns } from '../../../src/discord/stalled-notice.js';
import { blockingConnection, QUEUE_NAME } from '../../../src/jobs/queue.js';
import { parseRunSpec } from '../../../src/jobs/run-spec.js';
import { silentLogger } from '../../../src/log.js';
import { makeRunResult } from '../../support/fixtures/run-result-fixture.js';
import { DiscordEmulator } from '../../support/discord-emulator/emulator.js';
import { deletePrefix } from '../../support/discord-emulator/processes.js';

/**
 * The queue, the worker and the notifier against real Redis and the Discord
 * emulator. The benchmark pipeline is replaced by a scripted one (the pipeline
 * has its own tests): it emits progress, honours the abort signal and returns
 * a fixture result, so queue order, cancels, restarts and rate limits are what
 * is under test here.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `lbtest-queue-${process.pid}`;
const alice = { id: '1300000000000000300', name: 'alice' };
const bob = { id: '1300000000000000301', name: 'bob' };

describe('run queue and worker (real Redis, Discord emulator)', () => {
  const emulator = new DiscordEmulator();
  let config: Config;
  let redis: Redis;
  let queue: Queue;
  let worker: RunWorker | null = null;
  const started: string[] = [];
  const aborted: string[] = [];
  /** Runs whose scripted pipeline should die (throw) at the next step, like a crashed worker. */
  const killed = new Set<string>();

  /** A pipeline stand-in: ~`durationS` × 100 ms of "load" with live events, abortable. */
  const scripted: RunBenchmarkFn = async (input, deps) => {
    started.push(input.runId);
    deps.onProgress({ type: 'phase', phase: 'reserve', state: 'done' });
    deps.onProgress({ type: 'node', node: 'n1', index: 1, role: 'server', ok: true, message: 'ready' });
    deps.onProgress({ type: 'phase', phase: 'load', state: 'started' });
    const steps = input.spec.durationS;
    let state: RunResult['state'] = 'completed';
    for (let i = 0; i < steps; i++) {
      if (killed.has(input.runId)) throw new Error('simulated worker death');
      if (deps.signal.aborted) {
        aborted.push(input.runId);
        state = 'cancelled';
        break;
      }
      deps.onProgress({
        type: 'live',
        stats: {
          elapsedS: i,
          durationS: steps,
          joined: input.spec.bots,
          requested: input.spec.bots,
          failed: 0,
          serverStepP95Ms: 12.5,
          players: input.spec.bots,
          nodes: [{ name: 'n1', role: 'server', cpu: 0.2, cpuProc: 0.5 }],
        },
      });
      await new Promise((r) => setTimeout(r, 100));
    }
    const result = makeRunResult({ runId: input.runId, nodes: input.spec.nodes, bots: input.spec.bots, durationS: 20 });
    return state === 'cancelled'
      ? {
          ...result,
          state,
          error: { name: 'CancelledError', message: 'cancelled', phase: 'load' },
          teardown: [{ label: 'stop swarms', ok: true }],
        }
      : result;
  };

  async function startWorker(timing?: { lockDuration: number; stalledInterval: number }): Promise<RunWorker> {
    const notifier = new DiscordNotifier({
      rest: createRest(emulator.apiUrl, emulator.token),
      logger: silentLogger(),
      report: createReportRenderer(config),
      editIntervalMs: 300,
      deliveryDeadlineMs: 120_000,
      maxBackoffMs: 500,
    });
    worker = await startRunWorker({
      config,
      logger: silentLogger(),
      runBenchmark: scripted,
      notifier,
      store: new RunRecords(redis, PREFIX),
      redis,
      ...(timing ? { timing } : {}),
    });
    return worker;
  }

  const spec = (durationS: number) => parseRunSpec({ nodes: 3, bots: 20, durationS });
  const enqueue = (who: typeof alice, durationS: number, limit = 3) =>
    enqueueRun(
      queue,
      { spec: spec(durationS), requester: who, channelId: emulator.channelId, guildId: emulator.guildId },
      { maxQueuedPerUser: limit, nextRunNumber: () => incrRunCounter(redis, PREFIX) },
    );
  const finalReport = (runId: string) =>
    emulator.waitForMessage(
      (m) =>
        m.content.includes(`**${runId}** —`) &&
        /finished in|cancelled\*\* by|failed/.test(m.content) &&
        m.edits.length === 0 &&
        !m.content.includes('▫️'),
      90_000,
      `final report of ${runId}`,
    );

  beforeAll(async () => {
    await emulator.start();
    config = loadConfig({ QUEUE_PREFIX: PREFIX, REDIS_URL, DISCORD_API_URL: emulator.apiUrl });
    redis = new Redis(REDIS_URL);
    queue = createRunQueue(config, producerConnection(config));
    await queue.waitUntilReady();
  });

  afterEach(async () => {
    await worker?.close();
    worker = null;
    emulator.clearFaults();
    await queue.obliterate({ force: true });
  });

  afterAll(async () => {
    await queue.close();
    await emulator.stop();
    await deletePrefix(REDIS_URL, PREFIX);
    redis.disconnect();
  });

  it('runs two runs one after the other; the second is told position 2', async () => {
    const first = await enqueue(alice, 20);
    const second = await enqueue(bob, 5);
    expect(first.position).toBe(1);
    expect(second.position).toBe(2);
    expect((await listQueue(queue)).map((e) => e.runId)).toEqual([first.runId, second.runId]);
    await startWorker();
    const r1 = await finalReport(first.runId);
    const r2 = await finalReport(second.runId);
    expect(started).toEqual(expect.arrayContaining([first.runId, second.runId]));
    expect(started.indexOf(first.runId)).toBeLessThan(started.indexOf(second.runId));
    expect(r1.createdAt).toBeLessThanOrEqual(r2.createdAt);
    // Report: mention of the requester and a PNG chart.
    expect(r1.content).toContain(`<@${alice.id}>`);
    expect(r1.attachments).toHaveLength(1);
    expect(r1.attachments[0]?.data.subarray(1, 4).toString()).toBe('PNG');
    // Progress message: posted once, edited in place.
    const progress = emulator
      .channelMessages()
      .find((m) => m.content.includes(`**${first.runId}**`) && m.edits.length > 0);
    expect(progress).toBeDefined();
    expect(emulator.latest(progress!)).toContain('finished');
    // The result is stored before it is posted.
    expect((await new RunRecords(redis, PREFIX).get(first.runId))?.state).toBe('completed');
  });

  it('cancels a running run from another connection (as the bot would) and says who', async () => {
    await startWorker();
    const { runId } = await enqueue(alice, 300);
    await emulator.waitForMessage(
      (m) => m.content.includes(`**${runId}**`) && m.edits.some((e) => e.content.includes('bots 20/20')),
      30_000,
      'live progress',
    );
    const other = new Redis(REDIS_URL);
    await publishCancel(other, PREFIX, { runId, by: bob, at: Date.now() });
    other.disconnect();
    const report = await finalReport(runId);
    expect(aborted).toContain(runId);
    expect(report.content).toContain('cancelled');
    expect(report.content).toContain(`<@${bob.id}>`);
    expect(report.content).toContain('stop swarms');
  });

  it('removes a waiting run on cancel; only the requester or an admin may', async () => {
    const blocker = await enqueue(alice, 300);
    const waiting = await enqueue(alice, 5);
    const ctx = {
      config: { ...config, DISCORD_ADMIN_ROLES: ['1300000000000000999'] },
      logger: silentLogger(),
      queue,
      redis,
      runs: new RunRecords(redis, PREFIX),
      nextRunNumber: () => incrRunCounter(redis, PREFIX),
      now: () => Date.now(),
    } satisfies BotContext;
    const invoker = (u: typeof alice, roles: string[] = []) => ({
      ...u,
      roles,
      channelId: emulator.channelId,
      guildId: emulator.guildId,
    });
    await expect(cancelRun(ctx, waiting.runId, invoker(bob))).rejects.toMatchObject({ code: 'not_your_run' });
    const outcome = await cancelRun(ctx, waiting.runId, invoker(alice));
    expect(outcome.action).toBe('removed');
    expect((await listQueue(queue)).map((e) => e.runId)).toEqual([blocker.runId]);
    await expect(cancelRun(ctx, 'run-999999', invoker(alice))).rejects.toMatchObject({ code: 'unknown_run' });
    // An admin may cancel anybody's; the running one is signalled.
    await startWorker();
    await emulator.waitForMessage((m) => m.content.includes(`**${blocker.runId}**`), 30_000, 'progress');
    const signalled = await cancelRun(ctx, blocker.runId, invoker(bob, ['1300000000000000999']));
    expect(signalled.action).toBe('signalled');
    expect((await finalReport(blocker.runId)).content).toContain('cancelled');
    expect(started).not.toContain(waiting.runId);
  });

  it('enforces the per-user cap on queued runs', async () => {
    await enqueue(alice, 5, 2);
    await enqueue(alice, 5, 2);
    await expect(enqueue(alice, 5, 2)).rejects.toBeInstanceOf(QueueLimitError);
    await expect(enqueue(bob, 5, 2)).resolves.toMatchObject({ position: 3 });
  });

  it('carries on after the worker is stopped and restarted between runs', async () => {
    await startWorker();
    const a = await enqueue(alice, 5);
    await finalReport(a.runId);
    await worker?.close();
    worker = null;
    const b = await enqueue(alice, 5);
    expect((await listQueue(queue)).map((e) => e.state)).toEqual(['waiting']);
    await startWorker();
    await finalReport(b.runId);
  });

  it('a 429 storm on edits and 5xx on the report do not fail the run; the report arrives', async () => {
    emulator.injectFault({
      method: 'PATCH',
      path: /^\/channels\/\d+\/messages\/\d+$/,
      status: 429,
      retryAfter: 1,
      count: Infinity,
    });
    emulator.injectFault({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 503, count: 0 });
    await startWorker();
    const { runId } = await enqueue(alice, 30);
    // After the progress message exists, make the next report attempts fail with 5xx too.
    await emulator.waitForMessage((m) => m.content.includes(`**${runId}**`), 30_000, 'progress message');
    emulator.injectFault({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 502, count: 4 });
    const report = await finalReport(runId);
    expect(report.attachments).toHaveLength(1);
    const throttled = emulator.requests.filter((r) => r.method === 'PATCH' && r.status === 429).length;
    expect(throttled).toBeGreaterThan(0);
    // The report is posted just before the processor returns: wait for the job to complete, then read it.
    await vi.waitFor(async () => expect(await queue.getJobState(runId)).toBe('completed'), { timeout: 30_000 });
    const job = await queue.getJob(runId);
    expect(await job?.getState()).toBe('completed');
    expect(job?.returnvalue).toMatchObject({ state: 'completed' });
  });

  it('close() cancels the active run before closing (SIGTERM path)', async () => {
    await startWorker();
    const { runId } = await enqueue(alice, 600);
    await emulator.waitForMessage((m) => m.content.includes(`**${runId}**`), 30_000, 'progress');
    await worker?.close();
    worker = null;
    expect(aborted).toContain(runId);
  });

  it('a run whose worker died fails at once (maxStalledCount 0) and the requester is told', async () => {
    const timing = { lockDuration: 2000, stalledInterval: 1000 };
    const stopWatching = await watchStalledRuns({
      queue,
      queueEvents: new QueueEvents(QUEUE_NAME, { connection: blockingConnection(config), prefix: PREFIX }),
      rest: createRest(emulator.apiUrl, emulator.token),
      logger: silentLogger(),
    });
    try {
      const dying = await startWorker(timing);
      const { runId } = await enqueue(alice, 600);
      await emulator.waitForMessage((m) => m.content.includes(`**${runId}**`), 30_000, 'progress');
      // Lock renewal stops as if the process died; its processor is then made to fail.
      await dying.worker.close(true);
      killed.add(runId);
      worker = null;
      await startWorker(timing);
      const notice = await emulator.waitForMessage(
        (m) => m.content.includes('the worker died'),
        60_000,
        'worker-died notice',
      );
      expect(notice.content).toContain(`<@${alice.id}> ❌ **${runId}** failed`);
      const job = await queue.getJob(runId);
      expect(await job?.getState()).toBe('failed');
      expect(job?.failedReason).toMatch(/stalled/);
      expect(started.filter((r) => r === runId)).toHaveLength(1);
    } finally {
      // Let the "dead" worker's processor finish failing, so it writes nothing after cleanup.
      await new Promise((r) => setTimeout(r, 1500));
      await stopWatching();
    }
  });

  it('progress edits are coalesced: at most one per interval, the last state always shown', async () => {
    const notifier = new DiscordNotifier({
      rest: createRest(emulator.apiUrl, emulator.token),
      logger: silentLogger(),
      editIntervalMs: 300,
    });
    const runId = 'run-777001';
    const handle = notifier.startProgress({
      runId,
      spec: spec(60),
      requester: alice,
      channelId: emulator.channelId,
      guildId: emulator.guildId,
      createdAt: Date.now(),
    });
    const startedAt = Date.now();
    for (let i = 0; i <= 60; i++) {
      handle.update({
        type: 'live',
        stats: {
          elapsedS: i,
          durationS: 60,
          joined: i,
          requested: 60,
          failed: 0,
          serverStepP95Ms: null,
          players: i,
          nodes: [],
        },
      });
      await new Promise((r) => setTimeout(r, 25));
    }
    await handle.finish('done here');
    const elapsed = Date.now() - startedAt;
    const message = await emulator.waitForMessage((m) => m.content.startsWith(`**${runId}**`), 10_000, 'progress');
    // 61 events; one post plus at most one edit per 300 ms of elapsed time, plus the final edit.
    expect(message.edits.length).toBeLessThanOrEqual(Math.ceil(elapsed / 300) + 2);
    expect(message.edits.length).toBeLessThan(61);
    const last = emulator.latest(message);
    expect(last).toContain('bots 60/60 joined');
    expect(last).toContain('done here');
    expect(message.edits.at(-1)?.components).toEqual([]);
  });
});
