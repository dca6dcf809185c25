import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/store/run-store.js';
import { DiscordEmulator, type RecordedMessage } from '../support/discord-emulator/emulator.js';
import {
  appEnv,
  deletePrefix,
  spawnApp,
  waitForOutput,
  type AppProcess,
} from '../support/discord-emulator/processes.js';
import { haveBundle, processesOfRun } from '../integration/pipeline/pipeline-support.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `lbtest-e2e-run-${process.pid}`;
const SERVER_BIN = '/usr/games/minetestserver';
const alice = { id: '1300000000000000400', username: 'alice' };
const bob = { id: '1300000000000000401', username: 'bob' };

/**
 * The whole thing: real bot and worker processes (tsx), real Redis, the real
 * pipeline on the local cluster, and the Discord emulator in place of Discord.
 */
describe.skipIf(!haveBundle || !existsSync(SERVER_BIN))(
  '/bench end to end (bot + worker + pipeline, local cluster)',
  () => {
    const emulator = new DiscordEmulator();
    let bot: AppProcess | null = null;
    let env: Record<string, string> = {};
    let worker: AppProcess | null = null;
    let redis: Redis;
    let workdir: string;
    const runIds: string[] = [];

    beforeAll(async () => {
      await emulator.start();
      redis = new Redis(REDIS_URL);
      // Run ids far from other tests' on this shared machine (the local cluster sweeps by run id).
      await redis.set(`${PREFIX}:run-counter`, String(process.pid * 1000));
      workdir = await mkdtemp(join(tmpdir(), 'lbe2e-'));
      env = appEnv(emulator, PREFIX, {
        REMOTE_WORKDIR: workdir,
        BASELINE_S: '2',
        METRICS_GATE_S: '15',
        BENCH_MAX_QUEUED_PER_USER: '2',
      });
      bot = spawnApp('bot', env);
      worker = spawnApp('worker', env);
      await emulator.waitForReady(60_000);
      await waitForOutput(bot, 'bot ready');
      await waitForOutput(worker, 'worker ready');
    });

    afterAll(async () => {
      await bot?.stop();
      await worker?.stop();
      await emulator.stop();
      await deletePrefix(REDIS_URL, PREFIX);
      redis.disconnect();
      await rm(workdir, { recursive: true, force: true });
    });

    const int = (name: string, value: number) => ({ name, type: 4, value });

    async function bench(user: typeof alice, nodes: number, bots: number, duration: number) {
      const sentAt = Date.now();
      const id = emulator.dispatchCommand(
        'bench',
        [int('nodes', nodes), int('bots', bots), int('duration', duration)],
        user,
      );
      const cb = await emulator.awaitCallback(id);
      const content = String(cb.data.content);
      const runId = /\*\*(run-\d+)\*\* queued/.exec(content)?.[1];
      if (!runId) throw new Error(`no run id in reply: ${content}`);
      runIds.push(runId);
      console.log(`reply to /bench (${runId}) after ${cb.at - sentAt} ms`);
      return { runId, content, components: JSON.stringify(cb.data.components) };
    }

    const progressOf = (runId: string) =>
      emulator.waitForMessage((m) => m.content.startsWith(`**${runId}** —`), 120_000, `progress of ${runId}`);
    const reportOf = (runId: string) =>
      emulator.waitForMessage(
        (m) => m.content.includes(`**${runId}** —`) && m.content.startsWith('<@'),
        300_000,
        `report of ${runId}`,
      );

    it('/bench nodes:3 bots:20 duration:20 → reply, edited progress, PNG report mentioning the requester; a second user waits at position 2', async () => {
      const first = await bench(alice, 3, 20, 20);
      expect(first.content).toContain('It starts now');
      expect(first.components).toContain(`cancel:${first.runId}`);
      const second = await bench(bob, 1, 5, 10);
      expect(second.content).toContain('Position **2**');

      const progress = await progressOf(first.runId);
      const report = await reportOf(first.runId);
      expect(report.content).toContain(`<@${alice.id}>`);
      expect(report.content).toContain('✅');
      expect(report.attachments).toHaveLength(1);
      expect(report.attachments[0]?.data.subarray(1, 4).toString()).toBe('PNG');
      expect(progress.edits.length).toBeGreaterThan(0);
      expect(emulator.latest(progress)).toContain('finished');
      const stored = await new RunStore(redis, PREFIX).getResult(first.runId);
      expect(stored?.nodes).toHaveLength(3);
      for (const node of stored?.nodes ?? []) expect(node.samples.length).toBeGreaterThan(0);

      // The second run starts only after the first one's report.
      const secondProgress = await progressOf(second.runId);
      expect(secondProgress.createdAt).toBeGreaterThanOrEqual(report.createdAt);
      const secondReport = await reportOf(second.runId);
      expect(secondReport.content).toContain(`<@${bob.id}>`);
      const requests = emulator.messageRequests().filter((r) => r.path.includes(`/channels/${emulator.channelId}/`));
      console.log(`Discord message requests for 2 runs: ${requests.length}`);
    });

    it('Cancel button during load → cancelled, says by whom and what was cleaned, nothing left running', async () => {
      const { runId } = await bench(alice, 2, 10, 120);
      const progress: RecordedMessage = await progressOf(runId);
      await emulator.waitForMessage(
        (m) => m.id === progress.id && /⏳ load/.test(emulator.latest(m)),
        180_000,
        'load phase',
      );
      const press = emulator.pressButton(`cancel:${runId}`, progress.id, alice);
      const cb = await emulator.awaitCallback(press);
      expect(cb.type).toBe(7);
      expect(String(cb.data.content)).toContain('Cancel of');
      const report = await reportOf(runId);
      expect(report.content).toContain('cancelled');
      expect(report.content).toContain(`<@${alice.id}>`);
      expect(report.content).toContain('Cleaned up');
      expect(await processesOfRun(runId)).toEqual([]);
    });

    it('SIGTERM during a run cancels it and exits; after a restart the queue carries on through a 429 storm on edits', async () => {
      const { runId } = await bench(alice, 1, 5, 120);
      const progress = await progressOf(runId);
      await emulator.waitForMessage(
        (m) => m.id === progress.id && /⏳ load/.test(emulator.latest(m)),
        180_000,
        'load phase',
      );
      await worker?.stop();
      expect(worker?.child.exitCode).toBe(0);
      const cancelled = await reportOf(runId);
      expect(cancelled.content).toContain('cancelled** by a shutdown of the worker');
      expect(await processesOfRun(runId)).toEqual([]);

      // Queued while no worker runs; edits rate-limited the whole time.
      const next = await bench(bob, 1, 5, 10);
      emulator.injectFault({
        method: 'PATCH',
        path: /^\/channels\/\d+\/messages\/\d+$/,
        status: 429,
        retryAfter: 2,
        count: Infinity,
      });
      try {
        worker = spawnApp('worker', env);
        await waitForOutput(worker, 'worker ready');
        const report = await reportOf(next.runId);
        expect(report.content).toContain('✅');
        expect(report.attachments).toHaveLength(1);
        expect(emulator.requests.some((r) => r.method === 'PATCH' && r.status === 429)).toBe(true);
      } finally {
        emulator.clearFaults();
      }
    });
  },
);
