import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RunStore } from '../../src/store/run-store.js';
import { threeNodeRun } from '../support/fixtures/run-result-fixture.js';
import { DiscordEmulator } from '../support/discord-emulator/emulator.js';
import {
  appEnv,
  deletePrefix,
  spawnApp,
  waitForOutput,
  type AppProcess,
} from '../support/discord-emulator/processes.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `lbtest-e2e-val-${process.pid}`;
const ROLE = '1300000000000000100';
const user = { id: '1300000000000000200', username: 'alice', roles: [ROLE] };

// Real bot process, real Redis, the emulator: bad input is refused ephemerally and nothing is enqueued.
describe('bot: /bench validation end to end', () => {
  const emulator = new DiscordEmulator();
  let bot: AppProcess | null = null;
  let redis: Redis;

  beforeAll(async () => {
    await emulator.start();
    redis = new Redis(REDIS_URL);
    bot = spawnApp('bot', appEnv(emulator, PREFIX, { DISCORD_ALLOWED_ROLES: ROLE, BENCH_MAX_BOTS: '200' }));
    await emulator.waitForReady(60_000);
    await waitForOutput(bot, 'bot ready');
  });

  afterAll(async () => {
    if (process.env.DEBUG_BOT) console.log(bot?.output());
    await bot?.stop();
    await emulator.stop();
    await deletePrefix(REDIS_URL, PREFIX);
    redis.disconnect();
  });

  async function bench(options: unknown[], as = user): Promise<{ content: string; ephemeral: boolean }> {
    const id = emulator.dispatchCommand('bench', options, as);
    const cb = await emulator.awaitCallback(id);
    expect(cb.type).toBe(4);
    return { content: String(cb.data.content), ephemeral: ((Number(cb.data.flags) || 0) & 64) === 64 };
  }

  // Job hashes (`runs:run-<n>`) and the wait list; `runs:meta` exists as soon as the queue does.
  const queuedKeys = async () => [
    ...(await redis.keys(`${PREFIX}:runs:run-*`)),
    ...(await redis.keys(`${PREFIX}:runs:wait`)),
  ];

  const int = (name: string, value: unknown) => ({ name, type: 4, value });
  const str = (name: string, value: unknown) => ({ name, type: 3, value });

  it.each([
    ['nodes:0', [int('nodes', 0), int('bots', 5)], /nodes.*0.*allowed 1/i],
    ['bots:100000', [int('nodes', 1), int('bots', 100_000)], /bots.*100000.*allowed 1–200/i],
    [
      'unknown behaviour',
      [int('nodes', 1), int('bots', 5), str('behaviour', 'dance')],
      /behaviour.*dance.*idle, walk, build/,
    ],
    ['5000-char label', [int('nodes', 1), int('bots', 5), str('label', 'x'.repeat(5000))], /label.*5000 characters/],
    ['shell label', [int('nodes', 1), int('bots', 5), str('label', '$(rm -rf /); `id` | nc')], /label.*may contain/],
    ['string for integer', [str('nodes', '3'), int('bots', 5)], /nodes.*must be an integer.*string/],
  ])('%s → ephemeral error, nothing queued', async (_name, options, pattern) => {
    const reply = await bench(options);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(pattern);
    expect(await queuedKeys()).toEqual([]);
  });

  it('a user without the role is refused', async () => {
    const reply = await bench([int('nodes', 1), int('bots', 5)], {
      id: '1300000000000000201',
      username: 'mallory',
      roles: [],
    });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('not_allowed_role');
    expect(await queuedKeys()).toEqual([]);
  });

  async function runs(sub: string, options: unknown[] = [], as = user) {
    const id = emulator.dispatchCommand('runs', [{ name: sub, type: 1, options }], as);
    return { id, cb: await emulator.awaitCallback(id) };
  }

  it('/runs queue, history, show, compare and cancel answer from Redis', async () => {
    const store = new RunStore(redis, PREFIX);
    await store.saveResult(threeNodeRun({ runId: 'run-901' }));
    await store.saveResult(threeNodeRun({ runId: 'run-902', bots: 40 }));

    const queue = await runs('queue');
    expect(String(queue.cb.data.content)).toContain('queue is empty');

    const history = await runs('history', [{ name: 'count', type: 4, value: 5 }]);
    expect(String(history.cb.data.content)).toMatch(/run-902[\s\S]*run-901/);

    const compare = await runs('compare', [
      { name: 'a', type: 3, value: '901' },
      { name: 'b', type: 3, value: 'run-902' },
    ]);
    expect(String(compare.cb.data.content)).toMatch(/run-901[\s\S]*run-902/);

    // show defers (a chart can take longer than 3 s), then edits the reply with the PNG.
    const show = await runs('show', [{ name: 'run', type: 3, value: 'run-901' }]);
    expect(show.cb.type).toBe(5);
    const edited = await emulator.waitForWebhookMessage(show.id, 60_000);
    expect(edited.content).toContain('**run-901**');
    expect(edited.attachments[0]?.data.subarray(1, 4).toString()).toBe('PNG');

    // Autocomplete of run ids (interaction type 4 → callback type 8 with choices).
    const ac = emulator.dispatchCommand(
      'runs',
      [{ name: 'show', type: 1, options: [{ name: 'run', type: 3, value: '90', focused: true }] }],
      user,
      { focused: true },
    );
    const acb = await emulator.awaitCallback(ac);
    expect(acb.type).toBe(8);
    expect((acb.data.choices as { value: string }[]).map((c) => c.value).sort()).toEqual(['run-901', 'run-902']);

    const cancel = await runs('cancel', [{ name: 'run', type: 3, value: 'run-901' }]);
    expect(String(cancel.cb.data.content)).toContain('already_finished');
    const unknown = await runs('show', [{ name: 'run', type: 3, value: 'nonsense' }]);
    expect(String(unknown.cb.data.content)).toContain('unknown_run');
  });
});
