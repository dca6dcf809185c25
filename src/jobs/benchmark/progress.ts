/**
 * Progress events a run emits. The CLI's terminal view and the Discord worker
 * both render these; neither needs to know how a phase works.
 */

/** Pipeline phases in order (design.md); `report` is done by the caller. */
export const PHASES = [
  'reserve',
  'connect',
  'preflight',
  'sample',
  'server',
  'swarm',
  'load',
  'stop',
  'collect',
] as const;
export type PhaseName = (typeof PHASES)[number];

/** Live figures during load, about every 5 s. */
export interface LiveStats {
  elapsedS: number;
  durationS: number;
  joined: number;
  requested: number;
  failed: number;
  /** Server step p95 over the last few seconds, ms; null before the probe reports. */
  serverStepP95Ms: number | null;
  players: number | null;
  nodes: { name: string; role: string; cpu: number | null; cpuProc: number | null }[];
}

export type ProgressEvent =
  | { type: 'phase'; phase: PhaseName; state: 'started' | 'done' | 'failed' | 'skipped'; message?: string }
  /** One status line per node (preflight checks, gate, swarm joins). */
  | { type: 'node'; node: string; index: number; role: string; ok: boolean | null; message: string }
  /** Waiting states, e.g. SLURM queue reason. */
  | { type: 'wait'; message: string }
  | { type: 'live'; stats: LiveStats }
  | { type: 'warning'; code: string; message: string; node?: string };

/** Receives progress events. Must not throw; slow sinks must buffer or drop themselves. */
export type ProgressSink = (event: ProgressEvent) => void;
