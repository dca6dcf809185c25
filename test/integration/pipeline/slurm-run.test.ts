import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { runBenchmark } from '../../../src/jobs/benchmark/pipeline.js';
import { parseRunSpec, type RunSpecInput } from '../../../src/jobs/run-spec.js';
import {
  clusterSupport,
  slurmSettings,
  startTestCluster,
  type TestCluster,
} from '../../support/cluster/test-cluster.js';
import { BUNDLE, haveBundle, processesOfRun, recorder, testConfig } from './pipeline-support.js';

const support = clusterSupport();
const ready = support.ok && haveBundle && existsSync('/usr/games/minetestserver');
const why = !support.ok
  ? support.reason
  : !haveBundle
    ? 'no dist/swarm.bundle.mjs (npm run build)'
    : 'no minetestserver';
const workdir = `/tmp/lbp-slurm-${randomUUID().slice(0, 8)}`;

describe.skipIf(!ready)(`pipeline on the SLURM test cluster${ready ? '' : ` (skipped: ${why})`}`, () => {
  let cluster: TestCluster;
  let n = 0;

  beforeAll(async () => {
    cluster = await startTestCluster({ hosts: 3, id: 'lbp', octet: 215, slurm: true });
  });
  afterAll(async () => {
    await cluster?.down();
    // The namespaces share this machine's filesystem: the nodes' work directories are here.
    await rm(workdir, { recursive: true, force: true });
  });

  function config() {
    return testConfig(workdir, { ...slurmSettings(cluster), REMOTE_NODE_BIN: process.execPath });
  }

  async function run(input: RunSpecInput, abortOn?: (e: { type: string }) => boolean) {
    const runId = `lbp-s${process.pid}-${++n}`;
    const controller = new AbortController();
    const { sink } = recorder();
    const result = await runBenchmark(
      { runId, spec: parseRunSpec(input) },
      {
        config: config(),
        logger: silentLogger(),
        signal: controller.signal,
        onProgress: (e) => {
          sink(e);
          if (abortOn?.(e) && !controller.signal.aborted) controller.abort(new Error('SIGTERM (test)'));
        },
        swarmBundlePath: BUNDLE,
      },
    );
    return { runId, result };
  }

  /** SLURM jobs still listed under the run's job name, seen from the login host. */
  async function jobsOf(runId: string): Promise<string[]> {
    const r = await cluster.execIn('login', ['squeue', '-h', '--name', `luanti-bench-${runId}`, '-o', '%i %T'], {
      env: cluster.slurmEnv,
    });
    return r.stdout.split('\n').filter((l) => l.trim() !== '');
  }

  it('nodes 3, bots 20, 20 s: per-node coverage and network counters, server steps, 20/20 joined, job released', async () => {
    const { runId, result } = await run({ nodes: 3, bots: 20, durationS: 20 });
    expect(result.error).toBeUndefined();
    expect(result.state).toBe('completed');
    expect(result.manifest.cluster).toBe('slurm');
    expect(result.manifest.slurmJobId).toMatch(/^\d+$/);
    expect(result.nodes.map((x) => x.name)).toEqual(['node1', 'node2', 'node3']);
    for (const node of result.nodes) {
      expect(node.coverage.received / node.coverage.expected, node.name).toBeGreaterThanOrEqual(0.95);
      // Each namespace has its own /proc/net/dev: game traffic shows on every node's own veth.
      expect(node.summary!.aboveBaseline.netRxMean, node.name).toBeGreaterThan(1000);
      expect(node.summary!.aboveBaseline.netTxMean, node.name).toBeGreaterThan(1000);
    }
    // The server sends map data to 20 bots; each bot node receives its half of it.
    const [server, bots2, bots3] = result.nodes;
    expect(server!.summary!.netTx.mean).toBeGreaterThan(bots2!.summary!.netTx.mean);
    expect(bots2!.summary!.netRx.mean).toBeLessThan(server!.summary!.netTx.mean + bots3!.summary!.netRx.mean);
    expect(result.server.step).not.toBeNull();
    expect(result.swarm.joined).toBe(20);
    expect(await jobsOf(runId)).toEqual([]);
    expect(await processesOfRun(runId)).toEqual([]);
  });

  it('nodes: 1 runs server and bots on one node', async () => {
    const { runId, result } = await run({ nodes: 1, bots: 5, durationS: 8 });
    expect(result.error).toBeUndefined();
    expect(result.nodes.map((x) => x.role)).toEqual(['server+bots']);
    expect(result.swarm.joined).toBe(5);
    expect(result.server.step).not.toBeNull();
    expect(await jobsOf(runId)).toEqual([]);
    expect(await processesOfRun(runId)).toEqual([]);
  });

  it('abort during load: cancelled, nothing left on any node, SLURM job gone', async () => {
    const { runId, result } = await run({ nodes: 3, bots: 6, durationS: 120 }, (e) => e.type === 'live');
    expect(result.state).toBe('cancelled');
    expect(result.error).toMatchObject({ name: 'RunCancelledError', phase: 'load' });
    expect(result.teardown.every((t) => t.ok)).toBe(true);
    expect(await processesOfRun(runId)).toEqual([]);
    expect(await jobsOf(runId)).toEqual([]);
    for (const host of ['node1', 'node2', 'node3']) {
      const ls = await cluster.execIn(host, ['ls', `${workdir}/${host}`]);
      expect(ls.stdout.split('\n'), host).not.toContain(runId);
    }
  });
});
