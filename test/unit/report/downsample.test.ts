import { describe, expect, it } from 'vitest';
import { downsampleRows, splitAtGaps } from '../../../src/report/downsample.js';

const rows = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ t: (from + i) * 1000, v: Math.sin(i / 10) }));

describe('downsampleRows', () => {
  it('leaves short series alone', () => {
    const r = rows(50);
    expect(downsampleRows(r, 300, ['v'])).toEqual(r);
  });

  it('keeps at most maxPoints, the extremes of every bucket, and time order', () => {
    const r = rows(3600);
    r[1234] = { t: 1_234_000, v: 42 };
    const out = downsampleRows(r, 300, ['v']);
    expect(out.length).toBeLessThanOrEqual(300);
    expect(Math.max(...out.map((p) => p.v))).toBe(42);
    expect(Math.min(...out.map((p) => p.v))).toBe(Math.min(...r.map((p) => p.v)));
    for (let i = 1; i < out.length; i++) expect(out[i]?.t).toBeGreaterThanOrEqual(out[i - 1]?.t ?? 0);
  });

  it('never lets a bucket span a gap', () => {
    const r = [...rows(1000), ...rows(1000, 1500)];
    expect(splitAtGaps(r)).toHaveLength(2);
    const out = downsampleRows(r, 100, ['v']);
    expect(out.some((p) => p.t > 999_000 && p.t < 1_500_000)).toBe(false);
    expect(splitAtGaps(out, 1000).length).toBeGreaterThanOrEqual(2);
  });
});
