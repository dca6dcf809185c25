import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResultSchema } from '../../../src/jobs/benchmark/run-result.js';
import { haveBundle } from './pipeline-support.js';

const CLI = new URL('../../../src/cli.ts', import.meta.url).pathname;

describe.skipIf(!haveBundle || !existsSync('/usr/games/minetestserver'))('luanti-bench run (CLI process)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbp-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('SIGTERM during load: teardown, result.json marked cancelled, exit code 143, nothing left', async () => {
    const out = join(dir, 'out');
    const workdir = join(dir, 'work');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'run',
        '--nodes',
        '2',
        '--bots',
        '3',
        '--duration',
        '120',
        '--cluster',
        'local',
        '--out',
        out,
      ],
      {
        env: { ...process.env, REMOTE_WORKDIR: workdir, BASELINE_S: '2', LOG_LEVEL: 'silent', CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          // Non-TTY stderr gets plain lines; the first live line means the load is running.
          if (/\n {2}load \d+\/120 s/.test(stderr)) resolve();
        });
        void exited.then(() => reject(new Error(`CLI exited before the load: ${stderr.slice(-500)}`)));
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toContain('SIGTERM: cancelling');
    const result = runResultSchema.parse(JSON.parse(await readFile(join(out, 'result.json'), 'utf8')));
    expect(result.state).toBe('cancelled');
    expect(result.runId).toMatch(/^cli-\d{8}-\d{6}Z$/);
    expect(result.teardown.every((t) => t.ok)).toBe(true);
    expect(stdout).toContain(`run ${result.runId}: CANCELLED`);
    for (const node of ['local1', 'local2']) expect(await readdir(join(workdir, node))).toEqual([]);
  });
});
