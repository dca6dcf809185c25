import { describe, expect, it } from 'vitest';
import { buildChartSet, niceMax, shrinkPoints, type PanelConfig } from '../../../src/report/chart-configs.js';
import { nodeColour, SERVER_COLOUR } from '../../../src/report/palette.js';
import {
  makeRunResult,
  nodeLostRun,
  sixteenNodeHourRun,
  threeNodeRun,
} from '../../support/fixtures/run-result-fixture.js';

const datasetsOf = (panel: PanelConfig | undefined) => panel?.data.datasets ?? [];

describe('chart configs', () => {
  it('are stable for a fixed 3-node run (snapshot of the config JSON)', () => {
    const small = makeRunResult({ runId: 'run-3', nodes: 3, bots: 6, durationS: 20, label: 'snapshot', seed: 3 });
    expect(JSON.parse(JSON.stringify(buildChartSet(small)))).toMatchSnapshot();
  });

  it('builds four panels, JSON-safe, on a linear axis of seconds since run start', () => {
    const set = buildChartSet(threeNodeRun());
    expect(set.panels.map((p) => p.options?.plugins?.title?.text)).toEqual([
      'CPU per node (% of the node)',
      'Memory used per node',
      'Network per node (solid in, dashed out)',
      'Server step p95 (dark) and p50 (light) per second',
    ]);
    expect(JSON.parse(JSON.stringify(set))).toEqual(set);
    for (const panel of set.panels) {
      const x = panel.options?.scales?.x;
      expect(x?.type).toBe('linear');
      expect(x?.min).toBe(0);
    }
    expect(set.title).toBe('run-7: 3 nodes, 20 bots, 2 min — walkbot baseline');
  });

  it('gives each node one colour in every panel; the server is red and thicker', () => {
    const result = threeNodeRun();
    const set = buildChartSet(result);
    for (const node of result.nodes) {
      const colour = nodeColour(node);
      for (const panel of set.panels.slice(0, 3)) {
        const mine = datasetsOf(panel).filter((d) => d.label?.startsWith(`${node.name}`) && !d.label.endsWith('lost'));
        expect(mine.length).toBeGreaterThan(0);
        for (const d of mine) expect(d.borderColor === colour || String(d.borderColor).startsWith('rgba')).toBe(true);
      }
    }
    const cpu = datasetsOf(set.panels[0]);
    const server = cpu.find((d) => d.label === 'node1');
    const bot = cpu.find((d) => d.label === 'node2');
    expect(server?.borderColor).toBe(SERVER_COLOUR);
    expect(server?.borderWidth).toBeGreaterThan(Number(bot?.borderWidth));
    expect(new Set(result.nodes.map(nodeColour)).size).toBe(3);
  });

  it('draws each node’s idle baseline and shades the load window in the CPU panel', () => {
    const result = threeNodeRun();
    const cpu = datasetsOf(buildChartSet(result).panels[0]);
    for (const node of result.nodes) {
      const idle = cpu.find((d) => d.label === `${node.name} idle`);
      expect(idle?.data[0]?.y).toBeCloseTo((node.summary?.baseline.cpu ?? 0) * 100, 2);
    }
    const load = cpu.find((d) => d.label === 'load');
    const w = result.windows.load;
    if (!w) throw new Error('fixture has no load window');
    expect(load?.data.map((p) => p.x)).toEqual([
      (w.start - result.manifest.startedAt) / 1000,
      (w.end - result.manifest.startedAt) / 1000,
    ]);
    expect(load?.fill).toBe('origin');
  });

  it('marks a node lost half-way in every panel, flags it in the legend and lists the warnings', () => {
    const result = nodeLostRun();
    const set = buildChartSet(result);
    const lostAt = result.nodes[2]?.lostAt;
    if (lostAt == null) throw new Error('fixture node3 is not lost');
    const x = (lostAt - result.manifest.startedAt) / 1000;
    for (const panel of set.panels) {
      const mark = datasetsOf(panel).find((d) => d.label === 'node3 lost');
      expect(mark?.data.map((p) => p.x)).toEqual([x, x]);
    }
    const node3 = datasetsOf(set.panels[0]).find((d) => d.label === 'node3');
    expect(Math.max(...(node3?.data.map((p) => p.x) ?? []))).toBeLessThan(x);
    expect(set.legend[2]?.flag).toMatch(/lost at \d+ s, 54 % samples/);
    expect(set.warnings.some((w) => w.startsWith('node lost: node3'))).toBe(true);
  });

  it('flags a saturated generator node and a low-coverage node in the legend and the warnings', () => {
    const result = threeNodeRun();
    result.warnings.push({ code: 'generator_saturated', node: 'node2', message: 'node2 swarm used 98 % of a core' });
    const node3 = result.nodes[2];
    if (!node3) throw new Error('no node3');
    node3.coverage = { received: 80, expected: 100 };
    const set = buildChartSet(result);
    expect(set.legend.map((e) => e.flag)).toEqual([undefined, 'saturated', '80 % samples']);
    expect(set.warnings).toEqual(['generator saturated: node2 swarm used 98 % of a core']);
  });

  it('flags a node with a noisy baseline in the legend', () => {
    const result = threeNodeRun();
    result.warnings.push({ code: 'noisy_baseline', node: 'node1', message: 'node1 CPU under load was 5 points below' });
    const set = buildChartSet(result);
    expect(set.legend.map((e) => e.flag)).toEqual(['noisy baseline', undefined, undefined]);
    expect(set.warnings).toEqual(['noisy baseline: node1 CPU under load was 5 points below']);
  });

  it('breaks a line at a gap in the samples instead of bridging it', () => {
    const result = threeNodeRun();
    const node2 = result.nodes[1];
    if (!node2) throw new Error('no node2');
    node2.samples = node2.samples.filter((_, i) => i < 40 || i > 60);
    const line = datasetsOf(buildChartSet(result).panels[0]).find((d) => d.label === 'node2');
    expect(line?.data.filter((p) => p.y === null)).toHaveLength(1);
  });

  it('keeps series of a one-hour run at about 400 points, peaks included', () => {
    const result = sixteenNodeHourRun();
    const set = buildChartSet(result);
    const server = datasetsOf(set.panels[0]).find((d) => d.label === 'node1');
    expect(server?.data.length).toBeLessThanOrEqual(400);
    const peak = Math.max(...(result.nodes[0]?.samples.map((s) => s.cpu * 100) ?? []));
    expect(Math.max(...(server?.data.map((p) => p.y ?? 0) ?? []))).toBeCloseTo(peak, 1);
  });

  it('shrinkPoints keeps null breaks', () => {
    const pts = [
      ...Array.from({ length: 100 }, (_, i) => ({ x: i, y: i % 7 })),
      { x: 100.5, y: null },
      ...Array.from({ length: 100 }, (_, i) => ({ x: 200 + i, y: i % 5 })),
    ];
    const out = shrinkPoints(pts, 40);
    expect(out.length).toBeLessThanOrEqual(42);
    expect(out.filter((p) => p.y === null)).toHaveLength(1);
  });

  it('niceMax rounds up to a readable axis end', () => {
    expect([niceMax(0), niceMax(9.3), niceMax(47), niceMax(101)]).toEqual([1, 10, 50, 120]);
  });
});
