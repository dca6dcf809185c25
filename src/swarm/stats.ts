import { z } from 'zod';

/**
 * One line of the swarm's stdout, JSON, once per second (`kind: "stats"`), plus one `ready` line when
 * the swarm waits at the start barrier and one last stats line with `final: true` on exit.
 * Packet and byte counts cover the interval since the previous line (`intervalMs`), summed over
 * every bot of this process. RTTs come from reliable ACKs in that interval.
 */
export const swarmStatsLineSchema = z.object({
  kind: z.literal('stats'),
  /** Unix epoch milliseconds. */
  t: z.number(),
  intervalMs: z.number(),
  /** Bots this process hosts. */
  bots: z.number().int(),
  /** Bots in game right now. */
  joined: z.number().int(),
  /** Bots connecting, authenticating or loading. */
  joining: z.number().int(),
  /** Bots that failed, and why (codes from `FAILURE_REASONS`). */
  failed: z.number().int(),
  failedByReason: z.record(z.string(), z.number().int()),
  /** Bots that left cleanly (DISCO) and bots not started yet (ramp). */
  left: z.number().int(),
  waiting: z.number().int(),
  /** Bots that reached the game at some point. */
  everJoined: z.number().int(),
  rxPackets: z.number().int(),
  txPackets: z.number().int(),
  rxBytes: z.number().int(),
  txBytes: z.number().int(),
  /** Reliable resends and undecodable datagrams in the interval. */
  resends: z.number().int(),
  decodeErrors: z.number().int(),
  rttP50Ms: z.number().nullable(),
  rttP95Ms: z.number().nullable(),
  /** PLAYERPOS messages sent in the interval. */
  posUpdates: z.number().int(),
  /** Server position corrections (MOVE_PLAYER) adopted in the interval. */
  posCorrections: z.number().int(),
  /** Map blocks received (and acknowledged) in the interval: the map work the bots cause. */
  blocks: z.number().int(),
  /** Placements and digs requested in the interval (build behaviour). */
  mapEdits: z.number().int(),
  /** Present (true) only on the last line. */
  final: z.literal(true).optional(),
  /** One-line human summary, on the final line only. */
  summary: z.string().optional(),
});
export type SwarmStatsLine = z.infer<typeof swarmStatsLineSchema>;

/** Printed once when `--wait-for-go` holds the swarm; the pipeline sends `go` on stdin after every node said it. */
export const swarmReadyLineSchema = z.object({
  kind: z.literal('ready'),
  t: z.number(),
  bots: z.number().int(),
  version: z.string(),
});
export type SwarmReadyLine = z.infer<typeof swarmReadyLineSchema>;

export const swarmLineSchema = z.discriminatedUnion('kind', [swarmStatsLineSchema, swarmReadyLineSchema]);
/** Any line the swarm prints on stdout. */
export type SwarmLine = z.infer<typeof swarmLineSchema>;

/** Parse one stdout line of a swarm; null for lines that are not swarm JSON (never throws). */
export function parseSwarmLine(line: string): SwarmLine | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = swarmLineSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
