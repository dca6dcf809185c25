// npm run bench:swarm [-- --seconds 60 --sizes 100,200]
// Walking bots against a real minetestserver on this machine: swarm CPU core-ms per player-second,
// RSS per bot and packets per second, measured over a steady window after every bot joined.
// The swarm runs as the bundle under plain node, as on a bot node.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createVerifier, SrpClient } from '../src/swarm/protocol/srp.js';
import { parseSwarmLine, type SwarmStatsLine } from '../src/swarm/stats.js';
import { startTestServer } from '../test/integration/swarm/luanti-test-server.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, sizes: { type: 'string', default: '100,200' } },
});
const WINDOW_S = Number(values.seconds);
const SIZES = values.sizes.split(',').map(Number);
const TICKS = 100; // USER_HZ on Linux

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 0, utime 11, stime 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Row {
  bots: number;
  joined: number;
  cpuMsPerPlayerS: number;
  serverCpuCores: number;
  rssMb: number;
  rssPerBotKb: number;
  pktInPerS: number;
  pktOutPerS: number;
  blocksPerS: number;
  rttP50: number | null;
  rttP95: number | null;
}

async function run(bots: number): Promise<Row> {
  const server = await startTestServer({ max_users: bots + 10 });
  const lines: SwarmStatsLine[] = [];
  const proc = spawn(
    process.execPath,
    [
      'dist/swarm.bundle.mjs',
      '--server',
      `127.0.0.1:${server.port}`,
      '--bots',
      String(bots),
      '--ramp',
      '20',
      '--duration',
      '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let buf = '';
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = parseSwarmLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (l?.kind === 'stats') lines.push(l);
    }
  });
  try {
    const deadline = Date.now() + 180_000;
    while ((lines.at(-1)?.joined ?? 0) + (lines.at(-1)?.failed ?? 0) < bots && Date.now() < deadline) await sleep(500);
    await sleep(3000);
    const pid = proc.pid!;
    const from = lines.length;
    const c0 = cpuMs(pid);
    const s0 = cpuMs(server.pid);
    const t0 = performance.now();
    await sleep(WINDOW_S * 1000);
    const c1 = cpuMs(pid);
    const s1 = cpuMs(server.pid);
    const elapsedS = (performance.now() - t0) / 1000;
    const rss = rssBytes(pid);
    const window = lines.slice(from);
    const sum = (k: 'rxPackets' | 'txPackets' | 'blocks'): number => window.reduce((n, l) => n + l[k], 0);
    const spanS = window.reduce((n, l) => n + l.intervalMs, 0) / 1000 || elapsedS;
    const joined = lines.at(-1)?.joined ?? 0;
    const median = (k: 'rttP50Ms' | 'rttP95Ms'): number | null => {
      const v = window
        .map((l) => l[k])
        .filter((x): x is number => x !== null)
        .sort((a, b) => a - b);
      return v.length ? v[Math.floor(v.length / 2)]! : null;
    };
    return {
      bots,
      joined,
      cpuMsPerPlayerS: (c1 - c0) / (Math.max(1, joined) * elapsedS),
      serverCpuCores: (s1 - s0) / 1000 / elapsedS,
      rssMb: rss / 2 ** 20,
      rssPerBotKb: rss / 1024 / bots,
      pktInPerS: sum('rxPackets') / spanS,
      pktOutPerS: sum('txPackets') / spanS,
      blocksPerS: sum('blocks') / spanS,
      rttP50: median('rttP50Ms'),
      rttP95: median('rttP95Ms'),
    };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    await server.stop();
  }
}

function srpFigures(): string {
  const n = 20;
  let t = performance.now();
  for (let i = 0; i < n; i++) createVerifier(`bot${i}`, 'pw');
  const reg = (performance.now() - t) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) {
    const c = new SrpClient(`bot${i}`, 'pw');
    c.proof(Buffer.alloc(16, 1), c.publicA);
  }
  const login = (performance.now() - t) / n;
  return `SRP (BigInt): register ${reg.toFixed(1)} ms, login ${login.toFixed(1)} ms per bot (wall time, mean of ${n})`;
}

execFileSync(process.execPath, ['scripts/bundle-swarm.mjs'], { stdio: 'inherit' });
process.stdout.write(`${srpFigures()}\nloadavg before: ${readFileSync('/proc/loadavg', 'utf8').trim()}\n`);
const rows: Row[] = [];
for (const n of SIZES) rows.push(await run(n));
const f = (v: number | null, d = 2): string => (v === null ? '-' : v.toFixed(d));
process.stdout.write(
  `\nwalking bots, ${WINDOW_S} s window after all joined (goal ≤ 1 core-ms per player-second)\n` +
    'bots  joined  swarm core-ms/player-s  server cores  swarm RSS MB  RSS/bot KB  pkt in/s  pkt out/s  blocks/s  RTT p50/p95 ms\n' +
    rows
      .map(
        (r) =>
          `${String(r.bots).padEnd(6)}${String(r.joined).padEnd(8)}${f(r.cpuMsPerPlayerS, 3).padEnd(24)}${f(r.serverCpuCores).padEnd(14)}` +
          `${f(r.rssMb, 1).padEnd(14)}${f(r.rssPerBotKb, 0).padEnd(12)}${f(r.pktInPerS, 0).padEnd(10)}${f(r.pktOutPerS, 0).padEnd(11)}${f(r.blocksPerS, 0).padEnd(10)}${f(r.rttP50, 1)}/${f(r.rttP95, 1)}`,
      )
      .join('\n') +
    `\nloadavg after: ${readFileSync('/proc/loadavg', 'utf8').trim()}\n`,
);
