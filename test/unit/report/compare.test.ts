import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/jobs/benchmark/run-result.js';
import { buildOverlayChartSet, compareRuns, formatComparison } from '../../../src/report/compare.js';
import { singleNodeRun, threeNodeRun } from '../../support/fixtures/run-result-fixture.js';

/** Overwrites the figures the comparison reads with round numbers we can check by hand. */
function setNode(result: RunResult, index: number, v: { above: number; cores: number; netRx: number }): void {
  const summary = result.nodes[index - 1]?.summary;
  if (!summary) throw new Error(`fixture node${index} has no summary`);
  summary.aboveBaseline.cpuMean = v.above;
  summary.cpuProc.mean = v.cores;
  summary.netRx.mean = v.netRx;
}

function handRuns(): [RunResult, RunResult] {
  const a = singleNodeRun();
  setNode(a, 1, { above: 0.25, cores: 2.0, netRx: 1000 });
  a.swarm.joined = 20;
  if (a.server.step) a.server.step.p95Ms = 20;
  const b = threeNodeRun();
  setNode(b, 1, { above: 0.1, cores: 1.0, netRx: 300 });
  setNode(b, 2, { above: 0.04, cores: 0.5, netRx: 400 });
  setNode(b, 3, { above: 0.06, cores: 0.5, netRx: 500 });
  b.swarm.joined = 20;
  if (b.server.step) b.server.step.p95Ms = 15;
  return [a, b];
}

describe('compareRuns', () => {
  it('computes figures and deltas that match hand-computed values', () => {
    const [a, b] = handRuns();
    const cmp = compareRuns(a, b);
    const row = (figure: string) => {
      const r = cmp.rows.find((x) => x.figure === figure);
      if (!r) throw new Error(`no row ${figure}`);
      return r;
    };
    expect(row('nodes')).toMatchObject({ a: 1, b: 3, delta: 2, relative: 2 });
    const server = row('server node CPU above idle, mean');
    expect(server.a).toBe(0.25);
    expect(server.b).toBe(0.1);
    expect(server.delta).toBeCloseTo(-0.15, 10);
    expect(server.relative).toBeCloseTo(-0.6, 10);
    // Single node has no bot-only nodes; the distributed run's mean is (0.04 + 0.06) / 2.
    expect(row('bot node CPU above idle, mean').a).toBeNull();
    expect(row('bot node CPU above idle, mean').b).toBeCloseTo(0.05, 10);
    expect(row('bot node CPU above idle, mean').delta).toBeNull();
    // 2.0 cores for 20 bots vs (1.0 + 0.5 + 0.5) for 20 bots: 0.1 core per bot each.
    expect(row('cores used, all nodes')).toMatchObject({ a: 2, b: 2, delta: 0, relative: 0 });
    expect(row('CPU per bot, % of a core (all nodes)').a).toBeCloseTo(0.1, 10);
    expect(row('CPU per bot, % of a core (all nodes)').b).toBeCloseTo(0.1, 10);
    expect(row('server step p95')).toMatchObject({ a: 20, b: 15, delta: -5, relative: -0.25 });
    expect(row('network in, all nodes')).toMatchObject({ a: 1000, b: 1200, delta: 200, relative: 0.2 });
  });

  it('prints a table with both run ids, deltas and the changes in percent', () => {
    const [a, b] = handRuns();
    const text = formatComparison(compareRuns(a, b));
    expect(text).toMatch(/figure\s+run-6\s+run-7\s+delta\s+change/);
    expect(text).toMatch(/server node CPU above idle, mean\s+25\.0 %\s+10\.0 %\s+-15\.0 pp\s+-60 %/);
    expect(text).toMatch(/server step p95\s+20\.0 ms\s+15\.0 ms\s+-5\.0 ms\s+-25 %/);
    expect(text).toMatch(/network in, all nodes\s+1\.0 kB\/s\s+1\.2 kB\/s\s+\+200 B\/s\s+\+20 %/);
  });

  it('warns when hardware or spec differ, and not when they match', () => {
    const a = threeNodeRun();
    const same = compareRuns(a, threeNodeRun({ runId: 'run-10', seed: 11 }));
    expect(same.warnings).toEqual([]);
    const other = compareRuns(a, threeNodeRun({ runId: 'run-11', cpuModel: 'AMD EPYC 7282', cores: 32, bots: 50 }));
    expect(other.warnings[0]).toMatch(
      /^hardware differs: run-7 ran on 3× Intel.*\(16 cores\); run-11 on 3× AMD EPYC 7282 \(32 cores\)$/,
    );
    expect(other.warnings[1]).toBe('spec differs: bots 20 → 50');
  });

  it('builds an overlay of both runs aligned on load start, the second run dashed', () => {
    const [a, b] = [singleNodeRun(), threeNodeRun()];
    const set = buildOverlayChartSet(a, b);
    expect(set.panels).toHaveLength(2);
    const cpu = set.panels[0]?.data.datasets ?? [];
    expect(cpu.map((d) => d.label)).toEqual(['run-6 node1', 'run-7 node1', 'run-7 node2', 'run-7 node3']);
    expect(cpu[0]?.borderDash).toEqual([]);
    expect(cpu[1]?.borderDash).toEqual([8, 5]);
    // x = 0 is the start of each run's load.
    const firstLoaded = cpu[0]?.data.find((p) => p.x >= 0);
    expect(firstLoaded?.x).toBe(0);
    expect(set.warnings).toEqual(['spec differs: nodes 1 → 3']);
  });
});
