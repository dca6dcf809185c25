import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../../src/cluster/create-backend.js';
import { ConfigError, loadConfig, MissingSettingError } from '../../../src/config.js';
import { silentLogger } from '../../../src/log.js';

const dir = mkdtempSync(join(tmpdir(), 'lb-create-'));
const key = join(dir, 'id');
writeFileSync(key, 'not really a key, never used here');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const deps = { logger: silentLogger() };

describe('createBackend', () => {
  it('defaults to the local cluster', async () => {
    const backend = createBackend(loadConfig({}), deps);
    expect(backend.kind).toBe('local');
    await backend.close();
  });

  it('builds a slurm backend from SSH_* and SLURM_* without connecting yet', async () => {
    const backend = createBackend(
      loadConfig({
        CLUSTER: 'slurm',
        SSH_KEY: key,
        SSH_LOGIN_HOST: 'me@login.example:2222',
        SSH_KNOWN_HOSTS: join(dir, 'kh'),
      }),
      deps,
    );
    expect(backend.kind).toBe('slurm');
    await backend.close();
  });

  it('names what is missing or wrong', () => {
    expect(() => createBackend(loadConfig({ CLUSTER: 'slurm', SSH_KEY: key }), deps)).toThrow(MissingSettingError);
    expect(() => createBackend(loadConfig({ CLUSTER: 'slurm', SSH_KEY: key }), deps)).toThrow(
      /SSH_LOGIN_HOST is not set/,
    );
    expect(() => createBackend(loadConfig({ CLUSTER: 'slurm', SSH_LOGIN_HOST: 'login' }), deps)).toThrow(
      /SSH_KEY is not set/,
    );
    expect(() => createBackend(loadConfig({ CLUSTER: 'static', SSH_KEY: key }), deps)).toThrow(
      /STATIC_HOSTS is not set/,
    );
    expect(() => createBackend(loadConfig({ CLUSTER: 'static', SSH_KEY: key, STATIC_HOSTS: 'a,b' }), deps)).toThrow(
      /needs Redis/,
    );
    expect(() => createBackend(loadConfig({ CLUSTER: 'slurm', SSH_KEY: key, SSH_LOGIN_HOST: 'a b' }), deps)).toThrow(
      ConfigError,
    );
    expect(() => createBackend(loadConfig({ REMOTE_WORKDIR: 'relative/dir' }), deps)).toThrow(
      /REMOTE_WORKDIR="relative\/dir": must be an absolute path/,
    );
    expect(() =>
      createBackend(loadConfig({ CLUSTER: 'slurm', SSH_KEY: join(dir, 'missing'), SSH_LOGIN_HOST: 'l' }), deps),
    ).toThrow(/SSH_KEY=.*missing.*cannot read it/);
  });
});
