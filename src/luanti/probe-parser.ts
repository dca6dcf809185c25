import type { ServerSample } from '../jobs/benchmark/run-result.js';
import { max, mean, percentileSorted, sortNumbers } from '../metrics/stats.js';
import { PROBE_HEADER } from './probe-mod.js';

/** One server step as the probe recorded it. */
export interface ProbeStep {
  /** End of the step on the wall clock, Unix epoch ms (estimated, see {@link ProbeStream}). */
  t: number;
  /** Wall-clock time since the previous step, ms (from `core.get_us_time`): what the report uses. */
  wallMs: number;
  /** The dtime the engine passed to the globalstep, ms (quantised to the nominal step on 5.6). */
  dtimeMs: number;
  players: number;
  /** `core.get_server_max_lag()`, seconds. */
  lag: number;
}

/** Counters of {@link ProbeStream}, for diagnostics. */
export interface ProbeCounters {
  lines: number;
  steps: number;
  badLines: number;
}

interface Bucket {
  second: number;
  wallMs: number[];
  players: number;
  lag: number;
}

/**
 * Streaming parser of probe lines (see `probe-mod.ts`): per-step records and per-second
 * {@link ServerSample}s. Pure; fed one line at a time, in order.
 *
 * Wall-clock placement: `core.get_us_time()` is monotonic and `os.time()` has whole seconds.
 * For every line `wall_s·10⁶ − us` is at most the true offset (wall_s is the truncated second),
 * and at a second boundary it is almost exactly it; the running maximum therefore converges on
 * the offset from below within a few steps of the first second change, to about one step.
 * Per-second samples are bucketed by that estimate.
 */
export class ProbeStream {
  readonly counters: ProbeCounters = { lines: 0, steps: 0, badLines: 0 };
  /** Whether the header line of a known version was seen. */
  headerSeen = false;
  private offsetUs = -Infinity;
  private lastUs: number | null = null;
  private bucket: Bucket | null = null;

  /** @param keepSteps also keep every step in {@link ProbeStream.steps} (for step statistics). */
  constructor(private readonly keepSteps = true) {}

  /** Every step seen so far (when `keepSteps`). */
  readonly steps: ProbeStep[] = [];

  /**
   * Feed one probe line; returns the per-second samples completed by it (usually none or one).
   * Out-of-order or malformed lines are counted and skipped.
   */
  push(rawLine: string): ServerSample[] {
    const line = rawLine.trim();
    if (line === '') return [];
    this.counters.lines++;
    if (line.startsWith('#')) {
      if (line === PROBE_HEADER) {
        this.headerSeen = true;
        // A new header means the server (re)started: the monotonic clock may have a new origin.
        this.lastUs = null;
      } else this.counters.badLines++;
      return [];
    }
    const v = line.split(',').map(Number);
    if (v.length !== 5 || !v.every(Number.isFinite)) {
      this.counters.badLines++;
      return [];
    }
    const [wallS, us, dtimeS, players, lag] = v as [number, number, number, number, number];
    this.offsetUs = Math.max(this.offsetUs, wallS * 1e6 - us);
    const previous = this.lastUs;
    this.lastUs = us;
    // The first step after start has no predecessor (and the engine reports dtime 0 for it).
    if (previous === null) return [];
    if (us <= previous) {
      this.counters.badLines++;
      return [];
    }
    const step: ProbeStep = {
      t: (us + this.offsetUs) / 1000,
      wallMs: (us - previous) / 1000,
      dtimeMs: dtimeS * 1000,
      players,
      lag,
    };
    this.counters.steps++;
    if (this.keepSteps) this.steps.push(step);
    return this.addToBucket(step);
  }

  /** The sample of the second still being filled, if any (call at the end of the run). */
  flush(): ServerSample[] {
    const done = this.bucket ? [toSample(this.bucket)] : [];
    this.bucket = null;
    return done;
  }

  private addToBucket(step: ProbeStep): ServerSample[] {
    const second = Math.floor(step.t / 1000);
    const out: ServerSample[] = [];
    if (this.bucket && this.bucket.second !== second) {
      if (second < this.bucket.second) {
        // The offset estimate improved and moved this step back into a closed second: keep it in the open one.
        this.bucket.wallMs.push(step.wallMs);
        this.bucket.players = step.players;
        this.bucket.lag = step.lag;
        return out;
      }
      out.push(toSample(this.bucket));
      this.bucket = null;
    }
    this.bucket ??= { second, wallMs: [], players: 0, lag: 0 };
    this.bucket.wallMs.push(step.wallMs);
    this.bucket.players = step.players;
    this.bucket.lag = step.lag;
    return out;
  }
}

function toSample(b: Bucket): ServerSample {
  const sorted = sortNumbers(b.wallMs);
  return {
    // Stamped at the end of its second, like a node Sample covers the second before its time.
    t: (b.second + 1) * 1000,
    players: b.players,
    steps: sorted.length,
    stepAvgMs: mean(sorted),
    stepP50Ms: percentileSorted(sorted, 50),
    stepP95Ms: percentileSorted(sorted, 95),
    stepMaxMs: max(sorted),
    lag: b.lag,
  };
}

/** Parses a whole probe file at once: per-second samples (including the last, partial second) and steps. */
export function parseProbeText(text: string): { samples: ServerSample[]; steps: ProbeStep[]; counters: ProbeCounters } {
  const stream = new ProbeStream();
  const samples: ServerSample[] = [];
  for (const line of text.split('\n')) samples.push(...stream.push(line));
  samples.push(...stream.flush());
  return { samples, steps: stream.steps, counters: stream.counters };
}
