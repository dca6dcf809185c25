import { describe, expect, it } from 'vitest';
import { queuePollDelay } from '../../../src/cluster/slurm.js';

describe('queuePollDelay', () => {
  it('checks every 250 ms for the first 2 s, then doubles up to the configured interval', () => {
    const delays = Array.from({ length: 12 }, (_, i) => queuePollDelay(i, 2000));
    expect(delays).toEqual([250, 250, 250, 250, 250, 250, 250, 250, 500, 1000, 2000, 2000]);
    expect(delays.slice(0, 8).reduce((a, b) => a + b, 0)).toBe(2000);
  });

  it('never exceeds a small configured interval, and stays finite after many checks', () => {
    expect(queuePollDelay(0, 100)).toBe(100);
    expect(queuePollDelay(10_000, 2000)).toBe(2000);
  });
});
