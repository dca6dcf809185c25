import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { runBenchmark } from '../../../src/jobs/benchmark/pipeline.js';
import { parseRunSpec } from '../../../src/jobs/run-spec.js';
import { silentLogger } from '../../../src/log.js';

// The worker hands its Redis to the pipeline so a static cluster can lock its hosts there.
describe('runBenchmark on a static cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-static-'));
  const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `lbtest-static-${process.pid}`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () => {
    writeFileSync(join(dir, 'known_hosts'), '');
    // Never used to log in (nothing listens); only its presence is checked.
    writeFileSync(join(dir, 'id_ed25519'), 'not a key\n');
    return loadConfig({
      CLUSTER: 'static',
      // Port 1 on loopback: nothing listens, so the run fails fast in connect, after reserving.
      STATIC_HOSTS: 'root@127.0.0.1:1',
      SSH_KNOWN_HOSTS: join(dir, 'known_hosts'),
      SSH_KEY: join(dir, 'id_ed25519'),
      SSH_CONNECT_TIMEOUT_MS: '2000',
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'silent',
    });
  };
  const run = (withRedis: boolean) =>
    runBenchmark(
      {
        runId: `static-${withRedis ? 'r' : 'n'}-${process.pid}`,
        spec: parseRunSpec({ nodes: 1, bots: 1, durationS: 5 }),
      },
      {
        config: config(),
        logger: silentLogger(),
        signal: new AbortController().signal,
        onProgress: () => undefined,
        ...(withRedis ? { redis } : {}),
      },
    );

  it('reserves with the Redis it is given, then fails in connect naming the host', async () => {
    const result = await run(true);
    expect(result.state).toBe('failed');
    expect(result.error, JSON.stringify(result.error)).toMatchObject({ phase: 'connect' });
    expect(result.error?.message).toContain('127.0.0.1');
    // released: no host lock is left behind
    expect(await redis.keys(`${prefix}*host*`)).toEqual([]);
  });

  it('without Redis it says so before reserving anything', async () => {
    const result = await run(false);
    expect(result.state).toBe('failed');
    expect(result.error?.message).toMatch(/needs Redis/);
  });
});
