import type { Sample } from '../jobs/benchmark/run-result.js';

/**
 * Turns the sampler script's output (see `sampler-script.ts`) into snapshots, and pairs of
 * consecutive snapshots into {@link Sample}s. Pure: no I/O, no clock.
 *
 * Robustness rules: a frame without `#end` is dropped; a process that vanished between two
 * frames contributes nothing to that interval; a process is identified by pid *and* start
 * time, so a reused pid is a new process; a counter that went backwards (interface re-created,
 * pid reuse) counts as zero for that interval instead of a negative rate.
 */

/** Facts about the node printed once when the sampler starts (for the manifest and preflight). */
export interface NodeFacts {
  /** The node's clock when the sampler started, Unix epoch ms (for the clock-offset check). */
  timeMs: number;
  /** Kernel clock ticks per second (`getconf CLK_TCK`, 100 on Linux). */
  clockTicks: number;
  /** Logical CPUs (processor entries in /proc/cpuinfo). */
  cores: number;
  /** Memory page size in bytes (`getconf PAGESIZE`). */
  pageSize: number;
  hostname: string;
  kernel: string;
  cpuModel: string;
}

/** One process seen in a frame. */
export interface ProcessReading {
  /** Label of the pid file that led to it (`server`, `swarm`, …). */
  label: string;
  pid: number;
  /** Process group id (stat field 5). */
  pgrp: number;
  /** Parent pid (stat field 4). */
  ppid: number;
  /** Start time in clock ticks since boot: with the pid, the identity of the process. */
  startTicks: number;
  /** utime + stime in clock ticks. */
  cpuTicks: number;
  /** cutime + cstime: CPU of children this process has reaped (waited for), clock ticks. */
  reapedTicks: number;
  /** Resident set size in bytes (0 if unknown). */
  rssBytes: number;
}

/** Cumulative counters of one interface from /proc/net/dev. */
export interface InterfaceReading {
  rxBytes: number;
  txBytes: number;
}

/** Everything one complete frame said about the node. */
export interface Snapshot {
  /** Node clock at the frame, Unix epoch ms. */
  timeMs: number;
  /** Seconds since boot (monotonic): intervals are measured with this, not the wall clock. */
  uptimeS: number | null;
  /** Aggregate CPU jiffies: busy and total (guest time is already inside user/nice). */
  cpu: { busy: number; total: number } | null;
  /** Bytes. */
  memTotal: number | null;
  memAvailable: number | null;
  net: Map<string, InterfaceReading>;
  processes: ProcessReading[];
}

/** Line-level problems counted by {@link SamplerStream} (for coverage diagnostics). */
export interface StreamCounters {
  frames: number;
  /** Frames discarded because they never reached `#end`. */
  partialFrames: number;
  /** Lines that could not be understood. */
  badLines: number;
  samples: number;
}

const KB = 1024;

/** Epoch nanoseconds as printed by `date +%s%N` → epoch milliseconds, without losing precision. */
export function nsToMs(ns: string): number | null {
  if (!/^\d{10,}$/.test(ns)) return null;
  return Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;
}

/** Parses a `/proc/<pid>/stat` line (comm may contain spaces and parentheses). */
export function parseProcStat(
  line: string,
): Pick<ProcessReading, 'pid' | 'ppid' | 'pgrp' | 'startTicks' | 'cpuTicks' | 'reapedTicks'> | null {
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(line.slice(0, open));
  // Fields after comm start at field 3 (state); index 0 here is field 3.
  const rest = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const values = {
    pid,
    ppid: field(4),
    pgrp: field(5),
    startTicks: field(22),
    cpuTicks: field(14) + field(15),
    reapedTicks: field(16) + field(17),
  };
  return Object.values(values).every(Number.isFinite) ? values : null;
}

/** Parses the first line of /proc/stat (`cpu  user nice system idle iowait irq softirq steal guest guest_nice`). */
export function parseCpuLine(line: string): { busy: number; total: number } | null {
  const parts = line.trim().split(/\s+/);
  if (parts[0] !== 'cpu') return null;
  const v = parts.slice(1, 9).map(Number);
  if (v.length < 4 || !v.every(Number.isFinite)) return null;
  // guest and guest_nice are already counted in user and nice, so they are left out of the total.
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** Parses one `/proc/net/dev` interface line (`  eth0: rx_bytes rx_packets … tx_bytes …`). */
export function parseNetLine(line: string): { name: string; reading: InterfaceReading } | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  const name = line.slice(0, colon).trim();
  const v = line
    .slice(colon + 1)
    .trim()
    .split(/\s+/)
    .map(Number);
  const rx = v[0];
  const tx = v[8];
  if (!name || rx === undefined || tx === undefined || !Number.isFinite(rx) || !Number.isFinite(tx)) return null;
  return { name, reading: { rxBytes: rx, txBytes: tx } };
}

/** Options of {@link sampleBetween} and {@link SamplerStream}. */
export interface SampleOptions {
  /** Kernel clock ticks per second. Default 100 (or what `#info` said, in the stream). */
  clockTicks?: number;
  /** Pid-file labels whose processes are not part of the load (default `['sampler']`). */
  excludeLabels?: readonly string[];
  /** Subtracted from node timestamps to put them on the worker's clock, ms. Default 0. */
  clockOffsetMs?: number;
}

/** CPU (cores) and memory of one pid-file label over an interval. */
export interface LabelUsage {
  cores: number;
  rssBytes: number;
}

/** A {@link Sample} plus the per-label breakdown of `cpuProc`/`memProc`. */
export interface SampleDetail {
  sample: Sample;
  byLabel: Record<string, LabelUsage>;
}

/**
 * The sample for the interval between two snapshots of the same node, or null when the pair
 * cannot give one (no elapsed time, CPU counters missing or reset).
 */
export function sampleBetween(prev: Snapshot, cur: Snapshot, options: SampleOptions = {}): SampleDetail | null {
  const clk = options.clockTicks ?? 100;
  const exclude = new Set(options.excludeLabels ?? ['sampler']);
  const dt =
    prev.uptimeS !== null && cur.uptimeS !== null ? cur.uptimeS - prev.uptimeS : (cur.timeMs - prev.timeMs) / 1000;
  if (!(dt > 0)) return null;
  if (!prev.cpu || !cur.cpu) return null;
  const dTotal = cur.cpu.total - prev.cpu.total;
  const dBusy = cur.cpu.busy - prev.cpu.busy;
  if (dTotal <= 0 || dBusy < 0) return null;

  // Tree CPU = the sum over live processes of own + reaped-children time. When a child ends and
  // its parent reaps it, its whole time moves into the parent's cutime: so the part of a child's
  // time already counted while it lived is taken off again, and what it used after the last frame
  // (or in a life shorter than a frame) is still counted.
  const key = (p: ProcessReading): string => `${p.pid}/${p.startTicks}`;
  const before = new Map<string, ProcessReading>();
  for (const p of prev.processes) before.set(key(p), p);
  const now = new Map<string, ProcessReading>();
  for (const p of cur.processes) {
    // A process can be reached from two pid files (nested groups); count it once.
    if (exclude.has(p.label) || now.has(key(p))) continue;
    now.set(key(p), p);
  }
  const ticksByLabel = new Map<string, number>();
  const add = (label: string, ticks: number): void => {
    ticksByLabel.set(label, (ticksByLabel.get(label) ?? 0) + ticks);
  };
  const byLabel: Record<string, LabelUsage> = {};
  let rss = 0;
  for (const [k, p] of now) {
    const old = before.get(k);
    if (old) add(p.label, p.cpuTicks + p.reapedTicks - old.cpuTicks - old.reapedTicks);
    else if (prev.uptimeS !== null && p.startTicks / clk >= prev.uptimeS) add(p.label, p.cpuTicks + p.reapedTicks);
    // Otherwise the process existed before but was not seen (pid file written late): no baseline.
    else add(p.label, 0);
    rss += p.rssBytes;
    const usage = (byLabel[p.label] ??= { cores: 0, rssBytes: 0 });
    usage.rssBytes += p.rssBytes;
  }
  const beforeByPid = new Map<number, ProcessReading>();
  for (const p of prev.processes) beforeByPid.set(p.pid, p);
  for (const [k, gone] of before) {
    if (now.has(k) || exclude.has(gone.label)) continue;
    // Its counted time reappears in the cutime of the nearest ancestor still alive (through any
    // ancestors that ended too, each reaped by its parent). Without such an ancestor (reaped
    // outside the tree) it is simply gone.
    let up = beforeByPid.get(gone.ppid);
    for (let depth = 0; up && depth < 64; depth++) {
      const alive = now.get(key(up));
      if (alive) {
        add(alive.label, -(gone.cpuTicks + gone.reapedTicks));
        break;
      }
      up = beforeByPid.get(up.ppid);
    }
  }
  let ticks = 0;
  for (const [label, t] of ticksByLabel) {
    // Below zero only through pid reuse or a reparented child: count nothing rather than negative.
    const used = Math.max(0, t);
    ticks += used;
    const usage = (byLabel[label] ??= { cores: 0, rssBytes: 0 });
    usage.cores = used / clk / dt;
  }

  let rx = 0;
  let tx = 0;
  for (const [name, now] of cur.net) {
    if (name === 'lo') continue;
    const then = prev.net.get(name);
    if (!then) continue;
    rx += Math.max(0, now.rxBytes - then.rxBytes);
    tx += Math.max(0, now.txBytes - then.txBytes);
  }

  const memTotal = cur.memTotal ?? 0;
  const memUsed = cur.memTotal !== null && cur.memAvailable !== null ? cur.memTotal - cur.memAvailable : 0;
  return {
    sample: {
      t: Math.round(cur.timeMs - (options.clockOffsetMs ?? 0)),
      cpu: dBusy / dTotal,
      cpuProc: ticks / clk / dt,
      memUsed,
      memTotal,
      memProc: rss,
      netRx: rx / dt,
      netTx: tx / dt,
    },
    byLabel,
  };
}

/** Options of {@link SamplerStream}. */
export interface SamplerStreamOptions extends SampleOptions {
  /** Called with each line the sampler streamed from the probe file (without the `probe ` prefix). */
  onProbeLine?: (line: string) => void;
  /** Called once when the `#info`…`#model` header is complete. */
  onFacts?: (facts: NodeFacts) => void;
}

interface FrameBuilder {
  /** Null for an undated frame. */
  timeMs: number | null;
  uptimeS: number | null;
  cpu: { busy: number; total: number } | null;
  mem: Map<string, number>;
  net: Map<string, InterfaceReading>;
  processes: ProcessReading[];
  rss: Map<number, number>;
  label: string | null;
  /** The next `stat` line is the group leader named by the pid file. */
  expectLeader: boolean;
  /** After a `head` file header: what the next line is. */
  pending: { pid: number; kind: 'stat' | 'statm' } | null;
}

/**
 * Streaming parser for one node's sampler output: feed it every stdout line with
 * {@link SamplerStream.push}; it returns a {@link Sample} whenever a frame completes and a
 * previous frame exists to difference against.
 */
export class SamplerStream {
  /** Node facts from the header; null until `#model` arrived. */
  facts: NodeFacts | null = null;
  /** The last complete snapshot. */
  last: Snapshot | null = null;
  /** Per-label breakdown of the last sample. */
  lastByLabel: Record<string, LabelUsage> = {};
  readonly counters: StreamCounters = { frames: 0, partialFrames: 0, badLines: 0, samples: 0 };

  private frame: FrameBuilder | null = null;
  private header: Partial<NodeFacts> | null = null;
  /** The last dated frame: wall time and uptime, to place undated frames. */
  private anchor: { timeMs: number; uptimeS: number } | null = null;

  constructor(private readonly options: SamplerStreamOptions = {}) {}

  /** Feed one output line (with or without its trailing newline). */
  push(rawLine: string): Sample | null {
    const line = rawLine.replace(/\r?\n$/, '');
    const space = line.indexOf(' ');
    const tag = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    switch (tag) {
      case 'probe':
        this.options.onProbeLine?.(rest);
        return null;
      case '#info':
        this.header = this.parseInfo(rest);
        return null;
      case '#host':
      case '#kernel':
      case '#model':
        return this.headerLine(tag, rest);
      case '#frame':
        return this.startFrame(rest);
      case '#end':
        return this.endFrame();
      default:
        this.frameLine(tag, rest, line);
        return null;
    }
  }

  /** Call when the stream ended: an unfinished frame is counted as partial. */
  end(): void {
    if (this.frame) this.counters.partialFrames++;
    this.frame = null;
  }

  private parseInfo(rest: string): Partial<NodeFacts> | null {
    const [ns, ...pairs] = rest.split(' ');
    const timeMs = nsToMs(ns ?? '');
    if (timeMs === null) {
      this.counters.badLines++;
      return null;
    }
    const kv = Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]));
    const clockTicks = Number(kv.clk);
    const cores = Number(kv.cores);
    const pageSize = Number(kv.page);
    return {
      timeMs,
      clockTicks: Number.isFinite(clockTicks) && clockTicks > 0 ? clockTicks : 100,
      cores: Number.isFinite(cores) ? cores : 0,
      pageSize: Number.isFinite(pageSize) && pageSize > 0 ? pageSize : 4096,
    };
  }

  private headerLine(tag: '#host' | '#kernel' | '#model', value: string): null {
    if (!this.header) {
      this.counters.badLines++;
      return null;
    }
    if (tag === '#host') this.header.hostname = value;
    else if (tag === '#kernel') this.header.kernel = value;
    else {
      this.header.cpuModel = value;
      const h = this.header;
      this.facts = {
        timeMs: h.timeMs ?? 0,
        clockTicks: h.clockTicks ?? 100,
        cores: h.cores ?? 0,
        pageSize: h.pageSize ?? 4096,
        hostname: h.hostname ?? '',
        kernel: h.kernel ?? '',
        cpuModel: value,
      };
      this.options.onFacts?.(this.facts);
    }
    return null;
  }

  private startFrame(ns: string): null {
    if (this.frame) this.counters.partialFrames++;
    // An undated frame is placed later, from its uptime and the last dated frame.
    const timeMs = ns === '' ? null : nsToMs(ns);
    if (timeMs === null && ns !== '') {
      this.counters.badLines++;
      this.frame = null;
      return null;
    }
    this.frame = {
      timeMs,
      uptimeS: null,
      cpu: null,
      mem: new Map(),
      net: new Map(),
      processes: [],
      rss: new Map(),
      label: null,
      expectLeader: false,
      pending: null,
    };
    return null;
  }

  private frameLine(tag: string, rest: string, line: string): void {
    const f = this.frame;
    if (!f) {
      // Lines before the first frame (e.g. the tail of a frame cut by a reconnect) are ignored.
      if (tag !== '') this.counters.badLines++;
      return;
    }
    if (tag === '==>') {
      const m = /^==> \/proc\/(\d+)\/(stat|statm) <==$/.exec(line);
      f.pending = m ? { pid: Number(m[1]), kind: m[2] === 'stat' ? 'stat' : 'statm' } : null;
      if (!m) this.counters.badLines++;
      return;
    }
    if (line === '') return;
    if (f.pending) {
      const { pid, kind } = f.pending;
      f.pending = null;
      if (kind === 'stat') this.frameLine('stat', line, `stat ${line}`);
      else {
        const pages = Number(line.split(' ')[1]);
        if (Number.isFinite(pages)) f.rss.set(pid, pages * (this.facts?.pageSize ?? 4096));
        else this.counters.badLines++;
      }
      return;
    }
    switch (tag) {
      case 'up': {
        const up = Number(rest.split(' ')[0]);
        if (Number.isFinite(up)) f.uptimeS = up;
        else this.counters.badLines++;
        return;
      }
      case 'cpu':
        f.cpu = parseCpuLine(line);
        if (!f.cpu) this.counters.badLines++;
        return;
      case 'mem': {
        const m = /^(\w+):\s+(\d+)(?:\s+kB)?$/.exec(rest.trim());
        if (m?.[1] && m[2]) f.mem.set(m[1], Number(m[2]) * (rest.includes('kB') ? KB : 1));
        else this.counters.badLines++;
        return;
      }
      case 'net': {
        const n = parseNetLine(rest);
        if (n) f.net.set(n.name, n.reading);
        else this.counters.badLines++;
        return;
      }
      case 'proc':
        f.label = rest.split(' ')[0] ?? null;
        f.expectLeader = true;
        return;
      case 'stat': {
        const s = parseProcStat(rest);
        if (!s || f.label === null) {
          this.counters.badLines++;
          return;
        }
        const leader = f.expectLeader;
        f.expectLeader = false;
        // A pid file naming a recycled pid: the process there is not the group leader we started.
        if (leader && s.pgrp !== s.pid && !this.startedAsLeaderBefore(f.label, s.pid)) {
          f.label = `stale:${f.label}`;
          return;
        }
        f.processes.push({ label: f.label, ...s, rssBytes: 0 });
        return;
      }
      case 'rss': {
        const [pid, kb] = rest.split(' ').map(Number);
        if (pid !== undefined && kb !== undefined && Number.isFinite(pid) && Number.isFinite(kb))
          f.rss.set(pid, kb * KB);
        else this.counters.badLines++;
        return;
      }
      default:
        this.counters.badLines++;
    }
  }

  /**
   * Whether the pid was this label's leader in the previous frame. A leader may legitimately
   * leave its group (e.g. it calls setsid itself); it keeps counting as long as its identity holds.
   */
  private startedAsLeaderBefore(label: string, pid: number): boolean {
    return this.last?.processes.some((p) => p.label === label && p.pid === pid) ?? false;
  }

  private endFrame(): Sample | null {
    const f = this.frame;
    this.frame = null;
    if (!f) {
      this.counters.badLines++;
      return null;
    }
    let timeMs = f.timeMs;
    if (timeMs === null) {
      const anchor = this.anchor;
      if (!anchor || f.uptimeS === null) {
        // Cannot be placed in time (stream joined mid-way): useless for a time series.
        this.counters.partialFrames++;
        return null;
      }
      timeMs = anchor.timeMs + (f.uptimeS - anchor.uptimeS) * 1000;
    } else if (f.uptimeS !== null) {
      this.anchor = { timeMs, uptimeS: f.uptimeS };
    }
    this.counters.frames++;
    for (const p of f.processes) p.rssBytes = f.rss.get(p.pid) ?? 0;
    const snapshot: Snapshot = {
      timeMs,
      uptimeS: f.uptimeS,
      cpu: f.cpu,
      memTotal: f.mem.get('MemTotal') ?? null,
      memAvailable:
        f.mem.get('MemAvailable') ??
        // Kernels before 3.14 have no MemAvailable; free + page cache is the classic estimate.
        (f.mem.has('MemFree')
          ? (f.mem.get('MemFree') ?? 0) + (f.mem.get('Buffers') ?? 0) + (f.mem.get('Cached') ?? 0)
          : null),
      net: f.net,
      processes: f.processes.filter((p) => !p.label.startsWith('stale:')),
    };
    const prev = this.last;
    this.last = snapshot;
    if (!prev) return null;
    const detail = sampleBetween(prev, snapshot, {
      ...this.options,
      clockTicks: this.options.clockTicks ?? this.facts?.clockTicks ?? 100,
    });
    if (!detail) return null;
    this.counters.samples++;
    this.lastByLabel = detail.byLabel;
    return detail.sample;
  }
}

/** Parses a whole captured output at once: the samples, the facts and the probe lines. */
export function parseSamplerOutput(
  text: string,
  options: SampleOptions = {},
): { samples: Sample[]; facts: NodeFacts | null; probeLines: string[]; counters: StreamCounters } {
  const probeLines: string[] = [];
  const stream = new SamplerStream({ ...options, onProbeLine: (l) => probeLines.push(l) });
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const s = stream.push(line);
    if (s) samples.push(s);
  }
  stream.end();
  return { samples, facts: stream.facts, probeLines, counters: stream.counters };
}
