import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../../../src/cluster/local.js';
import { silentLogger } from '../../../src/log.js';
import { runBenchmark } from '../../../src/jobs/benchmark/pipeline.js';
import { basePort } from '../../../src/jobs/benchmark/server.js';
import { parseRunSpec, type RunSpecInput } from '../../../src/jobs/run-spec.js';
import { BUNDLE, haveBundle, processesOfRun, recorder, testConfig } from './pipeline-support.js';

const SERVER_BIN = '/usr/games/minetestserver';

describe.skipIf(!haveBundle || !existsSync(SERVER_BIN))('pipeline on the local cluster (no root, no SSH)', () => {
  let workdir: string;
  const runIds: string[] = [];
  let n = 0;

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), 'lbp-local-'));
  });
  afterAll(async () => {
    // Whatever a failed assertion left: the next run's sweep would do this, the test does it now.
    const backend = new LocalCluster({ workdir });
    for (let i = 1; i <= 3; i++) {
      const [node] = await backend.connect(
        { id: 'x', runId: 'x', cluster: 'local', nodes: [{ name: `local${i}`, address: '127.0.0.1' }] },
        new AbortController().signal,
      );
      await node?.sweep().catch(() => undefined);
    }
    await rm(workdir, { recursive: true, force: true });
  });

  async function run(
    input: RunSpecInput,
    options: {
      abortOn?: (e: { type: string }) => boolean;
      env?: Record<string, string>;
      hooks?: { samplerShell?: (node: string) => string };
    } = {},
  ) {
    const runId = `lbp-${process.pid}-${++n}`;
    runIds.push(runId);
    const controller = new AbortController();
    const { events, sink } = recorder();
    const result = await runBenchmark(
      { runId, spec: parseRunSpec(input), requestedBy: 'tester' },
      {
        config: testConfig(workdir, options.env),
        logger: silentLogger(),
        signal: controller.signal,
        onProgress: (e) => {
          sink(e);
          if (options.abortOn?.(e) && !controller.signal.aborted) controller.abort(new Error('test abort'));
        },
        backend: new LocalCluster({ workdir: options.env?.REMOTE_WORKDIR ?? workdir }),
        swarmBundlePath: BUNDLE,
        testHooks: options.hooks,
      },
    );
    return { runId, result, events };
  }

  async function expectNothingLeft(runId: string, nodes: number): Promise<void> {
    expect(await processesOfRun(runId)).toEqual([]);
    for (let i = 1; i <= nodes; i++) expect(existsSync(join(workdir, `local${i}`, runId))).toBe(false);
  }

  it('nodes 3, bots 20, 20 s: every node covered, 20/20 joined, server steps measured, nothing left', async () => {
    const { runId, result, events } = await run({ nodes: 3, bots: 20, durationS: 20 });
    expect(result.error).toBeUndefined();
    expect(result.state).toBe('completed');
    expect(result.nodes.map((n) => [n.name, n.role, n.bots])).toEqual([
      ['local1', 'server', 0],
      ['local2', 'bots', 10],
      ['local3', 'bots', 10],
    ]);
    for (const node of result.nodes) {
      expect(node.coverage.received / node.coverage.expected, node.name).toBeGreaterThanOrEqual(0.95);
      expect(node.summary, node.name).not.toBeNull();
    }
    expect(result.swarm.joined).toBe(20);
    expect(result.server.step).not.toBeNull();
    expect(result.server.step!.steps).toBeGreaterThan(100);
    expect(Math.max(...result.server.series.map((s) => s.players))).toBe(20);
    // The swarms' own CPU shows up in process accounting on their nodes.
    expect(result.nodes[1]!.summary!.cpuProc.mean).toBeGreaterThan(0);
    expect(result.manifest.luantiVersion).toMatch(/Minetest 5\.6\.1/);
    expect(result.manifest.nodes[0]!.cores).toBeGreaterThan(0);
    expect(result.phases.map((p) => p.name)).toEqual([
      'reserve',
      'connect',
      'preflight',
      'sample',
      'server',
      'swarm',
      'load',
      'stop',
      'collect',
    ]);
    expect(result.teardown.every((t) => t.ok)).toBe(true);
    expect(events.filter((e) => e.type === 'live').length).toBeGreaterThanOrEqual(3);
    expect(events).toContainEqual({ type: 'wait', message: '2 of 2 swarms ready at the barrier; released together' });
    await expectNothingLeft(runId, 3);
  });

  it('abort during load: cancelled, teardown ran, nothing left', async () => {
    const { runId, result } = await run({ nodes: 2, bots: 4, durationS: 60 }, { abortOn: (e) => e.type === 'live' });
    expect(result.state).toBe('cancelled');
    expect(result.error).toMatchObject({ name: 'RunCancelledError', phase: 'load' });
    expect(result.error!.message).toContain('test abort');
    // The load window ends at the abort, so the cut-short run is not reported as lost samples.
    expect(result.warnings.map((w) => w.code)).not.toContain('node_lost');
    expect(result.warnings.map((w) => w.code)).not.toContain('low_coverage');
    expect(result.teardown.map((t) => t.label)).toContain('stop Luanti server on local1');
    expect(result.teardown.every((t) => t.ok)).toBe(true);
    await expectNothingLeft(runId, 2);
  });

  it('a node whose sampler cannot run stops the run at the metrics gate, before any bot, naming it', async () => {
    const { runId, result, events } = await run(
      { nodes: 3, bots: 4, durationS: 10 },
      { hooks: { samplerShell: (node) => (node === 'local2' ? '/nonexistent/sh' : 'sh') } },
    );
    expect(result.state).toBe('failed');
    expect(result.error).toMatchObject({ name: 'MetricsGateError', phase: 'sample', node: 'local2' });
    expect(result.error!.message).toMatch(/local2/);
    expect(result.error!.message).not.toMatch(/local1|local3/);
    expect(result.phases.map((p) => p.name)).not.toContain('swarm');
    expect(events).toContainEqual(expect.objectContaining({ type: 'node', node: 'local2', ok: false }));
    await expectNothingLeft(runId, 3);
  });

  it('a missing Luanti server binary fails preflight naming node and path', async () => {
    const { runId, result } = await run(
      { nodes: 2, bots: 2, durationS: 10 },
      { env: { LUANTI_SERVER_BIN: '/nonexistent' } },
    );
    expect(result.state).toBe('failed');
    expect(result.error).toMatchObject({ name: 'PreflightError', phase: 'preflight', node: 'local1' });
    expect(result.error!.message).toContain('local1: LUANTI_SERVER_BIN /nonexistent not found');
    await expectNothingLeft(runId, 2);
  });

  it("preflight sweeps an earlier run's leftovers, even one ignoring TERM, and removes its directory", async () => {
    const oldRun = `lbp-old-${process.pid}`;
    const [local2] = await new LocalCluster({ workdir }).connect(
      { id: 'x', runId: 'x', cluster: 'local', nodes: [{ name: 'local2', address: '127.0.0.1' }] },
      new AbortController().signal,
    );
    const leftover = await local2!.spawn(oldRun, 'swarm', ['sh', '-c', "trap '' TERM; while :; do sleep 1; done"]);
    expect(await processesOfRun(oldRun)).not.toEqual([]);
    // Fails in preflight on node 1; the sweep runs in every node's preflight command all the same.
    const { runId, result, events } = await run(
      { nodes: 2, bots: 2, durationS: 10 },
      { env: { LUANTI_SERVER_BIN: '/nonexistent' } },
    );
    expect(result.error).toMatchObject({ name: 'PreflightError', phase: 'preflight' });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'node',
        node: 'local2',
        message: expect.stringContaining('swept 1 leftover processes, 1 dirs'),
      }),
    );
    expect(await processesOfRun(oldRun)).toEqual([]);
    expect(existsSync(join(workdir, 'local2', oldRun))).toBe(false);
    expect([137, null]).toContain(await leftover.exited);
    await local2!.close();
    await expectNothingLeft(runId, 2);
  });

  it('a busy game port: the server moves to the next port and the run completes', async () => {
    const runId = `lbp-${process.pid}-${n + 1}`;
    const port = basePort(runId);
    const blocker = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.bind(port, '0.0.0.0', () => resolve());
    });
    try {
      const { result, events } = await run({ nodes: 1, bots: 1, durationS: 5 });
      expect(result.error).toBeUndefined();
      expect(events).toContainEqual(expect.objectContaining({ type: 'node', message: `server on port ${port + 1}` }));
      expect(result.swarm.joined).toBe(1);
    } finally {
      blocker.close();
    }
  });

  it('an unwritable REMOTE_WORKDIR fails preflight on every node, naming the directory', async () => {
    const { result } = await run(
      { nodes: 2, bots: 2, durationS: 10 },
      { env: { REMOTE_WORKDIR: '/proc/lbp-unwritable' } },
    );
    expect(result.error).toMatchObject({ name: 'PreflightError', phase: 'preflight' });
    expect(result.error!.message).toContain('local1: REMOTE_WORKDIR /proc/lbp-unwritable/local1 is not writable');
    expect(result.error!.message).toContain('local2: REMOTE_WORKDIR /proc/lbp-unwritable/local2 is not writable');
  });

  it('an external bot command (our bundle as a foreign binary) and nodes: 1', async () => {
    const { runId, result } = await run({
      nodes: 1,
      bots: 3,
      durationS: 6,
      botRuntime: {
        kind: 'command',
        argv: [
          'node',
          BUNDLE,
          '--server',
          '{host}:{port}',
          '--bots',
          '{count}',
          '--prefix',
          '{prefix}',
          '--duration',
          '{duration}',
        ],
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.nodes.map((n) => [n.role, n.bots])).toEqual([['server+bots', 3]]);
    expect(result.swarm.joined).toBe(3);
    expect(result.server.step).not.toBeNull();
    await expectNothingLeft(runId, 1);
  });
});
