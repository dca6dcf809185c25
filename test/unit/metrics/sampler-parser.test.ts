import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sampleSchema } from '../../../src/jobs/benchmark/run-result.js';
import {
  type ProcessReading,
  sampleBetween,
  type Snapshot,
  nsToMs,
  parseCpuLine,
  parseNetLine,
  parseProcStat,
  parseSamplerOutput,
  SamplerStream,
} from '../../../src/metrics/sampler-parser.js';

// Captured on the development machine with fixtures/capture.sh: a busy group (a wrapper shell
// whose child spins), an idle sleeper, a growing probe file; then the sleeper vanishing.
const busy = readFileSync(new URL('./fixtures/busy.txt', import.meta.url), 'utf8');
const vanish = readFileSync(new URL('./fixtures/vanish.txt', import.meta.url), 'utf8');
// A group of 13 processes, which the script reads with one `head` per frame.
const many = readFileSync(new URL('./fixtures/many.txt', import.meta.url), 'utf8');

function meminfoTotalBytes(text: string): number {
  const m = /mem MemTotal:\s+(\d+) kB/.exec(text);
  return Number(m?.[1]) * 1024;
}

describe('line parsers', () => {
  it('keeps nanosecond timestamps exact to the microsecond', () => {
    expect(nsToMs('1796414863727307702')).toBeCloseTo(1796414863727.307, 2);
    expect(nsToMs('17964148637273077%N')).toBeNull();
  });

  it('reads a stat line whose comm holds spaces and parentheses', () => {
    const line = '4242 (my (odd) proc) R 1 4242 4242 0 -1 4194304 0 0 0 0 150 50 7 3 20 0 1 0 9000 1 2 3';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      ppid: 1,
      pgrp: 4242,
      startTicks: 9000,
      cpuTicks: 200,
      reapedTicks: 10,
    });
    expect(parseProcStat('garbage')).toBeNull();
  });

  it('leaves guest time out of the CPU total and counts iowait as idle', () => {
    expect(parseCpuLine('cpu  100 0 50 800 50 0 0 0 30 0')).toEqual({ busy: 150, total: 1000 });
    expect(parseCpuLine('intr 1 2 3')).toBeNull();
  });

  it('reads receive and transmit bytes of an interface', () => {
    const line = '  eth0: 388774991   11095    0    0    0     0          0         0   798916    6750    0    0';
    expect(parseNetLine(line)).toEqual({ name: 'eth0', reading: { rxBytes: 388774991, txBytes: 798916 } });
  });
});

describe('SamplerStream on captured frames', () => {
  it('reads the node facts from the header', () => {
    const { facts } = parseSamplerOutput(busy);
    expect(facts).not.toBeNull();
    expect(facts?.clockTicks).toBe(100);
    expect(facts?.cores).toBeGreaterThan(0);
    expect(facts?.hostname.length).toBeGreaterThan(0);
    expect(facts?.kernel).toMatch(/^\d+\.\d+/);
    expect(facts?.timeMs).toBeGreaterThan(1.7e12);
  });

  it('gives one valid sample per frame after the first, counting the spinning child', () => {
    const { samples, counters } = parseSamplerOutput(busy);
    const frames = busy.split('\n').filter((l) => l.startsWith('#frame')).length;
    expect(counters.frames).toBe(frames);
    expect(samples).toHaveLength(frames - 1);
    for (const s of samples) {
      expect(sampleSchema.parse(s)).toEqual(s);
      expect(s.cpu).toBeGreaterThanOrEqual(0);
      expect(s.cpu).toBeLessThanOrEqual(1);
      expect(s.memTotal).toBe(meminfoTotalBytes(busy));
      expect(s.memUsed).toBeGreaterThan(0);
      expect(s.memUsed).toBeLessThan(s.memTotal);
      // Only the spinning child is busy; on a shared 2-core machine it gets part of a core.
      expect(s.cpuProc).toBeGreaterThan(0.1);
      expect(s.cpuProc).toBeLessThanOrEqual(1.05);
      expect(s.netRx).toBeGreaterThanOrEqual(0);
      expect(s.memProc).toBeGreaterThan(0);
    }
    // The first frame is dated; the others are placed by their uptime (10 ms resolution).
    const lines = busy.split('\n');
    const dated = nsToMs(lines.find((l) => /^#frame \d/.test(l))?.slice(7) ?? '') ?? 0;
    const uptimes = lines.filter((l) => l.startsWith('up ')).map((l) => Number(l.split(' ')[1]));
    const expected = uptimes.slice(1).map((u) => Math.round(dated + (u - (uptimes[0] ?? 0)) * 1000));
    expect(samples.map((s) => s.t)).toEqual(expected);
  });

  it('drops undated frames it cannot place (stream joined after the dated frame)', () => {
    const lines = busy.split('\n');
    const second = lines.findIndex((l, i) => i > 5 && l.startsWith('#frame'));
    const { samples, counters } = parseSamplerOutput(lines.slice(second).join('\n'));
    expect(samples).toEqual([]);
    expect(counters.partialFrames).toBeGreaterThan(0);
  });

  it('attributes CPU and memory to pid-file labels', () => {
    const stream = new SamplerStream();
    for (const line of busy.split('\n')) stream.push(line);
    expect(Object.keys(stream.lastByLabel).sort()).toEqual(['busy', 'idle']);
    expect(stream.lastByLabel.busy?.cores).toBeGreaterThan(0.1);
    expect(stream.lastByLabel.idle?.cores).toBe(0);
    expect(stream.lastByLabel.idle?.rssBytes).toBeGreaterThan(0);
  });

  it('leaves out processes of excluded labels', () => {
    const all = parseSamplerOutput(busy).samples;
    const without = parseSamplerOutput(busy, { excludeLabels: ['busy'] }).samples;
    expect(without.every((s) => s.cpuProc === 0)).toBe(true);
    expect(without.every((s, i) => s.memProc < (all[i]?.memProc ?? 0))).toBe(true);
  });

  it('hands the probe lines over in order, without the prefix', () => {
    const { probeLines } = parseSamplerOutput(busy);
    expect(probeLines[0]).toBe('# luanti-bench probe v1');
    const rows = probeLines.slice(1).map((l) => Number(l.split(',')[0]));
    expect(rows.length).toBeGreaterThan(5);
    expect(rows).toEqual(rows.map((_, i) => i));
  });

  it('reads a large process tree printed by head, with file headers', () => {
    const stream = new SamplerStream();
    const samples = many.split('\n').flatMap((l) => stream.push(l) ?? []);
    expect(many).toContain('==> /proc/');
    expect(stream.counters.badLines).toBe(0);
    expect(samples.length).toBeGreaterThan(0);
    const procs = stream.last?.processes ?? [];
    expect(procs).toHaveLength(13);
    expect(procs[0]?.pid).toBe(procs[0]?.pgrp);
    expect(procs.every((p) => p.label === 'many' && p.rssBytes > 0 && p.pgrp === procs[0]?.pid)).toBe(true);
    expect(stream.facts?.pageSize).toBe(4096);
    expect(samples.at(-1)?.memProc).toBe(procs.reduce((a, p) => a + p.rssBytes, 0));
  });

  it('keeps sampling when a process vanishes, with its memory gone', () => {
    const { samples } = parseSamplerOutput(vanish);
    expect(samples.length).toBe(3);
    expect(samples[0]?.memProc).toBeGreaterThan(0);
    expect(samples.at(-1)?.memProc).toBe(0);
    expect(samples.every((s) => s.cpuProc === 0)).toBe(true);
  });

  it('drops a frame cut off before #end and carries on with the next', () => {
    const lines = busy.split('\n');
    const frameStarts = lines.flatMap((l, i) => (l.startsWith('#frame') ? [i] : []));
    const secondEnd = lines.indexOf('#end', frameStarts[1]);
    // Cut the second frame in the middle of its net lines.
    const cut = [...lines.slice(0, frameStarts[1]! + 6), ...lines.slice(secondEnd + 1)];
    const { samples, counters } = parseSamplerOutput(cut.join('\n'));
    expect(counters.partialFrames).toBe(1);
    expect(samples).toHaveLength(frameStarts.length - 2);
  });

  it('gives no negative rates when counters go backwards', () => {
    const lines = busy.split('\n');
    const first = lines.slice(0, lines.indexOf('#end') + 1);
    // Feed the first frame again with a later timestamp and uptime but every counter reset to half.
    const stream = new SamplerStream();
    for (const l of first) stream.push(l);
    const later = first.map((l) => {
      if (l.startsWith('#frame ')) return `#frame ${BigInt(l.slice(7)) + 1_000_000_000n}`;
      if (l.startsWith('up ')) return `up ${Number(l.split(' ')[1]) + 1} 0`;
      if (l.startsWith('net ')) {
        const colon = l.indexOf(':');
        return l.slice(0, colon) + l.slice(colon).replace(/\d+/g, (d) => String(Math.floor(Number(d) / 2)));
      }
      if (l.startsWith('cpu ')) return l.replace(/\d+/g, (d) => String(Number(d) + 100));
      return l;
    });
    let sample = null;
    for (const l of later) sample = stream.push(l) ?? sample;
    expect(sample).not.toBeNull();
    expect(sample?.netRx).toBe(0);
    expect(sample?.netTx).toBe(0);
    expect(sample?.cpuProc).toBe(0);
  });

  it('ignores a pid file that names a recycled pid (not a group leader)', () => {
    const lines = busy.split('\n');
    const first = lines.slice(0, lines.indexOf('#end') + 1);
    const recycled = first.map((l) =>
      l.startsWith('stat ') ? l.replace(/^(stat \d+ \(.*\) \S+ \d+) (\d+)/, '$1 1') : l,
    );
    const stream = new SamplerStream();
    for (const l of recycled) stream.push(l);
    expect(stream.last?.processes).toEqual([]);
  });
});

describe('process tree accounting across exits', () => {
  const proc = (pid: number, ppid: number, cpuTicks: number, reapedTicks = 0, startTicks = 100): ProcessReading => ({
    label: 'swarm',
    pid,
    ppid,
    pgrp: 10,
    startTicks,
    cpuTicks,
    reapedTicks,
    rssBytes: 0,
  });
  const snap = (uptimeS: number, processes: ProcessReading[]): Snapshot => ({
    timeMs: uptimeS * 1000,
    uptimeS,
    cpu: { busy: uptimeS * 100, total: uptimeS * 200 },
    memTotal: 1,
    memAvailable: 1,
    net: new Map(),
    processes,
  });
  const ticksOf = (prev: Snapshot, cur: Snapshot): number => (sampleBetween(prev, cur)?.sample.cpuProc ?? NaN) * 100;

  it('counts the last second of a child its parent reaped, and not its earlier time twice', () => {
    // The child had used 50 ticks at the last frame and 80 when it ended; the parent reaped it.
    const prev = snap(10, [proc(10, 1, 10), proc(11, 10, 50)]);
    const cur = snap(11, [proc(10, 1, 10, 80)]);
    expect(ticksOf(prev, cur)).toBeCloseTo(30);
  });

  it('does not count a grandchild twice when it and its parent both ended (timeout + busy child)', () => {
    // wrapper 10 → timeout 11 → busy 12. At the last frame busy had 50 ticks; it ended at 60,
    // timeout reaped it (cutime 60) and ended with 1 tick of its own; the wrapper reaped timeout.
    const prev = snap(10, [proc(10, 1, 5), proc(11, 10, 1), proc(12, 11, 50)]);
    const cur = snap(11, [proc(10, 1, 5, 61)]);
    expect(ticksOf(prev, cur)).toBeCloseTo(10);
  });

  it('counts a child that started and ended between two frames', () => {
    const prev = snap(10, [proc(10, 1, 10)]);
    const cur = snap(11, [proc(10, 1, 12, 40)]);
    expect(ticksOf(prev, cur)).toBeCloseTo(42);
  });

  it('counts a new child from its start, and a leader reaped by an outsider as nothing', () => {
    const prev = snap(10, [proc(10, 1, 10)]);
    expect(ticksOf(prev, snap(11, [proc(10, 1, 10), proc(12, 10, 30, 0, 1050)]))).toBeCloseTo(30);
    expect(ticksOf(prev, snap(11, [proc(12, 10, 30, 0, 50)]))).toBeCloseTo(0);
    expect(ticksOf(prev, snap(11, []))).toBe(0);
  });
});
