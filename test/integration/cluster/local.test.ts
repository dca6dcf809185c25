import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeConnection } from '../../../src/cluster/node.js';
import { LocalCluster } from '../../../src/cluster/local.js';
import { ReservationError } from '../../../src/cluster/reservation-error.js';
import { groupAlive, processBehaviour } from './process-suite.js';

const workdir = mkdtempSync(join(tmpdir(), 'lb-local-'));
const cluster = new LocalCluster({ workdir, maxNodes: 4 });
let nodes: NodeConnection[] = [];

beforeAll(async () => {
  const signal = new AbortController().signal;
  const allocation = await cluster.reserve({ runId: 'run-0', nodes: 3, timeLimitMinutes: 5 }, signal, () => {});
  nodes = await cluster.connect(allocation, signal);
});

afterAll(async () => {
  for (const n of nodes) await n.sweep().catch(() => undefined);
  for (const n of nodes) await n.close();
  await cluster.close();
  rmSync(workdir, { recursive: true, force: true });
});

describe('LocalCluster', () => {
  it('gives N logical nodes with their own work directories', async () => {
    const signal = new AbortController().signal;
    const allocation = await cluster.reserve({ runId: 'run-1', nodes: 3, timeLimitMinutes: 5 }, signal, () => {});
    expect(allocation).toEqual({
      id: 'luanti-bench-run-1',
      runId: 'run-1',
      cluster: 'local',
      nodes: [
        { name: 'local1', address: '127.0.0.1' },
        { name: 'local2', address: '127.0.0.1' },
        { name: 'local3', address: '127.0.0.1' },
      ],
    });
    const connected = await cluster.connect(allocation, signal);
    expect(connected.map((n) => n.name)).toEqual(['local1', 'local2', 'local3']);
    expect(connected.map((n) => n.workdir)).toEqual([1, 2, 3].map((i) => `${workdir}/local${i}`));
    await cluster.release(allocation);
    await cluster.release(allocation);
  });

  it('refuses more nodes than allowed, naming the limit', async () => {
    const signal = new AbortController().signal;
    await expect(cluster.reserve({ runId: 'run-2', nodes: 5, timeLimitMinutes: 5 }, signal, () => {})).rejects.toThrow(
      ReservationError,
    );
    await expect(cluster.reserve({ runId: 'run-2', nodes: 5, timeLimitMinutes: 5 }, signal, () => {})).rejects.toThrow(
      /cannot give 5 nodes; allowed is 1 to 4/,
    );
  });

  it('sweeps per node: local2 does not touch processes of local1', async () => {
    const [one, two] = nodes as [NodeConnection, NodeConnection];
    const proc = await one.spawn('run-old', 'server', ['sleep', '300']);
    const report = await two.sweep({ keepRunId: 'run-new' });
    expect(report.killed).toEqual([]);
    const own = await one.sweep({ keepRunId: 'run-new' });
    expect(own.killed.map((k) => k.pgid)).toEqual([proc.pgid]);
    // Its status file went with the removed run directory, so the code may be unknown; the group is gone.
    expect([143, null]).toContain(await proc.exited);
    expect(await groupAlive(one, proc.pgid)).toBe(false);
  });
});

describe('LocalNode processes', () => {
  processBehaviour(() => nodes[0] as NodeConnection);
});
