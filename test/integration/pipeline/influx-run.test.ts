import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../../../src/cluster/local.js';
import { silentLogger } from '../../../src/log.js';
import { runBenchmark } from '../../../src/jobs/benchmark/pipeline.js';
import { parseRunSpec } from '../../../src/jobs/run-spec.js';
import { freePort } from '../../support/free-port.js';
import { startVictoriaMetrics, VM_BIN, type VictoriaMetrics } from '../../support/victoria-metrics.js';
import { BUNDLE, haveBundle, testConfig } from './pipeline-support.js';

const ready = haveBundle && existsSync(VM_BIN) && existsSync('/usr/games/minetestserver');

describe.skipIf(!ready)('pipeline → InfluxDB sink', () => {
  let dir: string;
  let vm: VictoriaMetrics | null = null;
  let base = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbp-influx-'));
    vm = await startVictoriaMetrics();
    base = vm.url;
  });
  afterAll(async () => {
    await vm?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(runId: string, influxUrl: string) {
    return runBenchmark(
      { runId, spec: parseRunSpec({ nodes: 2, bots: 2, durationS: 6 }) },
      {
        config: testConfig(join(dir, 'work'), { INFLUX_URL: influxUrl }),
        logger: silentLogger(),
        signal: new AbortController().signal,
        onProgress: () => undefined,
        backend: new LocalCluster({ workdir: join(dir, 'work') }),
        swarmBundlePath: BUNDLE,
      },
    );
  }

  it('writes every node, server and swarm sample as it arrives, tagged with the run', async () => {
    const runId = `lbp-influx-${process.pid}`;
    const result = await run(runId, base);
    expect(result.error).toBeUndefined();
    expect(result.warnings.map((w) => w.code)).not.toContain('influx_write_failed');
    await fetch(`${base}/internal/force_flush`);
    const exported = async (match: string) => {
      const res = await fetch(`${base}/api/v1/export`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ 'match[]': match }).toString(),
      });
      return (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
    };
    const written = (series: Awaited<ReturnType<typeof exported>>) =>
      series.reduce((a, x) => a + x.timestamps.length, 0);
    const kept = result.nodes.reduce((a, x) => a + x.samples.length, 0);
    let cpu: Awaited<ReturnType<typeof exported>> = [];
    // VictoriaMetrics makes fresh points searchable with a short delay even after force_flush.
    for (let i = 0; i < 60 && written(cpu) < kept; i++) {
      await fetch(`${base}/internal/force_flush`);
      cpu = await exported(`node_cpu{run="${runId}"}`);
      if (written(cpu) < kept) await new Promise((r) => setTimeout(r, 250));
    }
    expect(cpu.map((s) => s.metric.node).sort()).toEqual(['local1', 'local2']);
    for (const series of cpu) {
      const node = result.nodes.find((n) => n.name === series.metric.node)!;
      expect(series.metric).toMatchObject({ role: node.role, cluster: 'local' });
      // Every sample the run kept was also written.
      expect(series.timestamps.length).toBe(node.samples.length);
    }
    expect((await exported(`server_players{run="${runId}"}`)).length).toBe(1);
    expect((await exported(`swarm_joined{run="${runId}"}`))[0]?.metric.node).toBe('local2');
  });

  it('a dead InfluxDB costs a warning, never the run', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const result = await run(`lbp-influx-dead-${process.pid}`, dead);
    expect(result.state).toBe('completed');
    const warning = result.warnings.find((w) => w.code === 'influx_write_failed');
    expect(warning?.message).toContain(dead);
  });
});
