import type { NodeFacts } from './run-context.js';
import type { Sample } from './run-result.js';

/**
 * Turns the sampler script's output lines (src/metrics/sampler-script.ts) into
 * samples, node facts and probe lines. One feed per node; rates need the
 * previous frame, so the first frame yields no sample.
 */
export interface SamplerFeed {
  line(line: string): void;
}

export interface SamplerFeedSinks {
  sample(sample: Sample): void;
  facts(facts: NodeFacts): void;
  probe(line: string): void;
  /** A line that is not sampler output: the sampler's (or its shell's) error text. */
  noise(line: string): void;
}

interface Frame {
  tNs: number;
  cpuBusy: number;
  cpuTotal: number;
  mem: Map<string, number>;
  rx: number;
  tx: number;
  /** utime+stime ticks per pid. */
  ticks: Map<string, number>;
  rssKb: number;
}

export function createSamplerFeed(sinks: SamplerFeedSinks): SamplerFeed {
  let clk = 100;
  let cores = 0;
  const facts: Partial<NodeFacts> = {};
  let factsSent = false;
  let frame: Frame | null = null;
  let previous: Frame | null = null;

  const finishFrame = (f: Frame): void => {
    if (!factsSent && facts.hostname !== undefined) {
      factsSent = true;
      sinks.facts({
        hostname: facts.hostname,
        cpuModel: facts.cpuModel ?? 'unknown',
        cores,
        memTotal: (f.mem.get('MemTotal') ?? 0) * 1024,
        kernel: facts.kernel ?? 'unknown',
      });
    }
    const prev = previous;
    previous = f;
    if (!prev) return;
    const dt = (f.tNs - prev.tNs) / 1e9;
    if (dt <= 0) return;
    const dTotal = f.cpuTotal - prev.cpuTotal;
    let procTicks = 0;
    for (const [pid, ticks] of f.ticks) {
      const before = prev.ticks.get(pid);
      // A process new in this frame counts from zero only if it is young; otherwise we'd add its whole life.
      if (before !== undefined) procTicks += Math.max(0, ticks - before);
    }
    const memTotal = (f.mem.get('MemTotal') ?? 0) * 1024;
    const memAvailable = (f.mem.get('MemAvailable') ?? f.mem.get('MemFree') ?? 0) * 1024;
    sinks.sample({
      t: Math.round(f.tNs / 1e6),
      cpu: dTotal > 0 ? (f.cpuBusy - prev.cpuBusy) / dTotal : 0,
      cpuProc: procTicks / clk / dt,
      memUsed: memTotal - memAvailable,
      memTotal,
      memProc: f.rssKb * 1024,
      netRx: Math.max(0, f.rx - prev.rx) / dt,
      netTx: Math.max(0, f.tx - prev.tx) / dt,
    });
  };

  return {
    line(raw) {
      const line = raw.replace(/\r$/, '');
      if (line.startsWith('#info ')) {
        clk = Number(/clk=(\d+)/.exec(line)?.[1] ?? 100) || 100;
        cores = Number(/cores=(\d+)/.exec(line)?.[1] ?? 0);
      } else if (line.startsWith('#host ')) facts.hostname = line.slice(6).trim();
      else if (line.startsWith('#kernel ')) facts.kernel = line.slice(8).trim();
      else if (line.startsWith('#model ')) facts.cpuModel = line.slice(7).trim();
      else if (line.startsWith('#frame ')) {
        frame = {
          tNs: Number(line.slice(7)),
          cpuBusy: 0,
          cpuTotal: 0,
          mem: new Map(),
          rx: 0,
          tx: 0,
          ticks: new Map(),
          rssKb: 0,
        };
      } else if (line === '#end') {
        if (frame && Number.isFinite(frame.tNs)) finishFrame(frame);
        frame = null;
      } else if (line.startsWith('probe ')) sinks.probe(line.slice(6));
      else if (!frame) sinks.noise(line);
      else if (line.startsWith('cpu ')) {
        const v = line.trim().split(/\s+/).slice(1).map(Number);
        // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
        const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
        frame.cpuTotal = total;
        frame.cpuBusy = total - (v[3] ?? 0) - (v[4] ?? 0);
      } else if (line.startsWith('mem ')) {
        const m = /^mem (\w+):\s+(\d+)/.exec(line);
        if (m) frame.mem.set(m[1]!, Number(m[2]));
      } else if (line.startsWith('net ')) {
        const m = /^net\s*([^:\s]+):\s*(.*)$/.exec(line);
        if (m && m[1] !== 'lo') {
          const v = m[2]!.trim().split(/\s+/).map(Number);
          frame.rx += v[0] ?? 0;
          frame.tx += v[8] ?? 0;
        }
      } else if (line.startsWith('stat ')) {
        const close = line.lastIndexOf(')');
        const pid = line.slice(5).split(' ')[0] ?? '';
        const rest = line.slice(close + 2).split(' ');
        const ticks = Number(rest[11]) + Number(rest[12]);
        if (Number.isFinite(ticks) && !frame.ticks.has(pid)) frame.ticks.set(pid, ticks);
      } else if (line.startsWith('rss ')) {
        frame.rssKb += Number(line.split(' ')[2]) || 0;
      } else if (!line.startsWith('up ') && !line.startsWith('proc ')) sinks.noise(line);
    },
  };
}
