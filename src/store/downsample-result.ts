import type { RunResult } from '../jobs/benchmark/run-result.js';
import { downsampleRows } from '../report/downsample.js';

/** Points per stored series at most: enough for a chart 1600 px wide, small enough for Redis. */
export const STORED_POINTS = 300;

/**
 * A copy of `result` whose series keep at most `maxPoints` rows each (bucket
 * min/max, gaps kept). Summaries, windows and warnings are untouched: they were
 * computed from the full series before.
 */
export function downsampleResult(result: RunResult, maxPoints: number = STORED_POINTS): RunResult {
  return {
    ...result,
    nodes: result.nodes.map((node) => ({
      ...node,
      samples: downsampleRows(node.samples, maxPoints, [
        'cpu',
        'cpuProc',
        'memUsed',
        'memTotal',
        'memProc',
        'netRx',
        'netTx',
      ]),
      swarm: downsampleRows(node.swarm, maxPoints, ['joined', 'joining', 'failed', 'rxPackets', 'txPackets']),
    })),
    server: {
      ...result.server,
      series: downsampleRows(result.server.series, maxPoints, [
        'players',
        'steps',
        'stepAvgMs',
        'stepP50Ms',
        'stepP95Ms',
        'stepMaxMs',
        'lag',
      ]),
    },
  };
}
