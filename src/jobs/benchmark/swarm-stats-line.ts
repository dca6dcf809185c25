import { z } from 'zod';
import { parseSwarmLine as parseBuiltinLine } from '../../swarm/stats.js';
import type { SwarmSample } from './run-result.js';

/**
 * The part of a swarm's per-second JSON stats line the pipeline reads. Loose on
 * purpose: an external bot command may print its own JSON (or none), and extra
 * fields are ignored.
 */
const swarmLineSchema = z
  .object({
    t: z.number().optional(),
    joined: z.number(),
    joining: z.number().default(0),
    failed: z.number().default(0),
    rxPackets: z.number().default(0),
    txPackets: z.number().default(0),
    rttP50Ms: z.number().nullable().default(null),
    rttP95Ms: z.number().nullable().default(null),
    /** True once every bot waits at the barrier (with --wait-for-go). */
    ready: z.boolean().optional(),
    waiting: z.number().optional(),
    failedByReason: z.record(z.string(), z.number()).optional(),
  })
  .loose();

/** One parsed stats line: the sample plus barrier state and failure reasons. */
export interface SwarmLine {
  /** Null for the barrier's `ready` line, which carries no counts. */
  sample: SwarmSample | null;
  ready: boolean | undefined;
  failedByReason: Record<string, number> | undefined;
  /** The swarm's version, from its `ready` line. */
  version?: string;
}

/** Parse one output line of a swarm; null when it is not a stats line (logs, errors). */
export function parseSwarmLine(line: string, now: number = Date.now()): SwarmLine | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  const builtin = parseBuiltinLine(trimmed);
  if (builtin?.kind === 'ready')
    return { sample: null, ready: true, failedByReason: undefined, version: builtin.version };
  if (builtin?.kind === 'stats') {
    const { t, joined, joining, failed, rxPackets, txPackets, rttP50Ms, rttP95Ms } = builtin;
    return {
      sample: { t, joined, joining, failed, rxPackets, txPackets, rttP50Ms, rttP95Ms },
      ready: undefined,
      failedByReason: builtin.failedByReason,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return null;
  }
  const parsed = swarmLineSchema.safeParse(json);
  if (!parsed.success) return null;
  const d = parsed.data;
  return {
    sample: {
      t: d.t ?? now,
      joined: d.joined,
      joining: d.joining,
      failed: d.failed,
      rxPackets: d.rxPackets,
      txPackets: d.txPackets,
      rttP50Ms: d.rttP50Ms,
      rttP95Ms: d.rttP95Ms,
    },
    ready: d.ready,
    failedByReason: d.failedByReason,
  };
}
