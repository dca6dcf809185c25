import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, MissingSettingError, redactConfig, requireSetting } from '../../src/config.js';

describe('loadConfig', () => {
  it('fills defaults from an empty environment', () => {
    const config = loadConfig({});
    expect(config.CLUSTER).toBe('local');
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.BENCH_MAX_NODES).toBe(16);
    expect(config.DISCORD_ALLOWED_ROLES).toEqual([]);
    expect(config.SSH_TRUST_ON_FIRST_USE).toBe(false);
  });

  it('parses lists, numbers and booleans', () => {
    const config = loadConfig({
      DISCORD_ALLOWED_ROLES: '111111111111111111, 222222222222222222',
      BENCH_MAX_BOTS: '250',
      SSH_TRUST_ON_FIRST_USE: 'true',
    });
    expect(config.DISCORD_ALLOWED_ROLES).toEqual(['111111111111111111', '222222222222222222']);
    expect(config.BENCH_MAX_BOTS).toBe(250);
    expect(config.SSH_TRUST_ON_FIRST_USE).toBe(true);
  });

  it('names the variable, the value and what is allowed', () => {
    expect(() => loadConfig({ CLUSTER: 'kubernetes' })).toThrow(ConfigError);
    try {
      loadConfig({ CLUSTER: 'kubernetes', BENCH_MAX_NODES: '0' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('CLUSTER="kubernetes"');
      expect(message).toMatch(/local.*static.*slurm/);
      expect(message).toContain('BENCH_MAX_NODES="0"');
    }
  });

  it('never prints a secret, even when it is invalid or set', () => {
    const config = loadConfig({ DISCORD_TOKEN: 'sekrit-token', INFLUX_TOKEN: 'influx-sekrit' });
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toContain('sekrit');
    expect(shown).toContain('"DISCORD_TOKEN":"(set)"');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ CLUSTER: '' }).CLUSTER).toBe('local');
  });

  it('requireSetting names the missing key and why it is needed', () => {
    expect(() => requireSetting(loadConfig({}), 'DISCORD_TOKEN', 'to log in to Discord')).toThrow(MissingSettingError);
    expect(() => requireSetting(loadConfig({}), 'DISCORD_TOKEN', 'to log in to Discord')).toThrow(
      /DISCORD_TOKEN.*log in/,
    );
  });
});
