import { describe, expect, it } from 'vitest';
import { clockOffsetMs } from '../../../src/jobs/benchmark/clock-offset.js';

describe('clockOffsetMs', () => {
  it('is zero when the remote reading falls inside the round trip, however long it was', () => {
    expect(clockOffsetMs(1_000_050, 1_000_000, 1_000_100)).toBe(0);
    // A busy node: the command started 2.9 s into a 3 s round trip. Not evidence of skew.
    expect(clockOffsetMs(1_002_900, 1_000_000, 1_003_000)).toBe(0);
  });

  it('is the smallest offset the round trip proves when the reading falls outside it', () => {
    expect(clockOffsetMs(1_005_000, 1_000_000, 1_000_100)).toBe(4900);
    expect(clockOffsetMs(998_000, 1_000_000, 1_000_100)).toBe(-2000);
  });
});
