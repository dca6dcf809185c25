/**
 * Shrinks a time series to at most `maxPoints` rows while keeping its shape: each
 * bucket contributes its minimum and its maximum (per field), so spikes survive,
 * which a plain mean or stride would flatten. Gaps (a lost node, a silent
 * sampler) are kept as gaps: buckets never span one.
 */

/** Rows further apart than this many times the typical interval count as a gap. */
const GAP_FACTOR = 2.5;

/** Median spacing of `t` in `rows` (1 when it cannot be known). */
export function typicalInterval(rows: readonly { t: number }[]): number {
  const diffs: number[] = [];
  for (let i = 1; i < rows.length; i++) diffs.push((rows[i]?.t ?? 0) - (rows[i - 1]?.t ?? 0));
  if (diffs.length === 0) return 1;
  diffs.sort((a, b) => a - b);
  return diffs[Math.floor(diffs.length / 2)] ?? 1;
}

/** Splits rows at gaps into contiguous runs. */
export function splitAtGaps<T extends { t: number }>(rows: readonly T[], interval = typicalInterval(rows)): T[][] {
  const segments: T[][] = [];
  let current: T[] = [];
  let last: number | null = null;
  for (const row of rows) {
    if (last !== null && row.t - last > interval * GAP_FACTOR) {
      segments.push(current);
      current = [];
    }
    current.push(row);
    last = row.t;
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

/**
 * Bucket min/max downsampling of records. `keys` are the numeric fields to keep the
 * extremes of; other fields are copied from the bucket's first row. Returns `rows`
 * itself when it is already small enough.
 */
export function downsampleRows<T extends { t: number }>(
  rows: readonly T[],
  maxPoints: number,
  keys: readonly (keyof T & string)[],
): T[] {
  if (rows.length <= maxPoints) return [...rows];
  const segments = splitAtGaps(rows);
  const budget = Math.max(2, maxPoints);
  const out: T[] = [];
  for (const segment of segments) {
    // Each bucket yields two rows; share the budget by segment length.
    const buckets = Math.max(1, Math.floor(((segment.length / rows.length) * budget) / 2));
    if (segment.length <= buckets * 2) {
      out.push(...segment);
      continue;
    }
    const size = segment.length / buckets;
    for (let b = 0; b < buckets; b++) {
      const from = Math.floor(b * size);
      const to = Math.floor((b + 1) * size);
      const bucket = segment.slice(from, to);
      const first = bucket[0];
      const last = bucket[bucket.length - 1];
      if (first === undefined || last === undefined) continue;
      const low = { ...first } as Record<string, unknown>;
      const high = { ...last } as Record<string, unknown>;
      for (const key of keys) {
        let min = Infinity;
        let max = -Infinity;
        for (const row of bucket) {
          const v = row[key];
          if (typeof v !== 'number') continue;
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (min !== Infinity) {
          low[key] = min;
          high[key] = max;
        }
      }
      out.push(low as T);
      if (bucket.length > 1) out.push(high as T);
    }
  }
  return out;
}
