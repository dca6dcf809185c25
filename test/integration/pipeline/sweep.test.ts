import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runResultSchema, type RunResult } from '../../../src/jobs/benchmark/run-result.js';
import { haveBundle, processesOfRun } from './pipeline-support.js';

const CLI = new URL('../../../src/cli.ts', import.meta.url).pathname;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** `msg` of every pino line on stderr. */
  logs: { msg: string; allocation?: string; step?: string }[];
}

/** `luanti-bench run` as a child process; `onStderr` may signal it. Always killed at the end. */
async function runCli(
  args: string[],
  env: Record<string, string>,
  onStderr?: (stderr: string, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', ...args], {
    env: { ...process.env, BASELINE_S: '1', METRICS_GATE_S: '5', LOG_LEVEL: 'info', CI: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    onStderr?.(stderr, (signal) => child.kill(signal));
  });
  try {
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const logs = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as CliRun['logs'][number]);
    return { code, stdout, stderr, logs };
  } finally {
    child.kill('SIGKILL');
  }
}

async function stepResult(out: string, dir: string): Promise<RunResult> {
  return runResultSchema.parse(JSON.parse(await readFile(join(out, dir, 'result.json'), 'utf8')));
}

describe.skipIf(!haveBundle || !existsSync('/usr/games/minetestserver'))(
  'luanti-bench run --sweep (CLI process)',
  () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lbp-sweep-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('bots=2,4 on 2 local nodes: two step results, sweep.png and sweep.txt, one reservation', async () => {
      const out = join(dir, 'ok');
      const workdir = join(dir, 'ok-work');
      const run = await runCli(
        ['--nodes', '2', '--sweep', 'bots=2,4', '--duration', '6', '--cluster', 'local', '--out', out],
        { REMOTE_WORKDIR: workdir },
      );
      expect(run.code, run.stderr.slice(-2000)).toBe(0);

      const s1 = await stepResult(out, 'step-1-bots-2');
      const s2 = await stepResult(out, 'step-2-bots-4');
      const base = s1.runId.replace(/-s1$/, '');
      expect(base).toMatch(/^cli-\d{8}-\d{6}Z$/);
      expect(s2.runId).toBe(`${base}-s2`);
      for (const [r, bots] of [
        [s1, 2],
        [s2, 4],
      ] as const) {
        expect(r.state).toBe('completed');
        expect(r.spec.bots).toBe(bots);
        expect(r.swarm.joined).toBe(bots);
        expect(r.spec.durationS).toBe(6);
        expect(r.spec.nodes).toBe(2);
      }
      expect((await readFile(join(out, 'step-1-bots-2', 'chart.png'))).subarray(0, 8)).toEqual(PNG_MAGIC);

      const png = await readFile(join(out, 'sweep.png'));
      expect(png.subarray(0, 8)).toEqual(PNG_MAGIC);
      const table = await readFile(join(out, 'sweep.txt'), 'utf8');
      expect(table).toContain(`allocation luanti-bench-${base} reserved 1 time(s)`);
      expect(table).toMatch(new RegExp(`^\\s*2\\s+${s1.runId}\\s+2\\s`, 'm'));
      expect(table).toMatch(new RegExp(`^\\s*4\\s+${s2.runId}\\s+4\\s`, 'm'));
      expect(run.stdout).toContain(table.trimEnd());

      // One real reservation under the sweep's id, reused by step 2, released once at the end.
      const held = run.logs.filter((l) => /held allocation/.test(l.msg));
      expect(held.map((l) => [l.msg, l.allocation, l.step])).toEqual([
        ['reserved held allocation', `luanti-bench-${base}`, s1.runId],
        ['reusing held allocation', `luanti-bench-${base}`, s2.runId],
        ['released held allocation', `luanti-bench-${base}`, undefined],
      ]);
      for (const node of ['local1', 'local2']) expect(await readdir(join(workdir, node))).toEqual([]);
    });

    it('a failing step is recorded and the sweep goes on; the table marks it', async () => {
      const out = join(dir, 'fail');
      const run = await runCli(
        [
          '--nodes',
          '2',
          '--sweep',
          'bots=2,3',
          '--duration',
          '6',
          '--cluster',
          'local',
          '--bot-command',
          '["false"]',
          '--out',
          out,
        ],
        { REMOTE_WORKDIR: join(dir, 'fail-work') },
      );
      expect(run.code, run.stderr.slice(-2000)).toBe(1);
      const s1 = await stepResult(out, 'step-1-bots-2');
      const s2 = await stepResult(out, 'step-2-bots-3');
      expect([s1.state, s2.state]).toEqual(['failed', 'failed']);
      const table = await readFile(join(out, 'sweep.txt'), 'utf8');
      expect(table).toContain('2/2 steps run');
      expect(table).toMatch(/FAILED step 1 \(bots=2, cli-\S+-s1\) in swarm: /);
      expect(table).toMatch(/FAILED step 2 \(bots=3, cli-\S+-s2\) in swarm: /);
      expect(run.logs.filter((l) => l.msg === 'reserved held allocation')).toHaveLength(1);
      expect(run.logs.filter((l) => l.msg === 'released held allocation')).toHaveLength(1);
    });

    it('SIGINT during step 1 cancels it and the rest, still releases the held allocation, exit 130', async () => {
      const out = join(dir, 'int');
      const workdir = join(dir, 'int-work');
      let sent = false;
      const run = await runCli(
        ['--nodes', '2', '--sweep', 'bots=2,4', '--duration', '60', '--cluster', 'local', '--out', out],
        { REMOTE_WORKDIR: workdir },
        (stderr, kill) => {
          // Non-TTY stderr gets plain lines; the first live load line means step 1 is loading.
          if (!sent && /\n {2}load \d+\/60 s/.test(stderr)) {
            sent = true;
            kill('SIGINT');
          }
        },
      );
      expect(sent, run.stderr.slice(-2000)).toBe(true);
      expect(run.code, run.stderr.slice(-2000)).toBe(130);
      const s1 = await stepResult(out, 'step-1-bots-2');
      expect(s1.state).toBe('cancelled');
      expect(s1.teardown.every((t) => t.ok)).toBe(true);
      expect(existsSync(join(out, 'step-2-bots-4'))).toBe(false);
      const table = await readFile(join(out, 'sweep.txt'), 'utf8');
      expect(table).toContain('1/2 steps run');
      expect(table).toMatch(/CANCELLED step 1 \(bots=2/);
      expect(table).toContain('SKIP step 2 (bots=4): not run, the sweep was cancelled');
      expect(run.logs.filter((l) => l.msg === 'released held allocation')).toHaveLength(1);
      expect(await processesOfRun(s1.runId)).toEqual([]);
      for (const node of ['local1', 'local2']) expect(await readdir(join(workdir, node))).toEqual([]);
    });
  },
);
