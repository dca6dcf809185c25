import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SwarmStatsLine } from '../../../src/swarm/stats.js';
import { Swarm } from '../../../src/swarm/swarm.js';
import { countLines, freeUdpPort, LUANTI_SERVER_BIN, startTestServer, type TestServer } from './luanti-test-server.js';
import { spawnSwarm, waitFor, type SwarmProcess } from './swarm-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const haveServer = existsSync(LUANTI_SERVER_BIN);

function finalLine(p: SwarmProcess): SwarmStatsLine | undefined {
  return p.lines.find((l): l is SwarmStatsLine => l.kind === 'stats' && l.final === true);
}

interface Pos {
  x: number;
  z: number;
}

/** First and last recorded position per player from the test mod's log. */
function positions(modLog: string): Map<string, { first: Pos; last: Pos }> {
  const out = new Map<string, { first: Pos; last: Pos }>();
  for (const line of modLog.split('\n')) {
    const m = /^pos (\S+) (\S+) (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    const p = { x: Number(m[2]), z: Number(m[4]) };
    const e = out.get(m[1]!);
    if (e) e.last = p;
    else out.set(m[1]!, { first: p, last: p });
  }
  return out;
}

describe.skipIf(!haveServer)('swarm against a real minetestserver 5.6', () => {
  let server: TestServer;
  const procs: SwarmProcess[] = [];
  const spawnTracked = (args: string[], opts?: { bundle?: boolean }): SwarmProcess => {
    const p = spawnSwarm(args, opts);
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await startTestServer({ max_users: 80 });
  });

  afterAll(async () => {
    for (const p of procs) p.kill();
    await server?.stop();
  });

  it('50 walkers join, walk away from spawn, builders edit the map, SIGTERM leaves cleanly', async () => {
    const addr = `127.0.0.1:${server.port}`;
    const walkers = spawnTracked([
      '--server',
      addr,
      '--bots',
      '50',
      '--prefix',
      'walker',
      '--ramp',
      '20',
      '--duration',
      '0',
      '--speed',
      '3',
    ]);
    const builders = spawnTracked([
      '--server',
      addr,
      '--bots',
      '3',
      '--prefix',
      'builder',
      '--behaviour',
      'build',
      '--ramp',
      '5',
      '--duration',
      '0',
    ]);
    const joined = await waitFor(
      () => countLines(server.log(), /: walker\d+ \[127\.0\.0\.1\] joins game/) >= 50,
      90_000,
    );
    expect(joined, `server log:\n${server.log().slice(-2000)}\nswarm:\n${walkers.stderr()}`).toBe(true);
    const at = Date.now();
    // Positions as the server sees them, 10 s after the last join.
    await waitFor(() => Date.now() - at > 10_000, 11_000);
    const pos = positions(await server.modLog());
    const moved = [...pos]
      .filter(([name]) => name.startsWith('walker'))
      .map(([, p]) => Math.hypot(p.last.x - p.first.x, p.last.z - p.first.z));
    expect(moved.length).toBe(50);
    expect(moved.filter((d) => d > 3).length).toBeGreaterThanOrEqual(45);
    const edits = await waitFor(async () => /^dig builder\d+ /m.test(await server.modLog()), 30_000);
    const modLog = await server.modLog();
    expect(countLines(modLog, /^place builder\d+ /)).toBeGreaterThan(0);
    expect(edits).toBe(true);

    const live = walkers.lines.filter((l): l is SwarmStatsLine => l.kind === 'stats' && !l.final).at(-1);
    expect(live?.joined).toBe(50);
    expect(live?.posUpdates).toBeGreaterThan(0);
    // Map blocks keep arriving because they are acknowledged (GOTBLOCKS) while walkers move.
    expect(walkers.lines.reduce((n, l) => n + (l.kind === 'stats' ? l.blocks : 0), 0)).toBeGreaterThan(50 * 40);
    expect(live?.rttP50Ms).not.toBeNull();

    walkers.proc.kill('SIGTERM');
    builders.proc.kill('SIGTERM');
    expect((await walkers.exited).code).toBe(0);
    await builders.exited;
    const left = await waitFor(() => countLines(server.log(), /: walker\d+ leaves game/) >= 50, 15_000);
    expect(left).toBe(true);
    expect(countLines(server.log(), /times out/)).toBe(0);
    const fin = finalLine(walkers);
    expect(fin?.everJoined).toBe(50);
    expect(fin?.left).toBe(50);
    expect(fin?.failed).toBe(0);
  });

  it('an existing account: the right password logs in (SRP), a wrong one fails "wrong password"', async () => {
    const addr = `127.0.0.1:${server.port}`;
    const register = spawnTracked([
      '--server',
      addr,
      '--bots',
      '1',
      '--prefix',
      'acct',
      '--behaviour',
      'idle',
      '--password',
      'sesame',
      '--duration',
      '2',
    ]);
    expect((await register.exited).code).toBe(0);
    expect(finalLine(register)?.everJoined).toBe(1);
    // The server must have processed the leave before the same name logs in again ("already connected" otherwise).
    expect(await waitFor(() => countLines(server.log(), /: acct1 leaves game/) >= 1, 15_000)).toBe(true);

    const login = spawnTracked([
      '--server',
      addr,
      '--bots',
      '1',
      '--prefix',
      'acct',
      '--behaviour',
      'idle',
      '--password',
      'sesame',
      '--duration',
      '2',
    ]);
    expect((await login.exited).code).toBe(0);
    expect(finalLine(login)?.everJoined).toBe(1);
    expect(await waitFor(() => countLines(server.log(), /: acct1 leaves game/) >= 2, 15_000)).toBe(true);

    const wrong = spawnTracked([
      '--server',
      addr,
      '--bots',
      '1',
      '--prefix',
      'acct',
      '--behaviour',
      'idle',
      '--password',
      'open',
      '--duration',
      '20',
    ]);
    const res = await wrong.exited;
    expect(res.code).toBe(1);
    expect(finalLine(wrong)?.failedByReason).toEqual({ 'wrong-password': 1 });
    expect(wrong.stderr()).toMatch(/0\/1 bots joined; failed: 1 wrong password/);
    expect(server.log()).toMatch(/User acct1 at \S+ supplied wrong password/);
  });

  it('--wait-for-go: a ready line, nobody joins until "go" on stdin; SIGINT leaves cleanly', async () => {
    const addr = `127.0.0.1:${server.port}`;
    const p = spawnTracked([
      '--server',
      addr,
      '--bots',
      '2',
      '--prefix',
      'gate',
      '--behaviour',
      'idle',
      '--wait-for-go',
      '--duration',
      '0',
    ]);
    expect(await waitFor(() => p.lines.some((l) => l.kind === 'ready'), 30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    expect(countLines(server.log(), /: gate\d+ \[127\.0\.0\.1\] joins game/)).toBe(0);
    p.proc.stdin?.write('go\n');
    expect(await waitFor(() => countLines(server.log(), /: gate\d+ \[127\.0\.0\.1\] joins game/) === 2, 30_000)).toBe(
      true,
    );
    p.proc.kill('SIGINT');
    expect((await p.exited).code).toBe(0);
    expect(finalLine(p)?.left).toBe(2);
    expect(await waitFor(() => countLines(server.log(), /: gate\d+ leaves game/) === 2, 10_000)).toBe(true);
  });

  it('a walker faster than the anticheat allows is reset by the server and adopts the correction', async () => {
    // Only the Swarm class allows this speed; the CLI refuses more than 4 nodes/s.
    const swarm = new Swarm({ host: '127.0.0.1', port: server.port, bots: 1, prefix: 'speeder', walkSpeed: 15 });
    swarm.start();
    try {
      expect(await waitFor(() => /speeder1 moved too fast/.test(server.log()), 60_000)).toBe(true);
      expect(await waitFor(() => swarm.bots[0]!.corrections > 0, 10_000)).toBe(true);
      expect(swarm.bots[0]!.state).toBe('joined');
    } finally {
      await swarm.stop();
    }
    expect(swarm.bots[0]!.state).toBe('left');
  });

  it('a name already in game fails "bad name" (code 8, already connected)', async () => {
    const first = new Swarm({ host: '127.0.0.1', port: server.port, bots: 1, prefix: 'twin', behaviour: 'idle' });
    const second = new Swarm({ host: '127.0.0.1', port: server.port, bots: 1, prefix: 'twin', behaviour: 'idle' });
    first.start();
    try {
      expect(await waitFor(() => first.count('joined') === 1, 30_000)).toBe(true);
      second.start();
      expect(await waitFor(() => second.count('failed') === 1, 30_000)).toBe(true);
      expect(second.bots[0]!.failure).toEqual({ reason: 'bad-name', detail: 'already connected' });
      expect(first.count('joined')).toBe(1);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });

  it('no server: every bot fails "no response from server" and the bundle exits non-zero with a summary', async () => {
    execFileSync(process.execPath, ['scripts/bundle-swarm.mjs'], { cwd: ROOT });
    expect(
      execFileSync(process.execPath, ['dist/swarm.bundle.mjs', '--version'], { cwd: ROOT }).toString().trim(),
    ).toMatch(/^\d+\.\d+\.\d+/);
    const port = await freeUdpPort();
    const started = Date.now();
    const p = spawnTracked(['--server', `127.0.0.1:${port}`, '--bots', '4', '--ramp', '20', '--duration', '120'], {
      bundle: true,
    });
    const res = await p.exited;
    const took = Date.now() - started;
    expect(res.code).toBe(1);
    expect(finalLine(p)?.failedByReason).toEqual({ 'no-response': 4 });
    const summary = p.stderr().trim().split('\n');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/0\/4 bots joined; failed: 4 no response from server/);
    // Bound: the 10 s connect timeout, not the 120 s duration (generous for a loaded machine).
    expect(took).toBeLessThan(60_000);
  });
});

describe.skipIf(!haveServer)('swarm against a full server (max_users = 5)', () => {
  let server: TestServer;
  const procs: SwarmProcess[] = [];

  beforeAll(async () => {
    server = await startTestServer({ max_users: 5 });
  });

  afterAll(async () => {
    for (const p of procs) p.kill();
    await server?.stop();
  });

  it('8 bots: 5 join, 3 fail "server full", and the summary says so', async () => {
    const p = spawnSwarm([
      '--server',
      `127.0.0.1:${server.port}`,
      '--bots',
      '8',
      '--behaviour',
      'idle',
      '--ramp',
      '10',
      '--duration',
      '0',
    ]);
    procs.push(p);
    const settled = await waitFor(() => {
      const last = p.lines.at(-1);
      return last?.kind === 'stats' && last.joined === 5 && last.failed === 3;
    }, 60_000);
    expect(settled, p.stderr()).toBe(true);
    p.proc.kill('SIGTERM');
    const res = await p.exited;
    expect(res.code).toBe(0);
    const fin = finalLine(p);
    expect(fin?.failedByReason).toEqual({ 'server-full': 3 });
    expect(fin?.everJoined).toBe(5);
    expect(p.stderr()).toMatch(/5\/8 bots joined; failed: 3 server full/);
    expect(countLines(server.log(), /tried to join from .* but there are already max_users=5 players/)).toBe(3);
  });

  it('the server shutting down: every bot fails "server shut down" and the swarm exits non-zero by itself', async () => {
    const p = spawnSwarm([
      '--server',
      `127.0.0.1:${server.port}`,
      '--bots',
      '2',
      '--prefix',
      'late',
      '--behaviour',
      'idle',
      '--duration',
      '0',
    ]);
    procs.push(p);
    expect(await waitFor(() => countLines(server.log(), /: late\d+ \[127\.0\.0\.1\] joins game/) === 2, 30_000)).toBe(
      true,
    );
    await server.stop();
    const res = await p.exited;
    expect(res.code).toBe(1);
    expect(finalLine(p)?.failedByReason).toEqual({ 'server-shutdown': 2 });
    expect(p.stderr()).toMatch(/2\/2 bots joined; failed: 2 server shut down/);
  });
});
