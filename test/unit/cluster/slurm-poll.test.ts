import { describe, expect, it } from 'vitest';
import { queuePollDelay } from '../../../src/cluster/slurm.js';

describe('queuePollDelay', () => {
  it('starts at 250 ms and doubles up to the configured interval', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => queuePollDelay(i, 2000))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });

  it('never exceeds a small configured interval, and stays finite after many checks', () => {
    expect(queuePollDelay(0, 100)).toBe(100);
    expect(queuePollDelay(10_000, 2000)).toBe(2000);
  });
});
