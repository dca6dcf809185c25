import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemoteProcess } from '../../../src/cluster/node.js';
import { LocalNode } from '../../../src/cluster/local.js';
import type { Sample } from '../../../src/jobs/benchmark/run-result.js';
import { deployServer, type ServerDeployment } from '../../../src/luanti/deployment.js';
import { parseProbeText, ProbeStream } from '../../../src/luanti/probe-parser.js';
import { parseServerLogLine, type ServerLogEvent } from '../../../src/luanti/server-log.js';
import { SamplerStream, type LabelUsage } from '../../../src/metrics/sampler-parser.js';
import { samplerArgv } from '../../../src/metrics/sampler-script.js';
import { stepStats } from '../../../src/metrics/step-stats.js';
import { Swarm } from '../../../src/swarm/swarm.js';

// The real Debian minetestserver 5.6.1 with our config, world and probe mod, measured by the
// real sampler script: the server-side half of a run, on this machine.
const SERVER_BIN = '/usr/games/minetestserver';

async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, fn: () => T | null, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = fn();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function meminfoTotalBytes(): number {
  const m = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return Number(m?.[1]) * 1024;
}

describe('Luanti server deployed with the probe, measured by the sampler', () => {
  const runId = `run-lt${process.pid}`;
  let workdir = '';
  let node: LocalNode | null = null;
  let server: RemoteProcess | null = null;
  let deployment: ServerDeployment | null = null;
  const events: ServerLogEvent[] = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'luanti-bench-lt-'));
    node = new LocalNode({ name: 'local1', workdir });
    const port = await freeUdpPort();
    deployment = await deployServer(node, {
      runDir: `${workdir}/${runId}`,
      port,
      bindAddress: '127.0.0.1',
      bots: 0,
      game: 'devtest',
      serverBin: SERVER_BIN,
    });
    server = await node.spawn(runId, 'server', deployment.argv, {
      onLine: (line) => {
        logLines.push(line);
        const event = parseServerLogLine(line);
        if (event) events.push(event);
      },
    });
    await until('the listening line', () => events.find((e) => e.type === 'listening') ?? null).catch(
      (error: Error) => {
        throw new Error(`${error.message}; server output:\n${logLines.slice(-20).join('\n')}`);
      },
    );
  });

  afterAll(async () => {
    await server?.stop(5000);
    await node?.sweep().catch(() => undefined);
    await node?.close();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  it('listens on the configured address and port', () => {
    const listening = events.find((e) => e.type === 'listening');
    expect(listening).toEqual({ type: 'listening', gameid: 'devtest', address: '127.0.0.1', port: deployment?.port });
    expect(events.filter((e) => e.type === 'error' || e.type === 'bind_failed')).toEqual([]);
  });

  it('the probe file grows with plausible step times and no players', async () => {
    const path = deployment?.probePath ?? '';
    const text = await until('20 probe steps', () => {
      try {
        const t = readFileSync(path, 'utf8');
        return t.split('\n').length > 22 ? t : null;
      } catch {
        return null;
      }
    });
    const { steps, samples, counters } = parseProbeText(text);
    expect(counters.badLines).toBe(0);
    expect(steps.every((s) => s.players === 0)).toBe(true);
    const st = stepStats(
      steps.map((s) => s.dtimeMs),
      deployment?.budgetMs ?? 90,
    );
    // Idle 5.6.1 steps at the nominal 0.09 s; a busy shared machine can stretch some.
    expect(st?.p50Ms).toBeGreaterThanOrEqual(85);
    expect(st?.p50Ms).toBeLessThan(200);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.every((s) => s.lag > 0)).toBe(true);
  });

  it('the sampler measures the server process and streams the probe', async () => {
    const conn = node as LocalNode;
    const runDir = `${workdir}/${runId}`;
    const samples: Sample[] = [];
    const usage: Record<string, LabelUsage>[] = [];
    const probe = new ProbeStream();
    let probeLines = 0;
    const stream = new SamplerStream({
      onProbeLine: (line) => {
        probeLines++;
        probe.push(line);
      },
    });
    const stop = new AbortController();
    const stderr: string[] = [];
    // A known load beside the idle server: on a quiet machine a whole second can pass with no
    // CPU tick counted at all, and every sample must show the node's CPU.
    const busy = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    const exec = conn
      .exec(samplerArgv(runDir, 1, deployment?.probePath), {
        signal: stop.signal,
        onLine: (line, from) => {
          if (from === 'stderr') {
            stderr.push(line);
            return;
          }
          const s = stream.push(line);
          if (s) {
            samples.push(s);
            usage.push(stream.lastByLabel);
          }
        },
      })
      .catch((error: unknown) => error);
    // An idle server uses well under 1 % of a core, counted in 10 ms ticks: a couple of
    // seconds can show none, so sample until its CPU has shown up (bounded as before).
    const serverCpu = (): number => usage.reduce((a, u) => a + (u.server?.cores ?? 0), 0);
    try {
      await until('3 samples with server CPU', () => (samples.length >= 3 && serverCpu() > 0 ? true : null), 60_000);
    } finally {
      busy.kill('SIGKILL');
      stop.abort();
      await exec;
    }

    expect(stderr).toEqual([]);
    expect(stream.counters.badLines).toBe(0);
    expect(stream.facts?.cores).toBeGreaterThan(0);
    for (const s of samples) {
      expect(s.memTotal).toBe(meminfoTotalBytes());
      expect(s.memProc).toBeGreaterThan(10 * 1024 * 1024);
      expect(s.cpu).toBeGreaterThan(0);
    }
    // The server is a child of the spawn wrapper (the pid file's group leader): it must be found.
    expect(serverCpu()).toBeGreaterThan(0);
    expect(samples.reduce((a, s) => a + s.cpuProc, 0)).toBeGreaterThan(0);
    expect(probeLines).toBeGreaterThan(10);
    expect(probe.counters.badLines).toBe(0);
    expect(probe.counters.steps).toBeGreaterThan(10);
  });

  it('lets build bots join with empty passwords and edit the world; the log and the probe see them', async () => {
    const swarm = new Swarm({
      host: '127.0.0.1',
      port: deployment?.port ?? 0,
      bots: 2,
      behaviour: 'build',
      prefix: 'lt',
    });
    let mapEdits = 0;
    try {
      swarm.start();
      await until('2 bots joined', () => (swarm.count('joined') === 2 ? true : null), 90_000);
      await until('map edits', () => {
        mapEdits += swarm.statsLine().mapEdits;
        return mapEdits > 0 ? true : null;
      });
      await until('2 join lines', () => (events.filter((e) => e.type === 'join').length >= 2 ? true : null));
      const players = await until('the probe counting 2 players', () => {
        const steps = parseProbeText(readFileSync(deployment?.probePath ?? '', 'utf8')).steps;
        return steps.some((s) => s.players === 2) ? 2 : null;
      });
      expect(players).toBe(2);
    } finally {
      await swarm.stop();
    }
    const joins = events.filter((e) => e.type === 'join');
    expect(joins.map((e) => (e.type === 'join' ? e.name : '')).sort()).toEqual(['lt1', 'lt2']);
    await until('2 leave lines', () => (events.filter((e) => e.type === 'leave').length >= 2 ? true : null));
    expect(swarm.count('failed')).toBe(0);
  });

  it('stops cleanly and says so in its log', async () => {
    await server?.stop(10_000);
    const code = await server?.exited;
    expect(code === 0 || code === 143 || code === null).toBe(true);
    const log = readFileSync(deployment?.logPath ?? '', 'utf8').split('\n');
    expect(log.map(parseServerLogLine).some((e) => e?.type === 'shutdown')).toBe(true);
  });
});
