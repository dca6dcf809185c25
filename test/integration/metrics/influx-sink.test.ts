import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../../src/jobs/benchmark/run-result.js';
import { InfluxSink } from '../../../src/metrics/influx-sink.js';
import { freePort } from '../../support/free-port.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../../support/victoria-metrics.js';

async function waitFor<T>(what: string, fn: () => Promise<T | null>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < until) {
    try {
      const value = await fn();
      if (value !== null) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

describe('InfluxSink against VictoriaMetrics', () => {
  let vm: VictoriaMetrics | null = null;
  let base = '';

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    base = vm.url;
  });

  afterAll(async () => {
    await vm?.stop();
  });

  async function exported(match: string): Promise<ExportedSeries[]> {
    await fetch(`${base}/internal/force_flush`);
    const res = await fetch(`${base}/api/v1/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'match[]': match }).toString(),
    });
    expect(res.ok).toBe(true);
    const text = await res.text();
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as ExportedSeries);
  }

  it('writes node, server and swarm samples tagged with run, node, role, host and cluster', async () => {
    const run = `run-it${process.pid}`;
    const sink = new InfluxSink({ url: base, org: 'o', bucket: 'b', tags: { run, cluster: 'local' } });
    const now = Date.now() - 10_000;
    const node = { node: 'node1', role: 'server', host: 'host-a' };
    const samples: Sample[] = [0, 1, 2].map((i) => ({
      t: now + i * 1000,
      cpu: 0.25 + i / 100,
      cpuProc: 0.5,
      memUsed: 1e9,
      memTotal: 4e9,
      memProc: 2e8,
      netRx: 1000 * i,
      netTx: 10,
    }));
    for (const s of samples) sink.writeSample(node, s);
    sink.writeServer(node, {
      t: now,
      players: 3,
      steps: 11,
      stepAvgMs: 90,
      stepP50Ms: 90,
      stepP95Ms: 99,
      stepMaxMs: 120,
      lag: 0.1,
    });
    sink.writeSwarm(
      { node: 'node2', role: 'bots', host: 'host-b' },
      { t: now, joined: 3, joining: 0, failed: 0, rxPackets: 10, txPackets: 20, rttP50Ms: null, rttP95Ms: null },
    );
    await sink.flush();
    await sink.close();
    await sink.close();
    expect(sink.warning).toBeNull();
    expect(sink.counts).toEqual({ queued: 5, written: 5, failed: 0 });

    const series = await waitFor('the node series', async () => {
      const s = await exported(`{__name__=~"node.*",run="${run}"}`);
      return s.length >= 7 ? s : null;
    });
    const cpu = series.find((s) => s.metric.__name__ === 'node_cpu');
    expect(cpu?.metric).toMatchObject({ run, node: 'node1', role: 'server', host: 'host-a', cluster: 'local' });
    expect(cpu?.timestamps).toEqual(samples.map((s) => s.t));
    expect(cpu?.values).toEqual(samples.map((s) => s.cpu));
    expect(series.map((s) => s.metric.__name__).sort()).toEqual(
      ['node_cpu', 'node_cpuProc', 'node_memProc', 'node_memTotal', 'node_memUsed', 'node_netRx', 'node_netTx'].sort(),
    );

    const server = await exported(`{__name__="server_stepP95Ms",run="${run}"}`);
    expect(server[0]?.values).toEqual([99]);
    const swarm = await exported(`{__name__=~"swarm.*",run="${run}"}`);
    expect(swarm.map((s) => s.metric.__name__).sort()).toEqual(
      ['swarm_failed', 'swarm_joined', 'swarm_joining', 'swarm_rxPackets', 'swarm_txPackets'].sort(),
    );
    expect(swarm[0]?.metric).toMatchObject({ node: 'node2', role: 'bots', host: 'host-b' });
  });

  it('turns a dead endpoint into a warning, never an exception', async () => {
    const port = await freePort();
    const sink = new InfluxSink({
      url: `http://127.0.0.1:${port}`,
      org: 'o',
      bucket: 'b',
      tags: { run: 'run-dead', cluster: 'local' },
      timeoutMs: 2000,
    });
    sink.writeSample(
      { node: 'node1', role: 'server', host: 'h' },
      { t: Date.now(), cpu: 0.1, cpuProc: 0, memUsed: 1, memTotal: 2, memProc: 0, netRx: 0, netTx: 0 },
    );
    await expect(sink.flush()).resolves.toBeUndefined();
    await expect(sink.close()).resolves.toBeUndefined();
    expect(sink.counts.failed).toBe(1);
    expect(sink.warning).toMatch(
      new RegExp(`InfluxDB at http://127.0.0.1:${port}: 1 of 1 points not written \\(.*ECONNREFUSED`),
    );
  });
});
