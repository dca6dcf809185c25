import type { Logger } from '../log.js';
import type { Allocation, ClusterBackend, ReserveRequest } from './backend.js';
import type { NodeConnection } from './node.js';

/** A later step of a held reservation asked for a different number of nodes. */
export class HeldAllocationError extends Error {
  override readonly name = 'HeldAllocationError';
}

/** Settings of a {@link HeldAllocation}. */
export interface HeldAllocationOptions {
  /** Run id the one real reservation is made for (the sweep's base id), so its allocation id is stable. */
  runId: string;
  /**
   * Wall time for the real reservation, in minutes: all steps together. A step's own
   * request only covers itself, and a SLURM job sized for step 1 would end mid-sweep.
   */
  timeLimitMinutes?: number;
  logger?: Logger;
}

/**
 * A backend for a sweep: the first `reserve` reserves once from the real backend,
 * every later `reserve` gets that same allocation, and a step's `release` keeps it.
 * Only {@link HeldAllocation.releaseHeld} gives the nodes back, so all steps run in
 * one reservation (no queueing again between steps, same hosts for every value).
 */
export class HeldAllocation implements ClusterBackend {
  readonly kind: ClusterBackend['kind'];
  private held: Allocation | null = null;
  private reserving: Promise<Allocation> | null = null;
  private realReservations = 0;

  constructor(
    private readonly inner: ClusterBackend,
    private readonly options: HeldAllocationOptions,
  ) {
    this.kind = inner.kind;
  }

  /** How many times the real backend was asked to reserve (1 for a healthy sweep). */
  get reservations(): number {
    return this.realReservations;
  }

  /** The allocation held right now, if any. */
  get allocation(): Allocation | null {
    return this.held;
  }

  async reserve(
    request: ReserveRequest,
    signal: AbortSignal,
    onProgress: (message: string) => void,
  ): Promise<Allocation> {
    const current = this.held ?? (this.reserving ? await this.reserving : null);
    if (current) {
      if (request.nodes !== current.nodes.length) {
        throw new HeldAllocationError(
          `run ${request.runId} asks for ${request.nodes} nodes, but the held allocation ${current.id} has ` +
            `${current.nodes.length}; every step of a sweep must use the same number of nodes`,
        );
      }
      this.options.logger?.info({ allocation: current.id, step: request.runId }, 'reusing held allocation');
      return current;
    }
    const real: ReserveRequest = {
      runId: this.options.runId,
      nodes: request.nodes,
      timeLimitMinutes: Math.max(request.timeLimitMinutes, this.options.timeLimitMinutes ?? 0),
    };
    this.realReservations += 1;
    this.reserving = this.inner.reserve(real, signal, onProgress);
    try {
      this.held = await this.reserving;
    } finally {
      this.reserving = null;
    }
    this.options.logger?.info(
      { allocation: this.held.id, nodes: this.held.nodes.map((n) => n.name), step: request.runId },
      'reserved held allocation',
    );
    return this.held;
  }

  /** A step is done with the nodes, the sweep is not: keep them. */
  async release(_allocation: Allocation): Promise<void> {}

  connect(allocation: Allocation, signal: AbortSignal): Promise<NodeConnection[]> {
    return this.inner.connect(allocation, signal);
  }

  /** Release the held allocation for real. Idempotent; call it in a `finally`. */
  async releaseHeld(): Promise<void> {
    // A reservation still being made (cancelled step) is released once it lands.
    const pending = this.reserving;
    if (pending) await pending.catch(() => undefined);
    const held = this.held;
    if (!held) return;
    await this.inner.release(held);
    // Cleared only once released, so a failed release can be retried.
    this.held = null;
    this.options.logger?.info({ allocation: held.id }, 'released held allocation');
  }

  /** Closes the real backend (after {@link HeldAllocation.releaseHeld}). Idempotent. */
  close(): Promise<void> {
    return this.inner.close();
  }
}
