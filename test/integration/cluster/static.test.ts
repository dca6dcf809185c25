import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Allocation, ClusterBackend } from '../../../src/cluster/backend.js';
import { createBackend } from '../../../src/cluster/create-backend.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { clusterSupport, startTestCluster, type TestCluster } from '../../support/cluster/test-cluster.js';
import { testClusterIdentity } from './identity.js';

const support = clusterSupport({ slurm: false });
const prefix = `lbtest-${randomUUID().slice(0, 8)}`;
const workdir = `/tmp/lb-static-test-${randomUUID().slice(0, 8)}`;
let cluster: TestCluster;
let redis: Redis;
const backends: ClusterBackend[] = [];

function worker(): ClusterBackend {
  const config = loadConfig({
    CLUSTER: 'static',
    STATIC_HOSTS: cluster.hosts.map((h) => `${cluster.user}@${h.address}:22`).join(','),
    SSH_KEY: cluster.userKeyPath,
    SSH_KNOWN_HOSTS: cluster.knownHostsPath,
    SSH_CONNECT_TIMEOUT_MS: '10000',
    QUEUE_PREFIX: prefix,
    REMOTE_WORKDIR: workdir,
  });
  const backend = createBackend(config, { logger: silentLogger(), redis });
  backends.push(backend);
  return backend;
}

async function lockValues(): Promise<Record<string, string>> {
  const keys = (await redis.keys(`${prefix}:*`)).sort();
  const values: Record<string, string> = {};
  for (const key of keys) values[key.slice(key.lastIndexOf('@') + 1)] = (await redis.get(key)) ?? '';
  return values;
}

const never = new AbortController().signal;

describe.skipIf(!support.ok)(`static host list over SSH${support.ok ? '' : ` (skipped: ${support.reason})`}`, () => {
  beforeAll(async () => {
    redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    cluster = await startTestCluster({ ...testClusterIdentity(), hosts: 3, slurm: false });
  });

  afterAll(async () => {
    for (const b of backends) await b.close().catch(() => undefined);
    if (redis) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
    if (cluster) {
      await cluster.execIn('node1', ['rm', '-rf', workdir]).catch(() => undefined);
      await cluster.down();
    }
  });

  it('two workers never double-book a host; the second waits until the first releases', async () => {
    const a = worker();
    const b = worker();
    const [h1, h2] = cluster.hosts.map((h) => h.address) as [string, string];
    const first = await a.reserve({ runId: 'run-a', nodes: 2, timeLimitMinutes: 5 }, never, () => {});
    expect(first.nodes.map((n) => n.address)).toEqual([h1, h2]);
    expect(await lockValues()).toEqual({ [`${h1}:22`]: 'run-a', [`${h2}:22`]: 'run-a' });

    const progress: string[] = [];
    let second: Allocation | undefined;
    const waiting = b
      .reserve({ runId: 'run-b', nodes: 2, timeLimitMinutes: 5 }, never, (m) => progress.push(m))
      .then((allocation) => (second = allocation));
    for (let i = 0; i < 100 && progress.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(progress[0]).toBe(`waiting for hosts: 1 of 2 free; busy: ${h1} (run-a), ${h2} (run-a)`);
    expect(second).toBeUndefined();
    expect(await lockValues()).toEqual({ [`${h1}:22`]: 'run-a', [`${h2}:22`]: 'run-a' });

    // Releasing someone else's allocation does not free their hosts.
    await b.release({ ...first, runId: 'run-b' });
    expect(await lockValues()).toEqual({ [`${h1}:22`]: 'run-a', [`${h2}:22`]: 'run-a' });

    // A re-run of run-a (a new worker after a crash) gets its own hosts back.
    const again = await worker().reserve({ runId: 'run-a', nodes: 2, timeLimitMinutes: 5 }, never, () => {});
    expect(again.nodes.map((n) => n.address)).toEqual([h1, h2]);

    await a.release(first);
    await waiting;
    expect(second?.nodes.map((n) => n.address)).toEqual([h1, h2]);
    expect(await lockValues()).toEqual({ [`${h1}:22`]: 'run-b', [`${h2}:22`]: 'run-b' });

    const nodes = await b.connect(second as Allocation, never);
    try {
      const seen = await Promise.all(nodes.map((n) => n.exec(['sh', '-c', "ip -4 -o addr show | grep -v ' lo '"])));
      expect(seen[0]?.stdout).toContain(h1);
      expect(seen[1]?.stdout).toContain(h2);
      expect(nodes.map((n) => n.workdir)).toEqual([`${workdir}/${h1}`, `${workdir}/${h2}`]);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
    await b.release(second as Allocation);
    await b.release(second as Allocation);
    expect(await lockValues()).toEqual({});
  });

  it('an abort while waiting leaves no locks of that run behind', async () => {
    const a = worker();
    const held = await a.reserve({ runId: 'run-c', nodes: 3, timeLimitMinutes: 5 }, never, () => {});
    const controller = new AbortController();
    const pending = worker().reserve({ runId: 'run-d', nodes: 1, timeLimitMinutes: 5 }, controller.signal, () =>
      controller.abort(new Error('user cancelled')),
    );
    await expect(pending).rejects.toThrow('user cancelled');
    expect(Object.values(await lockValues())).toEqual(['run-c', 'run-c', 'run-c']);
    await a.release(held);
    expect(await lockValues()).toEqual({});
  });

  it('refuses more nodes than listed, naming the limit', async () => {
    await expect(worker().reserve({ runId: 'run-e', nodes: 4, timeLimitMinutes: 5 }, never, () => {})).rejects.toThrow(
      'static cluster: cannot give 4 nodes; STATIC_HOSTS lists 3 (allowed 1 to 3)',
    );
  });
});
