import type { NodeConnection } from './node.js';

/** One node handed out by a cluster. */
export interface AllocatedNode {
  /** Name in the cluster (SLURM node name, host name, or `local`). */
  name: string;
  /** Address to connect to. */
  address: string;
  /** SSH user and port where they differ per host (static clusters). */
  user?: string;
  port?: number;
}

/** Nodes held for one run until released. */
export interface Allocation {
  /** Stable per run: `luanti-bench-<runId>`. */
  id: string;
  runId: string;
  cluster: 'local' | 'static' | 'slurm';
  nodes: AllocatedNode[];
  /** SLURM job id when the cluster is slurm. */
  slurmJobId?: string;
}

export interface ReserveRequest {
  runId: string;
  nodes: number;
  /** Wall time to ask for: benchmark duration plus set-up and teardown, in minutes. */
  timeLimitMinutes: number;
}

/**
 * Where nodes come from. Reservations are idempotent by run id: reserving again
 * for the same run first releases whatever a dead worker left for it.
 */
export interface ClusterBackend {
  readonly kind: Allocation['cluster'];
  /** `onProgress` receives human-readable waiting states (e.g. SLURM queue reason). */
  reserve(request: ReserveRequest, signal: AbortSignal, onProgress: (message: string) => void): Promise<Allocation>;
  /** Release the allocation. Idempotent. */
  release(allocation: Allocation): Promise<void>;
  /** One connection per allocated node, in allocation order. */
  connect(allocation: Allocation, signal: AbortSignal): Promise<NodeConnection[]>;
  /** Close shared resources (login-node connection, Redis). Idempotent. */
  close(): Promise<void>;
}
