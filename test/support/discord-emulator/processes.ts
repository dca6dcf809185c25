import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { DiscordEmulator } from './emulator.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

/** A bot or worker process spawned with tsx; output kept for failure messages. */
export interface AppProcess {
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Environment for bot and worker processes pointed at the emulator and a test queue prefix. */
export function appEnv(
  emulator: DiscordEmulator,
  prefix: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    DISCORD_TOKEN: emulator.token,
    DISCORD_APP_ID: emulator.appId,
    DISCORD_API_URL: emulator.apiUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    CLUSTER: 'local',
    ...extra,
  };
}

/** Spawn `src/bot.ts` or `src/worker.ts`. */
export function spawnApp(entry: 'bot' | 'worker', env: Record<string, string>): AppProcess {
  const child = spawn(TSX, [resolve(ROOT, `src/${entry}.ts`)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer): void => {
    out += chunk.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let stopping: Promise<void> | null = null;
  return {
    child,
    output: () => out,
    stop(graceMs = 60_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Wait until the process output contains `text` (a log message). */
export async function waitForOutput(app: AppProcess, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!app.output().includes(text)) {
    if (app.child.exitCode !== null)
      throw new Error(`process exited (${app.child.exitCode}) before "${text}":\n${app.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${app.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Delete every Redis key under a test prefix. */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
