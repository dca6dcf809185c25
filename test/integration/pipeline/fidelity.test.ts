import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalNode } from '../../../src/cluster/local.js';
import type { RemoteProcess } from '../../../src/cluster/node.js';
import { samplerArgv } from '../../../src/metrics/sampler-script.js';
import { createSamplerFeed } from '../../../src/jobs/benchmark/sampler-feed.js';
import type { Sample } from '../../../src/jobs/benchmark/run-result.js';

/**
 * Burns about `share` of one core in 100 ms periods and prints its own CPU time
 * (`process.cpuUsage`) with the wall clock every 250 ms: the ground truth the
 * sampler's process accounting is checked against.
 */
const BURNER = `
const share = Number(process.argv[1]);
setInterval(() => {
  const u = process.cpuUsage();
  console.log('cpu ' + Date.now() + ' ' + (u.user + u.system));
}, 250);
const period = () => {
  const until = Date.now() + 100 * share;
  while (Date.now() < until) {}
  setTimeout(period, 100 * (1 - share));
};
period();
`;

describe('measurement fidelity: a known CPU load through sampler + parser + pipeline feed', () => {
  let dir: string;
  let node: LocalNode;
  let burner: RemoteProcess | null = null;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbp-fidelity-'));
    node = new LocalNode({ name: 'local1', workdir: dir });
  });
  afterAll(async () => {
    await burner?.stop(1000);
    await node.sweep().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the burner’s cores within ±2 percentage points of its own CPU time', async () => {
    const runId = 'fidelity-1';
    const runDir = `${dir}/${runId}`;
    const truth: { t: number; us: number }[] = [];
    burner = await node.spawn(runId, 'burn', [process.execPath, '-e', BURNER, '0.3'], {
      onLine: (line) => {
        const m = /^cpu (\d+) (\d+)$/.exec(line);
        if (m) truth.push({ t: Number(m[1]), us: Number(m[2]) });
      },
    });
    const samples: Sample[] = [];
    const feed = createSamplerFeed({
      sample: (s) => samples.push(s),
      facts: () => undefined,
      probe: () => undefined,
      noise: () => undefined,
    });
    const controller = new AbortController();
    const sampling = node
      .exec(samplerArgv(runDir, 1), { signal: controller.signal, onLine: (l) => feed.line(l), allowFailure: true })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10_000));
    controller.abort();
    await sampling;
    await burner.stop(1000);

    // Skip the first two samples (process start); each sample covers the second before its time.
    const window = samples.slice(2, -1);
    expect(window.length).toBeGreaterThanOrEqual(5);
    const from = window[0]!.t - 1000;
    const to = window.at(-1)!.t;
    const nearest = (t: number) => truth.reduce((a, b) => (Math.abs(b.t - t) < Math.abs(a.t - t) ? b : a));
    const a = nearest(from);
    const b = nearest(to);
    const trueCores = (b.us - a.us) / 1000 / (b.t - a.t);
    const measured = window.reduce((sum, s) => sum + s.cpuProc, 0) / window.length;
    // Printed so a failure (or a curious reader) sees the figures.
    console.log(
      `fidelity: burner used ${(trueCores * 100).toFixed(1)} % of a core, sampler reported ${(measured * 100).toFixed(1)} %`,
    );
    expect(trueCores).toBeGreaterThan(0.1);
    expect(Math.abs(measured - trueCores)).toBeLessThanOrEqual(0.02);
  });
});
