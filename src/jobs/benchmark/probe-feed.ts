import { ProbeStream } from '../../luanti/probe-parser.js';
import type { RunContext } from './run-context.js';
import type { ServerSample } from './run-result.js';

/**
 * Feeds the probe lines the sampler streams from node 1 (src/luanti/probe-parser.ts)
 * into the run's server state: per-step wall durations for the step statistics and
 * per-second server samples for the series and live stats.
 */
export function createProbeFeed(
  ctx: RunContext,
  onSample: (sample: ServerSample) => void = () => undefined,
): { line(line: string): void } {
  const stream = new ProbeStream(true);
  let copied = 0;
  return {
    line(line) {
      const samples = stream.push(line);
      const server = ctx.state.server;
      if (!server) return;
      server.series.push(...samples);
      for (const sample of samples) onSample(sample);
      for (; copied < stream.steps.length; copied++) {
        const step = stream.steps[copied]!;
        server.steps.push({ t: step.t, ms: step.wallMs });
      }
    },
  };
}
