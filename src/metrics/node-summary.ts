import type { NodeSummary, Sample } from '../jobs/benchmark/run-result.js';
import { inWindow, type TimeWindow } from './coverage.js';
import { mean, stats } from './stats.js';

/**
 * The figures of one node over the load window and its idle floor over the baseline window.
 *
 * The baseline is the mean over the idle window before load; `aboveBaseline` is load minus
 * that floor, which is what separates the load from the node's own noise (the old runs read a
 * flat 1.4 % node CPU as a result). It may be slightly negative when the load is within the
 * noise; it is not clamped, so the report can show that honestly. Without a baseline window
 * the floor is 0 and `baseline.samples` is 0.
 */
export function summarizeNode(
  samples: readonly Sample[],
  baselineWindow: TimeWindow | null,
  loadWindow: TimeWindow | null,
): NodeSummary {
  const load = loadWindow ? samples.filter((s) => inWindow(s.t, loadWindow)) : [];
  const base = baselineWindow ? samples.filter((s) => inWindow(s.t, baselineWindow)) : [];
  const pick = (list: readonly Sample[], key: 'cpu' | 'cpuProc' | 'memUsed' | 'netRx' | 'netTx'): number[] =>
    list.map((s) => s[key]);
  const summary = {
    cpu: stats(pick(load, 'cpu')),
    cpuProc: stats(pick(load, 'cpuProc')),
    memUsed: stats(pick(load, 'memUsed')),
    netRx: stats(pick(load, 'netRx')),
    netTx: stats(pick(load, 'netTx')),
  };
  const baseline = {
    cpu: mean(pick(base, 'cpu')),
    cpuProc: mean(pick(base, 'cpuProc')),
    memUsed: mean(pick(base, 'memUsed')),
    netRx: mean(pick(base, 'netRx')),
    netTx: mean(pick(base, 'netTx')),
    samples: base.length,
  };
  return {
    ...summary,
    baseline,
    aboveBaseline: {
      cpuMean: summary.cpu.mean - baseline.cpu,
      cpuP95: summary.cpu.p95 - baseline.cpu,
      netRxMean: summary.netRx.mean - baseline.netRx,
      netTxMean: summary.netTx.mean - baseline.netTx,
    },
  };
}
