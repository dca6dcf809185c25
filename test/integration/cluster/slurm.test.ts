import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterBackend } from '../../../src/cluster/backend.js';
import { createBackend } from '../../../src/cluster/create-backend.js';
import type { NodeConnection } from '../../../src/cluster/node.js';
import { ReservationError } from '../../../src/cluster/reservation-error.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import {
  clusterSupport,
  slurmSettings,
  startTestCluster,
  type TestCluster,
} from '../../support/cluster/test-cluster.js';
import { testClusterIdentity } from './identity.js';
import { failureOf } from './process-suite.js';

const support = clusterSupport();
const workdir = `/tmp/lb-slurm-test-${randomUUID().slice(0, 8)}`;
let cluster: TestCluster;
const backends: ClusterBackend[] = [];

function backend(extra: Record<string, string> = {}): ClusterBackend {
  const config = loadConfig({ ...slurmSettings(cluster), REMOTE_WORKDIR: workdir, ...extra });
  const created = createBackend(config, { logger: silentLogger() });
  backends.push(created);
  return created;
}

/** Job ids SLURM lists under a name, seen from the login host without our code. */
async function jobsNamed(name: string): Promise<string[]> {
  const result = await cluster.execIn('login', ['squeue', '-h', '--name', name, '-o', '%i %T'], {
    env: cluster.slurmEnv,
  });
  return result.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** Occupy every node with a job of our own, so a reservation has to wait. */
async function blockAllNodes(): Promise<string> {
  const result = await cluster.execIn(
    'login',
    [
      'sbatch',
      '--parsable',
      '-N',
      String(cluster.hosts.length),
      '--time=5',
      '-J',
      'lb-blocker',
      '--output=/dev/null',
      '--wrap',
      'sleep 300',
    ],
    { env: cluster.slurmEnv },
  );
  const id = result.stdout.trim();
  expect(id).toMatch(/^\d+$/);
  for (let i = 0; i < 100; i++) {
    const state = await cluster.execIn('login', ['squeue', '-h', '-j', id, '-o', '%T'], { env: cluster.slurmEnv });
    if (state.stdout.trim() === 'RUNNING') return id;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('blocker job never ran');
}

async function cancel(id: string): Promise<void> {
  await cluster.execIn('login', ['scancel', id], { env: cluster.slurmEnv });
  for (let i = 0; i < 50; i++) {
    const state = await cluster.execIn('login', ['squeue', '-h', '-j', id, '-o', '%T'], { env: cluster.slurmEnv });
    if (state.stdout.trim() === '') return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!support.ok)(
  `SLURM cluster through a login node${support.ok ? '' : ` (skipped: ${support.reason})`}`,
  () => {
    beforeAll(async () => {
      cluster = await startTestCluster({ ...testClusterIdentity(), hosts: 3 });
    });

    afterAll(async () => {
      for (const b of backends) await b.close().catch(() => undefined);
      if (cluster) {
        await cluster
          .execIn('login', ['scancel', '-u', cluster.user], { env: cluster.slurmEnv })
          .catch(() => undefined);
        await cluster.execIn('node1', ['rm', '-rf', workdir]).catch(() => undefined);
        await cluster.down();
      }
    });

    it('reserves 3 nodes, runs a command on each through the login node, and release empties the queue', async () => {
      const slurm = backend();
      const progress: string[] = [];
      const allocation = await slurm.reserve(
        { runId: 'run-3n', nodes: 3, timeLimitMinutes: 5 },
        new AbortController().signal,
        (m) => progress.push(m),
      );
      expect(allocation.cluster).toBe('slurm');
      expect(allocation.id).toBe('luanti-bench-run-3n');
      expect(allocation.slurmJobId).toMatch(/^\d+$/);
      expect(allocation.nodes.map((n) => [n.name, n.address])).toEqual(cluster.hosts.map((h) => [h.name, h.address]));
      expect(progress[0]).toMatch(/SLURM job \d+ submitted for 3 nodes/);
      expect(await jobsNamed('luanti-bench-run-3n')).toEqual([`${allocation.slurmJobId} RUNNING`]);

      const nodes: NodeConnection[] = await slurm.connect(allocation, new AbortController().signal);
      try {
        const seen = await Promise.all(nodes.map((n) => n.exec(['sh', '-c', "ip -4 -o addr show | grep -v ' lo '"])));
        seen.forEach((r, i) => expect(r.stdout).toContain(cluster.hosts[i]?.address));
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
      await slurm.release(allocation);
      expect(await jobsNamed('luanti-bench-run-3n')).toEqual([]);
      await slurm.release(allocation);
    });

    it('a re-run of the same run id cancels the job a dead worker left', async () => {
      const first = await backend().reserve(
        { runId: 'run-idem', nodes: 1, timeLimitMinutes: 5 },
        new AbortController().signal,
        () => {},
      );
      // The first "worker" dies without releasing; a second one takes the run over.
      const second = backend();
      const progress: string[] = [];
      const again = await second.reserve(
        { runId: 'run-idem', nodes: 1, timeLimitMinutes: 5 },
        new AbortController().signal,
        (m) => progress.push(m),
      );
      expect(again.slurmJobId).not.toBe(first.slurmJobId);
      expect(progress.join('\n')).toContain(`cancelling SLURM job ${first.slurmJobId}`);
      expect(await jobsNamed('luanti-bench-run-idem')).toEqual([`${again.slurmJobId} RUNNING`]);
      await second.release(again);
      expect(await jobsNamed('luanti-bench-run-idem')).toEqual([]);
    });

    it('abort while waiting in the queue cancels the job and leaves nothing in squeue', async () => {
      const blocker = await blockAllNodes();
      try {
        const controller = new AbortController();
        const progress: string[] = [];
        const pending = backend().reserve(
          { runId: 'run-abort', nodes: 1, timeLimitMinutes: 5 },
          controller.signal,
          (m) => {
            progress.push(m);
            if (/pending/.test(m)) controller.abort(new Error('cancelled by user'));
          },
        );
        await expect(pending).rejects.toThrow('cancelled by user');
        expect(progress.some((m) => /SLURM job \d+ pending \(\w+\)/.test(m))).toBe(true);
        expect(await jobsNamed('luanti-bench-run-abort')).toEqual([]);
      } finally {
        await cancel(blocker);
      }
    });

    it('gives up after the queue timeout with a clear error and cancels the job', async () => {
      const blocker = await blockAllNodes();
      try {
        const slurm = backend({ SLURM_QUEUE_TIMEOUT_S: '10' });
        const error = await failureOf(
          slurm.reserve({ runId: 'run-slow', nodes: 2, timeLimitMinutes: 5 }, new AbortController().signal, () => {}),
        );
        expect(error).toBeInstanceOf(ReservationError);
        expect(error.message).toMatch(
          /SLURM job \d+ for 2 nodes still PENDING \(\w+\) after [\d.]+ s; gave up \(SLURM_QUEUE_TIMEOUT_S=10\)/,
        );
        expect(await jobsNamed('luanti-bench-run-slow')).toEqual([]);
      } finally {
        await cancel(blocker);
      }
    });

    it('passes settings to sbatch as literal text', async () => {
      const marker = `/tmp/lb-slurm-pwned-${randomUUID()}`;
      const slurm = backend({ SLURM_PARTITION: `$(touch ${marker})` });
      const error = await failureOf(
        slurm.reserve({ runId: 'run-meta', nodes: 1, timeLimitMinutes: 5 }, new AbortController().signal, () => {}),
      );
      expect(error).toBeInstanceOf(ReservationError);
      expect(error.message).toMatch(/SLURM refused 1 nodes/);
      expect(error.message).toContain('partition');
      expect(existsSync(marker)).toBe(false);
      expect(await jobsNamed('luanti-bench-run-meta')).toEqual([]);
    });

    it('refuses more nodes than the cluster has, naming the problem', async () => {
      const error = await failureOf(
        backend().reserve({ runId: 'run-big', nodes: 5, timeLimitMinutes: 5 }, new AbortController().signal, () => {}),
      );
      expect(error).toBeInstanceOf(ReservationError);
      // Depending on EnforcePartLimits, sbatch refuses at once or the job pends with PartitionNodeLimit.
      expect(error.message).toMatch(
        /SLURM refused 5 nodes for 5 min on |for 5 nodes can never start \(Partition(NodeLimit|Config)\)/,
      );
      expect(await jobsNamed('luanti-bench-run-big')).toEqual([]);
    });
  },
);
