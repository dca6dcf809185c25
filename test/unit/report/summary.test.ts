import { describe, expect, it } from 'vitest';
import {
  buildSummary,
  DISCORD_LIMITS,
  formatSummaryText,
  nodeTableCompact,
  summaryForEmbed,
} from '../../../src/report/summary.js';
import {
  makeRunResult,
  nodeLostRun,
  sixteenNodeHourRun,
  threeNodeRun,
} from '../../support/fixtures/run-result-fixture.js';

describe('summary', () => {
  it('has per-node rows with CPU above baseline, cores, memory, network and coverage', () => {
    const result = threeNodeRun();
    const summary = buildSummary(result);
    const node1 = result.nodes[0]?.summary;
    expect(summary.nodes[0]).toMatchObject({
      name: 'node1',
      role: 'server',
      host: 'node301',
      cpuMeanAbove: node1?.aboveBaseline.cpuMean,
      coresUsed: node1?.cpuProc.mean,
      coverage: 1,
      lost: false,
    });
    expect(summary.verdict).toEqual({ healthy: true, lines: ['healthy: every node measured, no warnings'] });
    const text = formatSummaryText(result);
    expect(text).toContain('run-7: 3 nodes, 20 bots, 2 min — walkbot baseline');
    expect(text).toMatch(/node1\s+server\s+node301\s+8\.0 %/);
    expect(text).toContain('bots 20/20 joined');
    expect(text).toMatch(/server step p50 [\d.]+ ms · p95 [\d.]+ ms · p99 [\d.]+ ms · max \d+ ms/);
  });

  it('gives one verdict line per warning and marks the lost node', () => {
    const summary = buildSummary(nodeLostRun());
    expect(summary.verdict.healthy).toBe(false);
    expect(summary.verdict.lines).toEqual([
      'node lost: node3 stopped delivering samples 61 s into the load',
      'low coverage: node3 delivered 54 % of expected samples',
      'joins incomplete: 10 of 20 bots were connected at the end',
    ]);
    expect(nodeTableCompact(summary)).toMatch(/n3!\s+bot/);
  });

  it('names the failure of a failed run in the verdict', () => {
    const result = threeNodeRun();
    result.state = 'failed';
    result.error = { name: 'MetricsGateError', message: 'node2 sent no samples in 15 s', phase: 'sample' };
    expect(buildSummary(result).verdict.lines[0]).toBe('failed in sample: node2 sent no samples in 15 s');
  });

  it.each([
    ['3 nodes', threeNodeRun()],
    ['16 nodes', sixteenNodeHourRun({ durationS: 60 })],
    ['64 nodes', makeRunResult({ nodes: 64, bots: 630, durationS: 20, lost: { index: 40, atFraction: 0.5 } })],
  ])('fits Discord embed limits for %s', (_name, result) => {
    const embed = summaryForEmbed(result);
    expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.description);
    expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
    for (const f of embed.fields) expect(f.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    const table = /```\n([\s\S]*)\n```/.exec(embed.description)?.[1] ?? '';
    expect(table.length).toBeGreaterThan(0);
    expect(table.length).toBeLessThanOrEqual(DISCORD_LIMITS.codeTable);
  });

  it('folds many bot nodes into min/mean/max rows but keeps the lost one visible', () => {
    const result = makeRunResult({ nodes: 64, bots: 630, durationS: 20, lost: { index: 40, atFraction: 0.5 } });
    const table = nodeTableCompact(buildSummary(result));
    expect(table).toMatch(/63× min/);
    expect(table).toMatch(/63× mean/);
    expect(table).toMatch(/n40!/);
  });
});
