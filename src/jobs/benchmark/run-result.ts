import { z } from 'zod';
import { runSpecSchema } from '../run-spec.js';

/**
 * The result of one run: everything the report, the store and comparisons need,
 * kept by the worker itself so the report never depends on a query.
 * Times are Unix epoch milliseconds. CPU shares are fractions (0..1) of the
 * whole node; `cpuProc` is cores used by this run's processes (1.0 = one core).
 */

export const ROLES = ['server', 'bots', 'server+bots'] as const;
export type Role = (typeof ROLES)[number];

/** One 1 Hz sample of a node. Rates are bytes per second over the last interval. */
export const sampleSchema = z.object({
  t: z.number(),
  cpu: z.number(),
  cpuProc: z.number(),
  memUsed: z.number(),
  memTotal: z.number(),
  /** Resident memory of this run's processes, bytes. */
  memProc: z.number().default(0),
  netRx: z.number(),
  netTx: z.number(),
});
export type Sample = z.infer<typeof sampleSchema>;

/** Per-second aggregate of the probe mod's per-step records. */
export const serverSampleSchema = z.object({
  t: z.number(),
  players: z.number(),
  steps: z.number(),
  stepAvgMs: z.number(),
  stepP50Ms: z.number(),
  stepP95Ms: z.number(),
  stepMaxMs: z.number(),
  /** `core.get_server_max_lag()`, seconds. */
  lag: z.number(),
});
export type ServerSample = z.infer<typeof serverSampleSchema>;

/** One stats line of a swarm (per bot node, 1 Hz). */
export const swarmSampleSchema = z.object({
  t: z.number(),
  joined: z.number(),
  joining: z.number(),
  failed: z.number(),
  rxPackets: z.number(),
  txPackets: z.number(),
  rttP50Ms: z.number().nullable().default(null),
  rttP95Ms: z.number().nullable().default(null),
});
export type SwarmSample = z.infer<typeof swarmSampleSchema>;

export const statsSchema = z.object({
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  max: z.number(),
});
/** Mean, median, 95th percentile and maximum of a series. NaN-free: empty series give zeros and coverage says why. */
export type Stats = z.infer<typeof statsSchema>;

/** Figures of one node over the load window, and its idle floor before load. */
export const nodeSummarySchema = z.object({
  cpu: statsSchema,
  cpuProc: statsSchema,
  memUsed: statsSchema,
  netRx: statsSchema,
  netTx: statsSchema,
  baseline: z.object({
    cpu: z.number(),
    cpuProc: z.number(),
    memUsed: z.number(),
    netRx: z.number(),
    netTx: z.number(),
    samples: z.number(),
  }),
  /** Load minus baseline (mean and p95) for CPU share and network rates. */
  aboveBaseline: z.object({
    cpuMean: z.number(),
    cpuP95: z.number(),
    netRxMean: z.number(),
    netTxMean: z.number(),
  }),
});
export type NodeSummary = z.infer<typeof nodeSummarySchema>;

export const nodeResultSchema = z.object({
  /** 1-based position in the run; node 1 is the server. */
  index: z.number().int().min(1),
  name: z.string(),
  host: z.string(),
  role: z.enum(ROLES),
  /** Bots this node hosted. */
  bots: z.number().int().min(0),
  samples: z.array(sampleSchema),
  swarm: z.array(swarmSampleSchema).default([]),
  summary: nodeSummarySchema.nullable(),
  coverage: z.object({ received: z.number(), expected: z.number() }),
  /** The node stopped delivering samples at this time (lost), if it did. */
  lostAt: z.number().nullable().default(null),
});
export type NodeResult = z.infer<typeof nodeResultSchema>;

export const phaseTimingSchema = z.object({
  name: z.string(),
  startedAt: z.number(),
  endedAt: z.number(),
  ok: z.boolean(),
  error: z.string().optional(),
});
export type PhaseTiming = z.infer<typeof phaseTimingSchema>;

/** Stable warning codes; the report marks each visibly. */
export const WARNING_CODES = [
  'low_coverage',
  'node_lost',
  'generator_saturated',
  'joins_incomplete',
  'influx_write_failed',
  'server_overloaded',
  'clock_offset',
  'teardown_incomplete',
  'noisy_baseline',
] as const;
export const warningSchema = z.object({
  code: z.enum(WARNING_CODES),
  node: z.string().optional(),
  message: z.string(),
});
export type Warning = z.infer<typeof warningSchema>;

export const manifestSchema = z.object({
  toolVersion: z.string(),
  luantiVersion: z.string().nullable(),
  game: z.string(),
  botRuntime: z.string(),
  botRuntimeVersion: z.string().nullable(),
  cluster: z.enum(['local', 'static', 'slurm']),
  slurmJobId: z.string().nullable().default(null),
  nodes: z.array(
    z.object({
      name: z.string(),
      hostname: z.string(),
      cpuModel: z.string(),
      cores: z.number(),
      memTotal: z.number(),
      kernel: z.string(),
    }),
  ),
  createdAt: z.number(),
  startedAt: z.number(),
  endedAt: z.number(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const RUN_STATES = ['completed', 'failed', 'cancelled'] as const;

export const runResultSchema = z.object({
  /** Schema version of this document. */
  version: z.literal(1),
  runId: z.string(),
  requestedBy: z.string().nullable().default(null),
  spec: runSpecSchema,
  state: z.enum(RUN_STATES),
  /** Why it failed or who cancelled; absent when completed. */
  error: z
    .object({ name: z.string(), message: z.string(), phase: z.string().optional(), node: z.string().optional() })
    .optional(),
  manifest: manifestSchema,
  /** Windows of the idle baseline and of the load, for marking charts. */
  windows: z.object({
    baseline: z.object({ start: z.number(), end: z.number() }).nullable(),
    load: z.object({ start: z.number(), end: z.number() }).nullable(),
  }),
  nodes: z.array(nodeResultSchema),
  server: z.object({
    series: z.array(serverSampleSchema),
    /** dedicated_server_step in ms (the budget a step should meet). */
    budgetMs: z.number(),
    step: z
      .object({
        p50Ms: z.number(),
        p95Ms: z.number(),
        p99Ms: z.number(),
        maxMs: z.number(),
        /** Share (0..1) of load-window steps longer than 2 × budget. */
        overBudgetShare: z.number(),
        steps: z.number(),
      })
      .nullable(),
  }),
  swarm: z.object({
    requested: z.number(),
    joined: z.number(),
    failedByReason: z.record(z.string(), z.number()),
    rttP50Ms: z.number().nullable(),
    rttP95Ms: z.number().nullable(),
    /** Core-milliseconds of swarm CPU per bot-second, from process accounting. */
    cpuMsPerBotSecond: z.number().nullable(),
  }),
  phases: z.array(phaseTimingSchema),
  warnings: z.array(warningSchema),
  /** What teardown cleaned, in order, and whether each step worked. */
  teardown: z.array(z.object({ label: z.string(), ok: z.boolean(), error: z.string().optional() })),
});
export type RunResult = z.infer<typeof runResultSchema>;
export type RunState = RunResult['state'];
