import { InfluxDB, Point, type WriteApi } from '@influxdata/influxdb-client';
import type { Config } from '../config.js';
import type { Sample, ServerSample, SwarmSample } from '../jobs/benchmark/run-result.js';

/** Tags every point of a run carries (besides node, role and host of its own node). */
export interface InfluxRunTags {
  run: string;
  cluster: string;
}

/** Which node a point is about. */
export interface InfluxNodeTags {
  node: string;
  role: string;
  host: string;
}

/** Options of {@link InfluxSink}. */
export interface InfluxSinkOptions {
  /** Base URL of the InfluxDB v2 write API (`/api/v2/write` is appended). */
  url: string;
  token?: string;
  org: string;
  bucket: string;
  tags: InfluxRunTags;
  /** Background flush period, ms (default 5000, so dashboards follow the run live). */
  flushIntervalMs?: number;
  /** HTTP timeout per write, ms (default 5000). */
  timeoutMs?: number;
}

/**
 * Writes a run's samples to InfluxDB (or anything speaking its v2 write API, such as
 * VictoriaMetrics) as line protocol: measurements `node`, `server` and `swarm`, tagged
 * `run, node, role, host, cluster`, timestamps in ms.
 *
 * The sink never throws into the run: the worker keeps its own copy of every sample, so a
 * dead or slow InfluxDB only costs the dashboard. Failed batches are dropped (not retried,
 * which would hold memory and delay the end of the run) and summarised by {@link warning}.
 */
export class InfluxSink {
  private readonly api: WriteApi;
  private readonly errors: string[] = [];
  private failedPoints = 0;
  private writtenPoints = 0;
  private queued = 0;
  private closed = false;

  constructor(private readonly options: InfluxSinkOptions) {
    const client = new InfluxDB({
      url: options.url,
      ...(options.token ? { token: options.token } : {}),
      timeout: options.timeoutMs ?? 5000,
    });
    this.api = client.getWriteApi(options.org, options.bucket, 'ms', {
      flushInterval: options.flushIntervalMs ?? 5000,
      batchSize: 5000,
      maxRetries: 0,
      defaultTags: { run: options.tags.run, cluster: options.tags.cluster },
      // Returning a promise tells the client the failure is handled: no retry, no console logging.
      writeFailed: (error, lines) => {
        this.failedPoints += lines.length;
        if (this.errors.length < 3) this.errors.push(error.message || error.name);
        return Promise.resolve();
      },
      writeSuccess: (lines) => {
        this.writtenPoints += lines.length;
      },
    });
  }

  /** A sink from the configuration, or null when `INFLUX_URL` is not set. */
  static fromConfig(
    config: Pick<Config, 'INFLUX_URL' | 'INFLUX_TOKEN' | 'INFLUX_ORG' | 'INFLUX_BUCKET'>,
    tags: InfluxRunTags,
  ): InfluxSink | null {
    if (!config.INFLUX_URL) return null;
    return new InfluxSink({
      url: config.INFLUX_URL,
      ...(config.INFLUX_TOKEN ? { token: config.INFLUX_TOKEN } : {}),
      org: config.INFLUX_ORG,
      bucket: config.INFLUX_BUCKET,
      tags,
    });
  }

  /** One node sample (measurement `node`). */
  writeSample(node: InfluxNodeTags, s: Sample): void {
    this.write('node', node, s.t, {
      cpu: s.cpu,
      cpuProc: s.cpuProc,
      memUsed: s.memUsed,
      memTotal: s.memTotal,
      memProc: s.memProc,
      netRx: s.netRx,
      netTx: s.netTx,
    });
  }

  /** One per-second server sample from the probe (measurement `server`). */
  writeServer(node: InfluxNodeTags, s: ServerSample): void {
    this.write('server', node, s.t, {
      players: s.players,
      steps: s.steps,
      stepAvgMs: s.stepAvgMs,
      stepP50Ms: s.stepP50Ms,
      stepP95Ms: s.stepP95Ms,
      stepMaxMs: s.stepMaxMs,
      lag: s.lag,
    });
  }

  /** One swarm stats line (measurement `swarm`). */
  writeSwarm(node: InfluxNodeTags, s: SwarmSample): void {
    this.write('swarm', node, s.t, {
      joined: s.joined,
      joining: s.joining,
      failed: s.failed,
      rxPackets: s.rxPackets,
      txPackets: s.txPackets,
      rttP50Ms: s.rttP50Ms,
      rttP95Ms: s.rttP95Ms,
    });
  }

  /** Send what is buffered (at milestones: gate passed, load started, load ended). Never throws. */
  async flush(): Promise<void> {
    if (this.closed) return;
    try {
      await this.api.flush();
    } catch (error) {
      this.note(error);
    }
  }

  /** Flush and release the client. Idempotent; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.api.close();
    } catch (error) {
      this.note(error);
    }
  }

  /** Points handed to the sink, written and lost so far. */
  get counts(): { queued: number; written: number; failed: number } {
    return { queued: this.queued, written: this.writtenPoints, failed: this.failedPoints };
  }

  /** Null if every write so far worked; otherwise one line for the report's `influx_write_failed` warning. */
  get warning(): string | null {
    if (this.failedPoints === 0 && this.errors.length === 0) return null;
    const url = this.options.url.replace(/\/\/[^@/]*@/, '//');
    return `InfluxDB at ${url}: ${this.failedPoints} of ${this.queued} points not written (${this.errors.join('; ')})`;
  }

  private write(measurement: string, node: InfluxNodeTags, t: number, fields: Record<string, number | null>): void {
    if (this.closed) return;
    const point = new Point(measurement).tag('node', node.node).tag('role', node.role).tag('host', node.host);
    let any = false;
    for (const [name, value] of Object.entries(fields)) {
      if (value === null || !Number.isFinite(value)) continue;
      point.floatField(name, value);
      any = true;
    }
    if (!any) return;
    point.timestamp(Math.round(t));
    this.queued++;
    try {
      this.api.writePoint(point);
    } catch (error) {
      this.failedPoints++;
      this.note(error);
    }
  }

  private note(error: unknown): void {
    if (this.errors.length < 3) this.errors.push(error instanceof Error ? error.message : String(error));
  }
}
