import { describe, expect, it } from 'vitest';
import { nodeSummarySchema, type Sample } from '../../../src/jobs/benchmark/run-result.js';
import { coverage, coverageRatio, lostAt } from '../../../src/metrics/coverage.js';
import { summarizeNode } from '../../../src/metrics/node-summary.js';
import { max, mean, percentile, stats } from '../../../src/metrics/stats.js';
import { stepStats } from '../../../src/metrics/step-stats.js';

function sample(t: number, cpu: number, netRx = 0): Sample {
  return { t, cpu, cpuProc: cpu * 2, memUsed: 1000 + t, memTotal: 10_000, memProc: 10, netRx, netTx: netRx / 2 };
}

describe('stats', () => {
  it('gives zeros, not NaN, for an empty series', () => {
    expect(stats([])).toEqual({ mean: 0, p50: 0, p95: 0, max: 0 });
    expect(mean([])).toBe(0);
    expect(max([])).toBe(0);
  });

  it('interpolates percentiles between ranks in numeric order', () => {
    const values = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 100];
    expect(percentile(values, 50)).toBe(6);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([1, 2], 95)).toBeCloseTo(1.95);
    expect(stats(values)).toEqual({ mean: 155 / 11, p50: 6, p95: 55, max: 100 });
    expect(() => percentile(values, 101)).toThrow(/101 must be from 0 to 100/);
  });

  it('ignores non-finite values', () => {
    expect(stats([1, Number.NaN, 3, Infinity])).toEqual({ mean: 2, p50: 2, p95: 2.9, max: 3 });
  });
});

describe('summarizeNode', () => {
  const samples = [
    ...Array.from({ length: 10 }, (_, i) => sample(1000 * (i + 1), 0.02, 100)),
    ...Array.from({ length: 20 }, (_, i) => sample(20_000 + 1000 * i, i < 19 ? 0.5 : 0.9, 5000)),
  ];

  it('separates the load from the idle floor', () => {
    // Windows are (start, end]: the baseline's 10 samples stamped 1 s..10 s, the load's 20 stamped 20 s..39 s.
    const s = summarizeNode(samples, { start: 0, end: 10_000 }, { start: 19_000, end: 39_000 });
    expect(nodeSummarySchema.parse(s)).toEqual(s);
    expect(s.baseline.samples).toBe(10);
    expect(s.baseline.cpu).toBeCloseTo(0.02);
    expect(s.cpu.p50).toBe(0.5);
    expect(s.cpu.max).toBe(0.9);
    expect(s.cpu.mean).toBeCloseTo((0.5 * 19 + 0.9) / 20);
    expect(s.aboveBaseline.cpuMean).toBeCloseTo(s.cpu.mean - 0.02);
    expect(s.aboveBaseline.cpuP95).toBeCloseTo(s.cpu.p95 - 0.02);
    expect(s.aboveBaseline.netRxMean).toBeCloseTo(4900);
    expect(s.aboveBaseline.netTxMean).toBeCloseTo(2450);
    expect(s.cpuProc.p50).toBe(1);
  });

  it('has a zero floor without a baseline window and zeros without load samples', () => {
    const s = summarizeNode(samples, null, { start: 100_000, end: 200_000 });
    expect(s.baseline.samples).toBe(0);
    expect(s.cpu).toEqual({ mean: 0, p50: 0, p95: 0, max: 0 });
  });
});

describe('coverage', () => {
  it('counts samples in the window against one per second', () => {
    const times = [0, 1000, 2000, 3000, 5000, 9000, 12_000];
    // (start, end]: the sample stamped at the window's start measured the second before it.
    const c = coverage(times, { start: 0, end: 10_000 });
    expect(c).toEqual({ received: 5, expected: 10 });
    expect(coverageRatio(c)).toBeCloseTo(0.5);
    expect(coverage(times, null)).toEqual({ received: 0, expected: 0 });
    expect(coverageRatio({ received: 0, expected: 0 })).toBe(1);
  });

  it('caps received at expected', () => {
    expect(coverage([0, 1000, 2000], { start: 0, end: 2000 })).toEqual({ received: 2, expected: 2 });
  });

  it('finds when a node went silent', () => {
    const window = { start: 0, end: 60_000 };
    expect(lostAt([{ t: 1000 }, { t: 20_000 }], window)).toBe(20_000);
    expect(lostAt([{ t: 58_000 }], window)).toBeNull();
    expect(lostAt([], window)).toBe(0);
  });
});

describe('stepStats', () => {
  it('reports percentiles and the share over twice the budget', () => {
    const steps = [...Array.from({ length: 95 }, () => 90), 200, 200, 300, 400, 1000];
    const s = stepStats(steps, 90);
    expect(s).toEqual({
      p50Ms: 90,
      p95Ms: expect.closeTo(90 + 0.05 * 110, 6) as number,
      p99Ms: expect.closeTo(400 + 0.01 * 600, 6) as number,
      maxMs: 1000,
      overBudgetShare: 0.05,
      steps: 100,
    });
  });

  it('is null without steps and refuses a bad budget', () => {
    expect(stepStats([], 90)).toBeNull();
    expect(() => stepStats([1], 0)).toThrow(/budgetMs 0/);
  });
});
