import { describe, expect, it } from 'vitest';
import {
  maxUsersFor,
  ServerConfigError,
  serverConfig,
  stepBudgetMs,
  worldMt,
} from '../../../src/luanti/server-config.js';
import { deploymentPaths, serverArgv } from '../../../src/luanti/deployment.js';

function settingsOf(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([\w.]+) = (.*)$/.exec(line);
    if (m?.[1]) map.set(m[1], m[2] ?? '');
  }
  return map;
}

describe('serverConfig', () => {
  it('fixes what a benchmark needs and leaves room above the bot count', () => {
    const conf = settingsOf(serverConfig({ port: 30005, bindAddress: '10.0.0.2', bots: 200, game: 'devtest' }));
    expect(conf.get('port')).toBe('30005');
    expect(conf.get('bind_address')).toBe('10.0.0.2');
    expect(conf.get('ipv6_server')).toBe('false');
    expect(conf.get('server_announce')).toBe('false');
    expect(Number(conf.get('max_users'))).toBeGreaterThanOrEqual(210);
    expect(conf.get('enable_damage')).toBe('false');
    expect(conf.get('creative_mode')).toBe('true');
    expect(conf.get('disallow_empty_password')).toBe('false');
    expect(conf.get('disable_anticheat')).toBe('true');
    expect(conf.get('default_game')).toBe('devtest');
    expect(conf.has('dedicated_server_step')).toBe(false);
  });

  it('appends the whitelisted settings after the fixed ones', () => {
    const text = serverConfig({
      port: 30000,
      bots: 5,
      game: 'minetest_game',
      settings: { dedicated_server_step: 0.05, mg_name: 'flat', active_block_range: 2 },
    });
    const conf = settingsOf(text);
    expect(conf.get('dedicated_server_step')).toBe('0.05');
    expect(conf.get('mg_name')).toBe('flat');
    expect(text.indexOf('active_block_range')).toBeGreaterThan(text.indexOf('max_users'));
    expect(conf.get('bind_address')).toBe('0.0.0.0');
    expect(conf.get('ipv6_server')).toBe('false');
    expect(settingsOf(serverConfig({ port: 1, bindAddress: '::1', bots: 0, game: 'x' })).get('ipv6_server')).toBe(
      'true',
    );
  });

  it('names every bad value and what is allowed', () => {
    const bad = () =>
      serverConfig({
        port: 70000,
        bindAddress: 'example.org',
        bots: -1,
        game: 'Bad Game',
        settings: { dedicated_server_step: 5 } as never,
      });
    expect(bad).toThrow(ServerConfigError);
    try {
      bad();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('port 70000: must be an integer from 1 to 65535');
      expect(message).toContain('bindAddress "example.org"');
      expect(message).toContain('bots -1');
      expect(message).toContain('game "Bad Game"');
      expect(message).toContain('dedicated_server_step 5');
    }
    expect(() =>
      serverConfig({ port: 1, bots: 1, game: 'g', settings: { secure_enable_security: false } as never }),
    ).toThrow(/allowed: dedicated_server_step/);
  });

  it('refuses settings that would smuggle lines into the file', () => {
    expect(() =>
      serverConfig({
        port: 1,
        bots: 1,
        game: 'g',
        settings: { mg_name: 'flat\nsecure.enable_security = false' } as never,
      }),
    ).toThrow(ServerConfigError);
  });

  it('derives margin and budget', () => {
    expect(maxUsersFor(0)).toBe(10);
    expect(maxUsersFor(1000)).toBe(1100);
    expect(stepBudgetMs(undefined)).toBe(90);
    expect(stepBudgetMs({ dedicated_server_step: 0.05 })).toBe(50);
  });
});

describe('worldMt and deployment paths', () => {
  it('writes a sqlite world of the game', () => {
    expect(worldMt('devtest')).toBe(
      'gameid = devtest\nbackend = sqlite3\nplayer_backend = sqlite3\nauth_backend = sqlite3\nmod_storage_backend = sqlite3\n',
    );
    expect(() => worldMt('../etc')).toThrow(/game "..\/etc"/);
  });

  it('keeps everything under the run directory, the probe output outside worldmods', () => {
    const paths = deploymentPaths('/tmp/luanti-bench/run-7/');
    expect(paths).toEqual({
      configPath: '/tmp/luanti-bench/run-7/minetest.conf',
      worldDir: '/tmp/luanti-bench/run-7/world',
      logPath: '/tmp/luanti-bench/run-7/server-debug.txt',
      probePath: '/tmp/luanti-bench/run-7/world/luanti-bench-probe.csv',
    });
    expect(serverArgv('/usr/games/minetestserver', paths, 'devtest', 30007)).toEqual([
      '/usr/games/minetestserver',
      '--config',
      paths.configPath,
      '--world',
      paths.worldDir,
      '--gameid',
      'devtest',
      '--port',
      '30007',
      '--logfile',
      paths.logPath,
    ]);
    expect(() => deploymentPaths('run-7')).toThrow(/absolute/);
  });
});
