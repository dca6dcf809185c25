import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkLuantiServer, checkNodeVersion, checkRedis, formatChecks, runDoctor } from '../../src/doctor.js';

describe('doctor', () => {
  it('accepts this Node and refuses an old one with a fix', () => {
    expect(checkNodeVersion().ok).toBe(true);
    const old = checkNodeVersion('18.19.0');
    expect(old.ok).toBe(false);
    expect(old.fix).toMatch(/20\.19/);
  });

  it('reaches the real Redis and reports a dead one with the URL', async () => {
    expect((await checkRedis('redis://127.0.0.1:6379')).ok).toBe(true);
    const dead = await checkRedis('redis://127.0.0.1:1', 1000);
    expect(dead.ok).toBe(false);
    expect(dead.detail).toContain('redis://127.0.0.1:1');
  });

  it('reads the Luanti server version, and names a missing binary', async () => {
    const real = await checkLuantiServer('/usr/games/minetestserver');
    expect(real.ok).toBe(true);
    expect(real.detail).toMatch(/Minetest 5\.\d+/);
    const missing = await checkLuantiServer('/nonexistent/minetestserver');
    expect(missing).toMatchObject({ ok: false, detail: '/nonexistent/minetestserver not found' });
  });

  it('asks for known_hosts when the cluster uses SSH, one line per check', async () => {
    const results = await runDoctor(loadConfig({ CLUSTER: 'slurm', SSH_KEY: '/nonexistent/key' }));
    const text = formatChecks(results);
    expect(text).toMatch(/^❌ known_hosts: SSH_KNOWN_HOSTS is not set/m);
    expect(text).toMatch(/^❌ SSH key: \/nonexistent\/key: ENOENT — fix:/m);
    expect(text).toMatch(/^✅ Redis/m);
    expect(text.split('\n')).toHaveLength(results.length);
  });
});
