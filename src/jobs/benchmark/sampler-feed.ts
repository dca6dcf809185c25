import { SamplerStream } from '../../metrics/sampler-parser.js';
import type { NodeFacts } from './run-context.js';
import type { Sample } from './run-result.js';

/**
 * Adapts the sampler parser (src/metrics/sampler-parser.ts) to the pipeline:
 * samples, node facts and probe lines go to their sinks, and lines the parser
 * could not understand are kept as the sampler's "noise" (its error text), so
 * the metrics gate can say why a node is silent.
 */
export interface SamplerFeed {
  line(line: string): void;
}

export interface SamplerFeedSinks {
  /** `byLabel`: cores used per pid-file label (`server`, `swarm`) over the same interval. */
  sample(sample: Sample, byLabel: Record<string, number>): void;
  facts(facts: NodeFacts): void;
  probe(line: string): void;
  /** A line that is not sampler output: the sampler's (or its shell's) error text. */
  noise(line: string): void;
}

export function createSamplerFeed(sinks: SamplerFeedSinks, options: { clockOffsetMs?: number } = {}): SamplerFeed {
  let pendingFacts: Omit<NodeFacts, 'memTotal'> | null = null;
  const stream = new SamplerStream({
    clockOffsetMs: options.clockOffsetMs ?? 0,
    onProbeLine: (line) => sinks.probe(line),
    onFacts: (f) => {
      pendingFacts = { hostname: f.hostname, cpuModel: f.cpuModel, cores: f.cores, kernel: f.kernel };
    },
  });
  return {
    line(line) {
      const bad = stream.counters.badLines;
      const sample = stream.push(line);
      if (stream.counters.badLines > bad) sinks.noise(line);
      if (!sample) return;
      if (pendingFacts) {
        // The header has no memory size; the first sample's total is the node's.
        sinks.facts({ ...pendingFacts, memTotal: sample.memTotal });
        pendingFacts = null;
      }
      const byLabel: Record<string, number> = {};
      for (const [label, usage] of Object.entries(stream.lastByLabel)) byLabel[label] = usage.cores;
      sinks.sample(sample, byLabel);
    },
  };
}
