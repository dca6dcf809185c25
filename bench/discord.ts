/**
 * Discord side figures (npm run bench:discord):
 *  1. /bench → reply latency (p50/p95) of the real bot process against the emulator, real Redis.
 *  2. Discord requests per run: one real run (local cluster) through the real worker; goal ≤ duration/5 + 10.
 * Options: --replies N (default 40), --duration S (default 20), --skip-run.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { DiscordEmulator } from '../test/support/discord-emulator/emulator.js';
import { appEnv, deletePrefix, spawnApp, waitForOutput } from '../test/support/discord-emulator/processes.js';
import { QUEUE_NAME } from '../src/jobs/queue.js';

const { values } = parseArgs({
  options: {
    replies: { type: 'string', default: '40' },
    duration: { type: 'string', default: '20' },
    'skip-run': { type: 'boolean', default: false },
  },
});
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `lbbench-discord-${process.pid}`;
const replies = Number(values.replies);
const durationS = Number(values.duration);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const emulator = await new DiscordEmulator().start();
const workdir = await mkdtemp(join(tmpdir(), 'lbbench-discord-'));
const env = appEnv(emulator, PREFIX, {
  REMOTE_WORKDIR: workdir,
  BASELINE_S: '2',
  METRICS_GATE_S: '15',
  BENCH_MAX_QUEUED_PER_USER: '1000',
});
const bot = spawnApp('bot', env);
const queue = new Queue(QUEUE_NAME, { connection: { url: REDIS_URL }, prefix: PREFIX });
try {
  await emulator.waitForReady(60_000);
  await waitForOutput(bot, 'bot ready');
  const user = { id: '1300000000000000500', username: 'bench' };
  const opts = [
    { name: 'nodes', type: 4, value: 1 },
    { name: 'bots', type: 4, value: 5 },
    { name: 'duration', type: 4, value: durationS },
  ];
  // Warm-up: first interaction pays for lazy imports and connections.
  await emulator.awaitCallback(emulator.dispatchCommand('bench', opts, user));
  const latencies: number[] = [];
  for (let i = 0; i < replies; i++) {
    const sent = Date.now();
    const cb = await emulator.awaitCallback(emulator.dispatchCommand('bench', opts, user));
    latencies.push(cb.at - sent);
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `/bench reply latency over ${replies} commands (bot process, real Redis): p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${latencies.at(-1)} ms (limit 3000 ms)`,
  );
  await queue.obliterate({ force: true });

  if (!values['skip-run']) {
    const worker = spawnApp('worker', env);
    try {
      await waitForOutput(worker, 'worker ready');
      const since = Date.now();
      const cb = await emulator.awaitCallback(emulator.dispatchCommand('bench', opts, user));
      const runId = /\*\*(run-\d+)\*\*/.exec(String(cb.data.content))?.[1] ?? '?';
      await emulator.waitForMessage(
        (m) => m.content.startsWith('<@') && m.content.includes(`**${runId}**`),
        600_000,
        `report of ${runId}`,
      );
      const requests = emulator.messageRequests(since);
      const posts = requests.filter((r) => r.method === 'POST').length;
      const edits = requests.filter((r) => r.method === 'PATCH').length;
      const progress = emulator.channelMessages().find((m) => m.content.startsWith(`**${runId}** —`));
      const wall = progress ? ((progress.edits.at(-1)?.at ?? progress.createdAt) - progress.createdAt) / 1000 : NaN;
      console.log(
        `Discord requests for one run (duration ${durationS} s, run wall time ${wall.toFixed(0)} s): ${requests.length} (${posts} posts, ${edits} edits); goal ≤ ${durationS / 5 + 10}`,
      );
    } finally {
      await worker.stop();
    }
  }
} finally {
  await bot.stop();
  await queue.close();
  await emulator.stop();
  await deletePrefix(REDIS_URL, PREFIX);
  await rm(workdir, { recursive: true, force: true });
}
