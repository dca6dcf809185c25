import { execFile } from 'node:child_process';
import { access, constants, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { Config } from './config.js';

const run = promisify(execFile);

/** Outcome of one environment check, with what to do when it failed. */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  /** How to fix it; present when `ok` is false. */
  fix?: string;
}

/** Node ≥ 20.19 (vitest, eslint and ioredis need it). */
export function checkNodeVersion(version: string = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  return ok
    ? { name: 'Node.js', ok, detail: `v${version}` }
    : { name: 'Node.js', ok, detail: `v${version} is too old`, fix: 'Install Node.js 20.19 or newer.' };
}

export async function checkRedis(url: string, timeoutMs = 3000): Promise<CheckResult> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined); // reported through the rejected connect below
  try {
    await redis.connect();
    const pong = await redis.ping();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { name: 'Redis', ok: pong === 'PONG', detail: `${url} answers (Redis ${version})` };
  } catch (error) {
    return {
      name: 'Redis',
      ok: false,
      detail: `${url} does not answer: ${(error as Error).message}`,
      fix: 'Start Redis (e.g. `redis-server --daemonize yes`) or set REDIS_URL.',
    };
  } finally {
    redis.disconnect();
  }
}

/** The Luanti server binary on this machine, and the version line it prints. */
export async function checkLuantiServer(bin: string): Promise<CheckResult> {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 10_000 });
    const line = stdout.split('\n').find((l) => /minetest|luanti/i.test(l)) ?? stdout.split('\n')[0] ?? '';
    return { name: 'Luanti server', ok: true, detail: `${bin}: ${line.trim()}` };
  } catch (error) {
    const code = (error as { code?: string | number }).code;
    return {
      name: 'Luanti server',
      ok: false,
      detail: code === 'ENOENT' ? `${bin} not found` : `${bin} --version failed: ${(error as Error).message}`,
      fix: 'apt-get install minetest-server (Debian), or set LUANTI_SERVER_BIN to the server binary.',
    };
  }
}

/** A file that must exist and be readable (SSH key, known_hosts). */
export async function checkReadableFile(name: string, path: string, fix: string): Promise<CheckResult> {
  try {
    await access(path, constants.R_OK);
    const text = await readFile(path, 'utf8');
    return { name, ok: true, detail: `${path} (${text.split('\n').filter((l) => l.trim()).length} lines)` };
  } catch (error) {
    return {
      name,
      ok: false,
      detail: `${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      fix,
    };
  }
}

/** Every check that applies to this configuration. */
export async function runDoctor(config: Config): Promise<CheckResult[]> {
  const checks: Promise<CheckResult>[] = [
    Promise.resolve(checkNodeVersion()),
    checkRedis(config.REDIS_URL),
    checkLuantiServer(config.LUANTI_SERVER_BIN),
  ];
  if (config.SSH_KEY) {
    checks.push(
      checkReadableFile('SSH key', config.SSH_KEY, 'Create one with `ssh-keygen -t ed25519` or fix SSH_KEY.'),
    );
  }
  if (config.SSH_KNOWN_HOSTS) {
    checks.push(
      checkReadableFile(
        'known_hosts',
        config.SSH_KNOWN_HOSTS,
        'Collect host keys with `ssh-keyscan HOST >> FILE`, or fix SSH_KNOWN_HOSTS.',
      ),
    );
  } else if (config.CLUSTER !== 'local') {
    checks.push(
      Promise.resolve({
        name: 'known_hosts',
        ok: false,
        detail: `SSH_KNOWN_HOSTS is not set but CLUSTER=${config.CLUSTER} connects over SSH`,
        fix: 'Set SSH_KNOWN_HOSTS to a known_hosts file with the nodes’ host keys.',
      }),
    );
  }
  return Promise.all(checks);
}

/** One line per check: ✅/❌ name: detail — fix. */
export function formatChecks(results: CheckResult[]): string {
  return results
    .map((r) => `${r.ok ? '✅' : '❌'} ${r.name}: ${r.detail}${r.ok || !r.fix ? '' : ` — fix: ${r.fix}`}`)
    .join('\n');
}
