import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const LUANTI_SERVER_BIN = '/usr/games/minetestserver';

/** A throw-away minetestserver on 127.0.0.1 with a fresh devtest world and a mod that logs positions and map edits. */
export interface TestServer {
  port: number;
  pid: number;
  dir: string;
  /** Server log so far (stdout + stderr). */
  log(): string;
  /** Lines of the test mod: `pos <name> x y z` every second, `place|dig <name> x y z <node>`. */
  modLog(): Promise<string>;
  stop(): Promise<void>;
}

// Writes positions once a second and every place/dig to <world>/benchtest.log (mod security allows
// writing inside the world dir).
const MOD = `
local f = io.open(minetest.get_worldpath() .. "/benchtest.log", "a")
local acc = 0
minetest.register_globalstep(function(dtime)
  acc = acc + dtime
  if acc < 1 then return end
  acc = 0
  for _, p in ipairs(minetest.get_connected_players()) do
    local pos = p:get_pos()
    f:write(string.format("pos %s %.2f %.2f %.2f\\n", p:get_player_name(), pos.x, pos.y, pos.z))
  end
  f:flush()
end)
minetest.register_on_placenode(function(pos, node, placer)
  f:write(string.format("place %s %d %d %d %s\\n", placer and placer:get_player_name() or "?", pos.x, pos.y, pos.z, node.name))
  f:flush()
end)
minetest.register_on_dignode(function(pos, node, digger)
  f:write(string.format("dig %s %d %d %d %s\\n", digger and digger:get_player_name() or "?", pos.x, pos.y, pos.z, node.name))
  f:flush()
end)
`;

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startTestServer(settings: Record<string, string | number | boolean> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'luanti-bench-swarm-'));
  const world = join(dir, 'world');
  await mkdir(join(world, 'worldmods', 'benchtest'), { recursive: true });
  await writeFile(
    join(world, 'world.mt'),
    'gameid = devtest\nbackend = sqlite3\nplayer_backend = sqlite3\nauth_backend = sqlite3\n',
  );
  await writeFile(join(world, 'worldmods', 'benchtest', 'mod.conf'), 'name = benchtest\n');
  await writeFile(join(world, 'worldmods', 'benchtest', 'init.lua'), MOD);
  const conf: Record<string, string | number | boolean> = {
    server_announce: false,
    bind_address: '127.0.0.1',
    max_users: 15,
    enable_damage: false,
    creative_mode: true,
    mg_name: 'flat',
    ...settings,
  };
  await writeFile(
    join(dir, 'minetest.conf'),
    Object.entries(conf)
      .map(([k, v]) => `${k} = ${String(v)}\n`)
      .join(''),
  );
  let proc: ChildProcess | null = null;
  let output = '';
  let port = 0;
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      port = await freeUdpPort();
      output = '';
      const p = spawn(
        LUANTI_SERVER_BIN,
        [
          '--world',
          world,
          '--gameid',
          'devtest',
          '--config',
          join(dir, 'minetest.conf'),
          '--port',
          String(port),
          '--logfile',
          '',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      proc = p;
      p.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      p.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const up = await new Promise<boolean>((resolve) => {
        const timer = setInterval(() => {
          if (/listening on/.test(output)) done(true);
        }, 100);
        const done = (v: boolean): void => {
          clearInterval(timer);
          clearTimeout(limit);
          p.off('exit', onExit);
          resolve(v);
        };
        const onExit = (): void => done(false);
        const limit = setTimeout(() => done(false), 60_000);
        p.once('exit', onExit);
      });
      if (up) break;
      p.kill('SIGKILL');
      proc = null;
    }
    if (!proc)
      throw new Error(`minetestserver did not start; last output:\n${output.split('\n').slice(-15).join('\n')}`);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const child = proc;
  return {
    port,
    pid: child.pid ?? 0,
    dir,
    log: () => output,
    modLog: async () => readFile(join(world, 'benchtest.log'), 'utf8').catch(() => ''),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Lines of `log` matching `re`. */
export function countLines(log: string, re: RegExp): number {
  return log.split('\n').filter((l) => re.test(l)).length;
}
