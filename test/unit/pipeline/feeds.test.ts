import { describe, expect, it } from 'vitest';
import { createSamplerFeed } from '../../../src/jobs/benchmark/sampler-feed.js';
import { parseSwarmLine } from '../../../src/jobs/benchmark/swarm-stats-line.js';
import type { NodeFacts } from '../../../src/jobs/benchmark/run-context.js';
import type { Sample } from '../../../src/jobs/benchmark/run-result.js';

function frame(tS: number, busy: number, idle: number, rx: number, tx: number, procTicks: number): string[] {
  return [
    `#frame ${tS * 1e9}`,
    `up ${tS - 900}.00 150.00`,
    `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0`,
    'mem MemTotal:        1000 kB',
    'mem MemFree:          300 kB',
    'mem MemAvailable:     400 kB',
    `net     lo: 999999 1 0 0 0 0 0 0 999999 1 0 0 0 0 0 0`,
    `net   eth0: ${rx} 10 0 0 0 0 0 0 ${tx} 10 0 0 0 0 0 0`,
    'proc swarm 42',
    `stat 42 (node (x)) S 1 42 42 0 -1 4194304 100 0 0 0 ${procTicks} 0 0 0 20 0 1 0 1 1 1`,
    'rss 42 2048',
    '#end',
  ];
}

describe('sampler feed', () => {
  it('turns frames into rate samples: node CPU share, process cores, memory, non-loopback network', () => {
    const samples: Sample[] = [];
    const labels: Record<string, number>[] = [];
    let facts: NodeFacts | null = null;
    const noise: string[] = [];
    const feed = createSamplerFeed({
      sample: (s, byLabel) => {
        samples.push(s);
        labels.push(byLabel);
      },
      facts: (f) => (facts = f),
      probe: () => undefined,
      noise: (l) => noise.push(l),
    });
    for (const l of ['#info 1796414223000000000 clk=100 cores=4', '#host n1', '#kernel 6.1.0', '#model Test CPU'])
      feed.line(l);
    for (const l of frame(1000, 1000, 3000, 5000, 1000, 50)) feed.line(l);
    // +2 s: 200 busy of 800 ticks = 25 %; process 100 ticks / 100 Hz / 2 s = 0.5 cores.
    for (const l of frame(1002, 1200, 3600, 9000, 3000, 150)) feed.line(l);
    feed.line('sh: 1: cannot open /proc/x: Permission denied');
    expect(facts).toEqual({ hostname: 'n1', cpuModel: 'Test CPU', cores: 4, memTotal: 1000 * 1024, kernel: '6.1.0' });
    expect(samples).toHaveLength(1);
    expect(samples[0]).toMatchObject({
      t: 1_002_000,
      cpu: 0.25,
      cpuProc: 0.5,
      memUsed: 600 * 1024,
      memTotal: 1000 * 1024,
      memProc: 2048 * 1024,
      netRx: 2000,
      netTx: 1000,
    });
    expect(labels).toEqual([{ swarm: 0.5 }]);
    expect(noise).toEqual(['sh: 1: cannot open /proc/x: Permission denied']);
  });

  it('discards a frame without #end (connection lost mid-frame)', () => {
    const samples: Sample[] = [];
    const feed = createSamplerFeed({
      sample: (s) => samples.push(s),
      facts: () => undefined,
      probe: () => undefined,
      noise: () => undefined,
    });
    for (const l of frame(1000, 1000, 3000, 0, 0, 0)) feed.line(l);
    for (const l of frame(1001, 1100, 3100, 0, 0, 0).slice(0, -1)) feed.line(l);
    expect(samples).toHaveLength(0);
  });
});

describe('swarm stats line', () => {
  it('reads a stats line and ignores logs', () => {
    expect(parseSwarmLine('connecting bot3…')).toBeNull();
    expect(parseSwarmLine('{"broken"')).toBeNull();
    const parsed = parseSwarmLine(
      '{"t":5,"joined":3,"joining":1,"failed":1,"rxPackets":10,"txPackets":9,"ready":true,"failedByReason":{"timeout":1},"extra":1}',
    );
    expect(parsed).toEqual({
      sample: { t: 5, joined: 3, joining: 1, failed: 1, rxPackets: 10, txPackets: 9, rttP50Ms: null, rttP95Ms: null },
      ready: true,
      failedByReason: { timeout: 1 },
    });
  });
});
