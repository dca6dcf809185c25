import { describe, expect, it } from 'vitest';
import { buildSweep, formatSweepTable, parseSweep, SweepParseError } from '../../../src/report/sweep.js';
import { threeNodeRun } from '../../support/fixtures/run-result-fixture.js';

describe('parseSweep', () => {
  it('parses key=values', () => {
    expect(parseSweep('bots=3,5,20,100')).toEqual({ key: 'bots', values: [3, 5, 20, 100] });
    expect(parseSweep(' nodes = 2, 4 ')).toEqual({ key: 'nodes', values: [2, 4] });
  });

  it.each([
    ['bots', /not of the form key=v1,v2/],
    ['cpu=1,2', /sweep key "cpu" is not one of bots, nodes/],
    ['bots=', /has no values/],
    ['bots=3,x', /sweep value "x" in "bots=3,x" is not a whole number ≥ 1/],
    ['bots=3,0', /sweep value "0"/],
    ['bots=3,3', /sweep value 3 appears twice/],
    ['bots=3', /needs at least 2 values/],
    ['bots=1,2,3,4,5,6,7,8,9,10,11,12,13', /has 13 values; at most 12/],
  ])('rejects %s with a clear message', (text, message) => {
    expect(() => parseSweep(text)).toThrow(SweepParseError);
    expect(() => parseSweep(text)).toThrow(message);
  });
});

describe('buildSweep', () => {
  const runs = [100, 3, 20, 5].map((bots, i) => threeNodeRun({ runId: `run-${30 + i}`, bots, seed: i + 1 }));

  it('orders runs by the swept value and computes CPU per bot from the nodes', () => {
    const report = buildSweep(runs);
    expect(report.rows.map((r) => r.value)).toEqual([3, 5, 20, 100]);
    for (const row of report.rows) {
      const run = runs.find((r) => r.runId === row.runId);
      const cores = (run?.nodes ?? []).reduce((s, n) => s + (n.summary?.cpuProc.mean ?? 0), 0);
      expect(row.figures.coresPerBot).toBeCloseTo(cores / row.value, 10);
    }
    expect(report.warnings).toEqual([]);
    expect(report.chart.panels).toHaveLength(4);
    const serverCpu = report.chart.panels[3]?.data.datasets[0]?.data.map((p) => p.x);
    expect(serverCpu).toEqual([3, 5, 20, 100]);
    const table = formatSweepTable(report);
    expect(table.split('\n')).toHaveLength(5);
    expect(table).toMatch(/^bots\s+run\s+joined/);
  });

  it('warns when runs differ in more than the swept key', () => {
    const odd = threeNodeRun({ runId: 'run-40', bots: 50, durationS: 60 });
    const report = buildSweep([...runs, odd]);
    expect(report.warnings).toContain('run-40 differs from run-30 in more than bots: durationS 120 → 60');
  });
});
