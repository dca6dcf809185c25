import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SamplerStream } from '../../../src/metrics/sampler-parser.js';
import { samplerArgv } from '../../../src/metrics/sampler-script.js';

// The real script under the real /bin/sh against real /proc: what the unit fixtures cannot show.

interface Running {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
}

function startSampler(runDir: string, probe?: string, intervalS = 0.3): Running {
  const argv = samplerArgv(runDir, intervalS, probe);
  const child = spawn(argv[0] ?? 'sh', argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: Running = { child, lines: [], stderr: [] };
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    running.lines.push(...parts);
  });
  child.stderr?.on('data', (d: Buffer) => running.stderr.push(d.toString()));
  return running;
}

async function waitFrames(r: Running, n: number): Promise<void> {
  const start = r.lines.filter((l) => l === '#end').length;
  const until = Date.now() + 60_000;
  while (r.lines.filter((l) => l === '#end').length < start + n) {
    if (Date.now() > until) throw new Error(`no ${n} frames; stderr: ${r.stderr.join('')}`);
    if (r.child.exitCode !== null) throw new Error(`sampler exited ${r.child.exitCode}: ${r.stderr.join('')}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function hasChild(pid: number, comm: string): Promise<boolean> {
  for (const task of await readdir(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) {
      if (readFileSync(`/proc/${child}/comm`, 'utf8').trim() === comm) return true;
    }
  }
  return false;
}

function killGroup(child: ChildProcess | undefined): void {
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

describe('sampler script on this machine', () => {
  let dir = '';
  const started: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'luanti-bench-sampler-'));
  });

  afterEach(() => {
    for (const c of started.splice(0)) killGroup(c);
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams a probe file that appears late, completing lines split across frames', async () => {
    const probe = join(dir, 'world-probe.csv');
    const r = startSampler(dir, probe);
    started.push(r.child);
    await waitFrames(r, 2);
    writeFileSync(probe, 'one\ntw');
    await waitFrames(r, 2);
    appendFileSync(probe, 'o\nthree\n');
    await waitFrames(r, 2);
    const probeLines: string[] = [];
    const stream = new SamplerStream({ onProbeLine: (l) => probeLines.push(l) });
    for (const l of r.lines) stream.push(l);
    expect(probeLines).toEqual(['one', 'two', 'three']);
    expect(r.stderr).toEqual([]);
    expect(stream.counters.badLines).toBe(0);
  });

  it('ends by itself, status 0, within a frame of its run directory being removed', async () => {
    const runDir = join(dir, 'run-1');
    mkdirSync(runDir);
    const r = startSampler(runDir);
    started.push(r.child);
    await waitFrames(r, 2);
    const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
    rmSync(runDir, { recursive: true });
    expect(await exited).toBe(0);
    expect(r.stderr).toEqual([]);
  });

  it('skips pid files with garbage or dead pids, and follows children of the group leader', async () => {
    writeFileSync(join(dir, 'garbage.pid'), 'not a pid\n');
    writeFileSync(join(dir, 'dead.pid'), '999999999');
    const tree = spawn('sh', ['-c', 'echo $$ > "$1/tree.pid"; sleep 600 & sleep 600 & wait', 'sh', dir], {
      detached: true,
      stdio: 'ignore',
    });
    started.push(tree);
    const r = startSampler(dir);
    started.push(r.child);
    await waitFrames(r, 3);
    const stream = new SamplerStream();
    for (const l of r.lines) stream.push(l);
    expect(r.stderr).toEqual([]);
    expect(stream.counters.badLines).toBe(0);
    const procs = stream.last?.processes ?? [];
    expect(procs.map((p) => p.label)).toEqual(['tree', 'tree', 'tree']);
    expect(procs[0]?.pid).toBe(tree.pid);
    expect(procs.every((p) => p.pgrp === tree.pid && p.rssBytes > 0)).toBe(true);
  });

  it('accounts for short-lived children: the sampled CPU adds up to the tree total', async () => {
    // Busy children living 0.15 s each (shorter than a frame), then the wrapper goes idle.
    const script =
      'echo $$ > "$1/short.pid"; i=0; while [ $i -lt 12 ]; do timeout 0.15 sh -c "while :; do :; done"; i=$((i+1)); done; sleep 600';
    const r = startSampler(dir);
    started.push(r.child);
    await waitFrames(r, 1);
    const wrapper = spawn('sh', ['-c', script, 'sh', dir], { detached: true, stdio: 'ignore' });
    started.push(wrapper);
    // Until the wrapper sleeps: its children are done and reaped.
    const until = Date.now() + 60_000;
    while (
      !readFileSync(`/proc/${wrapper.pid}/stat`, 'utf8').includes('(sh) S') ||
      !(await hasChild(wrapper.pid ?? 0, 'sleep'))
    ) {
      if (Date.now() > until) throw new Error('the wrapper never finished its children');
      await new Promise((res) => setTimeout(res, 100));
    }
    await waitFrames(r, 2);
    const stream = new SamplerStream();
    let coreSeconds = 0;
    let lastT: number | null = null;
    for (const l of r.lines) {
      const s = stream.push(l);
      if (s && lastT !== null) coreSeconds += s.cpuProc * ((s.t - lastT) / 1000);
      if (stream.last) lastT = stream.last.timeMs;
    }
    const leader = stream.last?.processes.find((p) => p.pid === wrapper.pid);
    const total = ((leader?.cpuTicks ?? 0) + (leader?.reapedTicks ?? 0)) / 100;
    expect(total).toBeGreaterThan(0.2);
    // Every tick the tree used shows up once; uptime-based intervals round to 10 ms.
    expect(coreSeconds).toBeGreaterThan(total * 0.9 - 0.03);
    expect(coreSeconds).toBeLessThan(total * 1.1 + 0.03);
  });

  it('reads a tree of more than 8 processes in one go, exactly as process by process', async () => {
    const tree = spawn(
      'sh',
      ['-c', 'echo $$ > "$1/big.pid"; i=0; while [ $i -lt 20 ]; do sleep 600 & i=$((i+1)); done; wait', 'sh', dir],
      { detached: true, stdio: 'ignore' },
    );
    started.push(tree);
    const r = startSampler(dir);
    started.push(r.child);
    await waitFrames(r, 3);
    const stream = new SamplerStream();
    for (const l of r.lines) stream.push(l);
    expect(r.stderr).toEqual([]);
    expect(r.lines.some((l) => l.startsWith('==> /proc/'))).toBe(true);
    expect(stream.counters.badLines).toBe(0);
    const procs = stream.last?.processes ?? [];
    expect(procs).toHaveLength(21);
    for (const p of procs) {
      const status = readFileSync(`/proc/${p.pid}/status`, 'utf8');
      expect(p.rssBytes).toBe(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024);
    }
  });
});
