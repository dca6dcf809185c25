import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  it('keeps running when the run directory disappears', async () => {
    const r = startSampler(dir);
    started.push(r.child);
    await waitFrames(r, 1);
    rmSync(dir, { recursive: true, force: true });
    await waitFrames(r, 2);
    expect(r.stderr).toEqual([]);
  });
});
