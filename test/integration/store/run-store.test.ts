import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunStore, RunStoreError } from '../../../src/store/run-store.js';
import { nodeLostRun, sixteenNodeHourRun, threeNodeRun } from '../../support/fixtures/run-result-fixture.js';

// Real Redis on 127.0.0.1:6379 (shared): every test uses its own prefix and deletes what it wrote.
let redis: Redis;
let prefix: string;

async function deleteAll(pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

beforeAll(async () => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
});
afterEach(async () => {
  await deleteAll(`${prefix}:*`);
});
afterAll(async () => {
  await redis?.quit();
});

function freshStore(): RunStore {
  prefix = `lb-test-store-${randomBytes(4).toString('hex')}`;
  let clock = 1_000;
  return new RunStore(redis, prefix, { now: () => (clock += 1_000) });
}

describe('RunStore against real Redis', () => {
  it('round-trips a result with series downsampled and figures intact, with no TTL', async () => {
    const store = freshStore();
    const result = threeNodeRun();
    const { bytes } = await store.saveResult(result);
    expect(bytes).toBeGreaterThan(0);
    const back = await store.getResult(result.runId);
    expect(back).not.toBeNull();
    if (!back) return;
    expect(back.runId).toBe(result.runId);
    expect(back.spec).toEqual(result.spec);
    expect(back.server.step).toEqual(result.server.step);
    expect(back.nodes.map((n) => n.summary)).toEqual(result.nodes.map((n) => n.summary));
    expect(back.warnings).toEqual(result.warnings);
    // 142 samples fit under 300 points: kept as they were.
    expect(back.nodes[0]?.samples).toEqual(result.nodes[0]?.samples);
    expect(await redis.ttl(`${prefix}:store:run:${result.runId}`)).toBe(-1);
    const record = await store.get(result.runId);
    expect(record?.state).toBe('completed');
    expect(record?.requestedBy).toBe(result.requestedBy);
  });

  it('stores a 16-node one-hour run in at most 200 kB, series ≤ 300 points keeping their peaks', async () => {
    const store = freshStore();
    const result = sixteenNodeHourRun();
    const { bytes } = await store.saveResult(result);
    console.log(`stored size of a 16-node one-hour run: ${(bytes / 1024).toFixed(1)} KiB`);
    expect(bytes).toBeLessThanOrEqual(200 * 1024);
    const back = await store.getResult(result.runId);
    if (!back) throw new Error('no result stored');
    for (const [i, node] of back.nodes.entries()) {
      expect(node.samples.length).toBeLessThanOrEqual(300);
      const original = result.nodes[i]?.samples ?? [];
      const peak = Math.max(...original.map((s) => s.cpu));
      expect(Math.max(...node.samples.map((s) => s.cpu))).toBe(peak);
    }
    expect(back.server.series.length).toBeLessThanOrEqual(300);
    expect(Math.max(...back.server.series.map((s) => s.stepMaxMs))).toBe(result.server.step?.maxMs);
  });

  it('keeps the gap of a node lost half-way', async () => {
    const store = freshStore();
    const result = nodeLostRun();
    await store.saveResult(result);
    const back = await store.getResult(result.runId);
    const lost = back?.nodes.find((n) => n.name === 'node3');
    expect(lost?.lostAt).toBe(result.nodes[2]?.lostAt);
    expect(lost?.samples.at(-1)?.t).toBeLessThan(lost?.lostAt ?? 0);
  });

  it('numbers runs with INCR and lists them by user and by spec, latest first', async () => {
    const store = freshStore();
    const n1 = await store.nextRunNumber();
    const n2 = await store.nextRunNumber();
    expect(n2).toBe(n1 + 1);
    const a = threeNodeRun({ runId: RunStore.runId(n1) });
    const b = threeNodeRun({ runId: RunStore.runId(n2), bots: 5 });
    await store.create({ runId: a.runId, requestedBy: 'alice', spec: a.spec });
    await store.create({ runId: b.runId, requestedBy: 'alice', spec: b.spec });
    await store.create({ runId: 'run-999', requestedBy: 'bob', spec: a.spec });
    await store.setState(a.runId, 'running');
    expect((await store.get(a.runId))?.state).toBe('running');
    await store.saveResult(a);

    expect((await store.listByUser('alice')).map((r) => r.runId)).toEqual([b.runId, a.runId]);
    expect((await store.listByUser('bob')).map((r) => r.runId)).toEqual(['run-999']);
    expect((await store.listBySpec({ nodes: 3, bots: 20 })).map((r) => r.runId)).toEqual(['run-999', a.runId]);
    expect((await store.listBySpec({ nodes: 3, bots: 5 })).map((r) => r.runId)).toEqual([b.runId]);
    expect((await store.listLatest(2)).map((r) => r.runId)).toEqual(['run-999', b.runId]);
    // The requester given at queue time survives the result being saved.
    expect((await store.get(a.runId))?.headline?.joined).toBe(20);

    await store.delete('run-999');
    expect(await store.get('run-999')).toBeNull();
    expect((await store.listByUser('bob')).length).toBe(0);
  });

  it('rejects run ids that would break the key layout, and state changes of unknown runs', async () => {
    const store = freshStore();
    await expect(store.get('run:1')).rejects.toThrow(RunStoreError);
    await expect(store.get('run:1')).rejects.toThrow(/run id "run:1" is not allowed/);
    expect(await store.get('cli-20261204-201126Z')).toBeNull();
    await expect(store.setState('run-404', 'running')).rejects.toThrow(/no record of run-404/);
  });
});
