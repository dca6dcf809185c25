import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseServerLogLine, parseVersionLine, splitLogLine } from '../../../src/luanti/server-log.js';

// The real minetestserver 5.6.1: a normal start and stop, then a start on a port already taken.
const startLog = readFileSync(new URL('./fixtures/server-start.log', import.meta.url), 'utf8').split('\n');

describe('server log', () => {
  it('finds the listening line, the bind failure and the shutdown in a real log', () => {
    const events = startLog.map(parseServerLogLine).filter((e) => e !== null);
    expect(events[0]).toEqual({ type: 'listening', gameid: 'devtest', address: '127.0.0.1', port: 30911 });
    expect(events.map((e) => e.type)).toEqual([
      'listening',
      'shutdown',
      'bind_failed',
      'listening',
      'shutdown',
      'bind_failed',
    ]);
    expect(events.at(-1)).toEqual({
      type: 'bind_failed',
      message: 'ServerError: AsyncErr: Failed to bind socket (port already in use?)',
    });
  });

  it('reads real join and leave lines of two bots (5.6.1)', () => {
    const lines = readFileSync(new URL('./fixtures/server-joins.log', import.meta.url), 'utf8').split('\n');
    const events = lines.map(parseServerLogLine).filter((e) => e !== null && e.type !== 'listening');
    expect(events.slice(0, 4)).toEqual([
      { type: 'join', name: 'cap1', ip: '127.0.0.1', players: ['cap1'] },
      { type: 'join', name: 'cap2', ip: '127.0.0.1', players: ['cap1', 'cap2'] },
      { type: 'leave', name: 'cap1', players: [] },
      { type: 'leave', name: 'cap2', players: [] },
    ]);
  });

  it('reads an IPv6 listening address (printed without brackets)', () => {
    expect(
      parseServerLogLine('2026-12-04 20:09:36: ACTION[Main]: Server for gameid="devtest" listening on :::30000.'),
    ).toEqual({ type: 'listening', gameid: 'devtest', address: '::', port: 30000 });
  });

  it('reads joins, leaves and timeouts in the format of facts/luanti.md §3', () => {
    expect(
      parseServerLogLine(
        '2026-12-04 20:00:01: ACTION[Server]: bot1 [127.0.0.1] joins game. List of players: bot0 bot1',
      ),
    ).toEqual({
      type: 'join',
      name: 'bot1',
      ip: '127.0.0.1',
      players: ['bot0', 'bot1'],
    });
    expect(parseServerLogLine('2026-12-04 20:00:02: ACTION[Server]: bot1 leaves game. List of players: bot0 ')).toEqual(
      {
        type: 'leave',
        name: 'bot1',
        players: ['bot0'],
      },
    );
    expect(parseServerLogLine('2026-12-04 20:00:40: ACTION[Server]: bot0 times out. List of players: ')).toEqual({
      type: 'timeout',
      name: 'bot0',
      players: [],
    });
    expect(
      parseServerLogLine(
        '2026-12-04 20:00:03: ACTION[Server]: Server: bot99 tried to join from 10.0.0.3, but there are already max_users=15 players.',
      ),
    ).toEqual({ type: 'full', name: 'bot99' });
    expect(parseServerLogLine('2026-12-04 20:00:04: ERROR[Main]: ModError: something broke')).toEqual({
      type: 'error',
      message: 'ModError: something broke',
    });
    expect(parseServerLogLine('2026-12-04 20:00:05: ACTION[Server]: bot1 digs default:dirt at (1,2,3)')).toBeNull();
  });

  it('splits prefix and message, and leaves other lines whole', () => {
    expect(splitLogLine('2026-12-04 20:09:36: [Main]: Using game specified by --gameid on the command line')).toEqual({
      time: '2026-12-04 20:09:36',
      level: null,
      thread: 'Main',
      message: 'Using game specified by --gameid on the command line',
    });
    expect(splitLogLine('  _____ |__| ____').message).toBe('  _____ |__| ____');
  });

  it('reads the engine version', () => {
    expect(parseVersionLine('Minetest 5.6.1 (Linux)')).toEqual({ engine: 'Minetest', version: '5.6.1' });
    expect(parseVersionLine('Luanti 5.10.0-dev (Linux)')).toEqual({ engine: 'Luanti', version: '5.10.0-dev' });
    expect(parseVersionLine('Using LuaJIT 2.1.0-beta3')).toBeNull();
  });
});
