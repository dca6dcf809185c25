import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Allocation, ReserveRequest } from '../../../src/cluster/backend.js';
import { HeldAllocation, HeldAllocationError } from '../../../src/cluster/held-allocation.js';
import { LocalCluster } from '../../../src/cluster/local.js';

/** LocalCluster with its reserve and release calls recorded (the calls go through for real). */
class CountingCluster extends LocalCluster {
  readonly reserved: ReserveRequest[] = [];
  readonly released: Allocation[] = [];
  override async reserve(request: ReserveRequest, signal: AbortSignal, onProgress: (m: string) => void) {
    this.reserved.push(request);
    return super.reserve(request, signal, onProgress);
  }
  override async release(allocation: Allocation): Promise<void> {
    this.released.push(allocation);
    return super.release(allocation);
  }
}

const noProgress = (): void => undefined;
const step = (k: number, nodes = 2): ReserveRequest => ({ runId: `base-s${k}`, nodes, timeLimitMinutes: 11 });

describe('HeldAllocation', () => {
  let dir: string;
  let local: CountingCluster;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lb-held-'));
    local = new CountingCluster({ workdir: dir });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reserves once for the sweep and hands the same allocation to every step', async () => {
    const held = new HeldAllocation(local, { runId: 'base', timeLimitMinutes: 40 });
    expect(held.kind).toBe('local');
    const signal = new AbortController().signal;
    const a1 = await held.reserve(step(1), signal, noProgress);
    await held.release(a1);
    const a2 = await held.reserve(step(2), signal, noProgress);
    await held.release(a2);
    expect(a2).toBe(a1);
    expect(a1.id).toBe('luanti-bench-base');
    expect(a1.nodes.map((n) => n.name)).toEqual(['local1', 'local2']);
    expect(local.reserved).toEqual([{ runId: 'base', nodes: 2, timeLimitMinutes: 40 }]);
    expect(held.reservations).toBe(1);
    // A step's release kept the nodes.
    expect(local.released).toEqual([]);
    expect(held.allocation).toBe(a1);

    await held.releaseHeld();
    await held.releaseHeld();
    expect(local.released).toEqual([a1]);
    expect(held.allocation).toBeNull();
  });

  it('connects through the real backend: nodes run commands in their own work directories', async () => {
    const held = new HeldAllocation(local, { runId: 'base' });
    const signal = new AbortController().signal;
    const allocation = await held.reserve(step(1), signal, noProgress);
    const conns = await held.connect(allocation, signal);
    try {
      expect(conns.map((c) => c.name)).toEqual(['local1', 'local2']);
      const out = await conns[1]?.exec(['sh', '-c', 'echo "$0"', 'hello']);
      expect(out?.stdout.trim()).toBe('hello');
      expect(conns[1]?.workdir).toBe(join(dir, 'local2'));
    } finally {
      await Promise.all(conns.map((c) => c.close()));
      await held.releaseHeld();
    }
  });

  it('rejects a step with a different node count, naming both counts', async () => {
    const held = new HeldAllocation(local, { runId: 'base' });
    const signal = new AbortController().signal;
    await held.reserve(step(1, 2), signal, noProgress);
    const err = await held.reserve(step(2, 3), signal, noProgress).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HeldAllocationError);
    expect((err as Error).name).toBe('HeldAllocationError');
    expect((err as Error).message).toMatch(/base-s2 asks for 3 nodes.*luanti-bench-base has 2/);
    expect(held.reservations).toBe(1);
    await held.releaseHeld();
  });

  it('keeps the step time limit when it is longer than the sweep one', async () => {
    const held = new HeldAllocation(local, { runId: 'base', timeLimitMinutes: 5 });
    await held.reserve(step(1), new AbortController().signal, noProgress);
    expect(local.reserved[0]?.timeLimitMinutes).toBe(11);
    await held.releaseHeld();
  });

  it('a cancelled first reserve holds nothing; the next step reserves again; releaseHeld is then a no-op', async () => {
    const held = new HeldAllocation(local, { runId: 'base' });
    const aborted = new AbortController();
    aborted.abort(new Error('SIGINT received'));
    await expect(held.reserve(step(1), aborted.signal, noProgress)).rejects.toThrow('SIGINT received');
    expect(held.allocation).toBeNull();
    await held.releaseHeld();
    expect(local.released).toEqual([]);
    const a = await held.reserve(step(2), new AbortController().signal, noProgress);
    expect(a.id).toBe('luanti-bench-base');
    expect(held.reservations).toBe(2);
    await held.releaseHeld();
    expect(local.released).toEqual([a]);
  });

  it('releaseHeld with nothing reserved does not touch the real backend', async () => {
    const held = new HeldAllocation(local, { runId: 'base' });
    await held.releaseHeld();
    expect(local.released).toEqual([]);
    expect(local.reserved).toEqual([]);
  });
});
