import { describe, expect, it } from 'vitest';
import type { ClusterBackend } from '../../../src/cluster/backend.js';
import type { NodeConnection } from '../../../src/cluster/node.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';
import { collect } from '../../../src/jobs/benchmark/collect.js';
import { createRunContext, type NodeState } from '../../../src/jobs/benchmark/run-context.js';
import { runResultSchema, type Sample } from '../../../src/jobs/benchmark/run-result.js';
import { parseRunSpec } from '../../../src/jobs/run-spec.js';

const T0 = 1_800_000_000_000;
const noBackend = {} as ClusterBackend;
const noConn = {} as NodeConnection;

function series(
  fromS: number,
  toS: number,
  cpu: (s: number) => number,
  keep: (s: number) => boolean = () => true,
): Sample[] {
  const out: Sample[] = [];
  for (let s = fromS; s <= toS; s++) {
    if (!keep(s)) continue;
    out.push({
      t: T0 + s * 1000,
      cpu: cpu(s),
      cpuProc: cpu(s) * 2,
      memUsed: 1e9,
      memTotal: 4e9,
      memProc: 1e8,
      netRx: s > 10 ? 5000 : 100,
      netTx: 200,
    });
  }
  return out;
}

function node(index: number, role: NodeState['role'], bots: number, samples: Sample[]): NodeState {
  return {
    index,
    name: `node${index}`,
    host: `10.0.0.${index}`,
    role,
    bots,
    conn: noConn,
    facts: null,
    samples,
    // The swarm group uses half of the run's processes' CPU on a bot node.
    swarmCores: role === 'server' ? [] : samples.map((x) => ({ t: x.t, cores: x.cpuProc / 2 })),
    samplerNoise: [],
    samplerStartedAt: T0,
    samplerStoppedAt: T0 + 40_000,
    swarm: [],
    swarmProcess: null,
    swarmExited: false,
    swarmReady: true,
    swarmFailures: {},
    botRuntimeVersion: 'v20.0.0',
    swarmBundleRemote: null,
    clockOffsetMs: 0,
  };
}

function context() {
  const spec = parseRunSpec({ nodes: 3, bots: 20, durationS: 30 });
  const ctx = createRunContext({
    runId: 'run-7',
    spec,
    requestedBy: 'u1',
    config: loadConfig({}),
    signal: new AbortController().signal,
    logger: silentLogger(),
    onProgress: () => undefined,
    backend: noBackend,
    swarmBundlePath: undefined,
  });
  ctx.state.windows = { baseline: { start: T0, end: T0 + 10_000 }, load: { start: T0 + 10_000, end: T0 + 40_000 } };
  return ctx;
}

describe('collect', () => {
  it('builds per-node summaries with baseline and load above it, coverage, server steps and joins', () => {
    const ctx = context();
    const idle = (s: number): number => (s <= 10 ? 0.05 : 0.3);
    ctx.state.nodes = [
      node(1, 'server', 0, series(0, 40, idle)),
      node(2, 'bots', 10, series(0, 40, idle)),
      // Lost 29 % of its samples: every 3rd and 4th of 7 seconds missing.
      node(
        3,
        'bots',
        10,
        series(
          0,
          40,
          (s) => (s <= 10 ? 0.05 : 0.95),
          (s) => s % 7 !== 3 && s % 7 !== 4,
        ),
      ),
    ];
    ctx.state.nodes[1]!.swarm = [
      { t: T0 + 20_000, joined: 10, joining: 0, failed: 0, rxPackets: 1, txPackets: 1, rttP50Ms: 2, rttP95Ms: 5 },
    ];
    ctx.state.nodes[2]!.swarm = [
      { t: T0 + 20_000, joined: 8, joining: 0, failed: 2, rxPackets: 1, txPackets: 1, rttP50Ms: 3, rttP95Ms: 9 },
    ];
    ctx.state.nodes[2]!.swarmFailures = { access_denied: 1 };
    ctx.state.server = {
      port: 30007,
      process: null,
      versionLine: 'Minetest 5.6.1 (Linux)',
      budgetMs: 90,
      logTail: [],
      series: [
        {
          t: T0 + 11_000,
          players: 18,
          steps: 11,
          stepAvgMs: 91,
          stepP50Ms: 90,
          stepP95Ms: 95,
          stepMaxMs: 300,
          lag: 0.1,
        },
      ],
      steps: Array.from({ length: 100 }, (_, i) => ({ t: T0 + 10_000 + i * 90, ms: i < 90 ? 90 : 200 })),
    };

    const result = collect(ctx);
    expect(() => runResultSchema.parse(result)).not.toThrow();
    const [n1, n2, n3] = result.nodes;
    expect(n1!.coverage).toEqual({ received: 40, expected: 40 });
    expect(n1!.summary!.baseline.cpu).toBeCloseTo(0.05, 5);
    expect(n1!.summary!.cpu.mean).toBeCloseTo(0.3, 5);
    expect(n1!.summary!.aboveBaseline.cpuMean).toBeCloseTo(0.25, 5);
    expect(n1!.summary!.aboveBaseline.netRxMean).toBeCloseTo(4900, 5);
    expect(n2!.summary!.cpuProc.mean).toBeCloseTo(0.6, 5);
    expect(n3!.coverage.received / n3!.coverage.expected).toBeLessThan(0.95);

    expect(result.server.step).toMatchObject({ p50Ms: 90, p95Ms: 200, maxMs: 200, steps: 100 });
    expect(result.server.step!.overBudgetShare).toBeCloseTo(0.1, 5);
    expect(result.swarm).toMatchObject({ requested: 20, joined: 18, failedByReason: { access_denied: 1, unknown: 1 } });
    expect(result.swarm.cpuMsPerBotSecond).toBeCloseTo(((0.3 + 0.95) * 1000) / 20, 0);
    expect(result.manifest.luantiVersion).toBe('Minetest 5.6.1 (Linux)');

    const codes = result.warnings.map((w) => `${w.code}:${w.node ?? ''}`);
    expect(codes).toContain('low_coverage:node3');
    expect(codes).toContain('generator_saturated:node3');
    expect(codes).toContain('server_overloaded:node1');
    expect(codes).not.toContain('generator_saturated:node2');
    expect(result.warnings.find((w) => w.code === 'low_coverage')!.message).toMatch(
      /^node3 delivered 7\d % of samples/,
    );
  });

  it('marks a node that went silent as lost', () => {
    const ctx = context();
    ctx.state.nodes = [
      node(
        1,
        'server+bots',
        20,
        series(0, 20, () => 0.1),
      ),
    ];
    const result = collect(ctx);
    expect(result.nodes[0]!.lostAt).toBe(T0 + 20_000);
    expect(result.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['node_lost', 'low_coverage']));
  });

  it('flags a node whose load CPU sits below its idle baseline (a noisy baseline), and only that node', () => {
    const ctx = context();
    ctx.state.nodes = [
      node(
        1,
        'server',
        0,
        series(0, 40, (s) => (s <= 10 ? 0.05 : 0.3)),
      ),
      // Something else was busy during the baseline: 40 % idle floor, 25 % under load.
      node(
        2,
        'bots',
        20,
        series(0, 40, (s) => (s <= 10 ? 0.4 : 0.25)),
      ),
      // Within noise: 1 point below.
      node(
        3,
        'bots',
        0,
        series(0, 40, (s) => (s <= 10 ? 0.06 : 0.05)),
      ),
    ];
    const result = collect(ctx);
    const noisy = result.warnings.filter((w) => w.code === 'noisy_baseline');
    expect(noisy.map((w) => w.node)).toEqual(['node2']);
    expect(noisy[0]!.message).toMatch(
      /^node2 CPU under load \(mean 25\.0 %\) was 15\.0 points below its idle baseline \(40\.0 %\)/,
    );
    expect(result.nodes[1]!.summary!.aboveBaseline.cpuMean).toBeCloseTo(-0.15, 5);
  });
});
