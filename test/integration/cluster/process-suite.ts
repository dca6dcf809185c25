import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { CommandError } from '../../../src/cluster/command-error.js';
import type { NodeConnection } from '../../../src/cluster/node.js';
import { startProcess, type ProcessHost } from '../../../src/cluster/remote-process.js';
import { writeTextFiles } from '../../../src/cluster/write-text-files.js';

/** Values that would run something if they ever reached a shell unquoted. */
export function nastyValues(marker: string): string[] {
  return [`$(touch ${marker})`, `\`touch ${marker}\``, `it's "quoted"`, 'line one\nline two', '; echo pwned', '$HOME'];
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Behaviour every {@link NodeConnection} must show, local or over SSH: the same
 * process-group scheme underneath. `node()` is called inside each test.
 */
export function processBehaviour(node: () => NodeConnection): void {
  const run = (): string => `t-${randomUUID().slice(0, 8)}`;

  it('exec returns output and exit status; failures are CommandErrors naming host and meaning', async () => {
    const n = node();
    const ok = await n.exec(['sh', '-c', 'echo out; echo err >&2']);
    expect(ok).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n' });
    const soft = await n.exec(['sh', '-c', 'exit 3'], { allowFailure: true });
    expect(soft.code).toBe(3);
    const killed = await n.exec(['sh', '-c', 'kill -KILL $$'], { allowFailure: true });
    expect(killed.code).toBe(137);
    const terminated = await failureOf(n.exec(['sh', '-c', 'kill -TERM $$']));
    expect((terminated as CommandError).code).toBe(143);
    expect(terminated.message).toContain('terminated (SIGTERM)');
    const missing = await n.exec(['no-such-command-lb'], {}).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CommandError);
    expect((missing as CommandError).code).toBe(127);
    expect((missing as CommandError).host).toBe(n.name);
    expect((missing as CommandError).message).toContain('command not found');
  });

  it('exec streams lines, feeds stdin, and passes metacharacters literally', async () => {
    const n = node();
    const marker = `/tmp/lb-pwned-${randomUUID()}`;
    const values = nastyValues(marker);
    const lines: string[] = [];
    const result = await n.exec(['sh', '-c', 'printf "%s\\n" "$@"; cat', 'sh', ...values], {
      stdin: 'from stdin\n',
      onLine: (line, stream) => stream === 'stdout' && lines.push(line),
    });
    expect(result.stdout).toBe(`${values.join('\n')}\nfrom stdin\n`);
    expect(lines).toEqual([...values.flatMap((v) => v.split('\n')), 'from stdin']);
    const check = await n.exec(['sh', '-c', 'test -e "$1" && echo exists || echo absent', 'sh', marker]);
    expect(check.stdout.trim()).toBe('absent');
  });

  it('exec timeout kills the command and its children', async () => {
    const n = node();
    const file = `/tmp/lb-timeout-${randomUUID()}`;
    const error = await failureOf(
      n.exec(['sh', '-c', 'sleep 300 & echo $! > "$1"; wait', 'sh', file], { timeoutMs: 1500 }),
    );
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).code).toBe(124);
    expect(error.message).toMatch(/timed out after 1.5 s/);
    const child = (await n.exec(['cat', file])).stdout.trim();
    await until(
      async () => (await n.exec(['kill', '-0', child], { allowFailure: true })).code !== 0,
      'the child of the timed-out command to die',
    );
    await n.exec(['rm', '-f', file]);
  });

  it('exec abort kills the remote command', async () => {
    const n = node();
    const file = `/tmp/lb-abort-${randomUUID()}`;
    const controller = new AbortController();
    const pending = n.exec(['sh', '-c', 'echo $$ > "$1"; sleep 300', 'sh', file], { signal: controller.signal });
    await until(
      async () => (await n.exec(['sh', '-c', 'test -s "$1"', 'sh', file], { allowFailure: true })).code === 0,
      'the command to start',
    );
    const pid = (await n.exec(['cat', file])).stdout.trim();
    controller.abort(new Error('stop it'));
    await expect(pending).rejects.toThrow('stop it');
    await until(
      async () => (await n.exec(['kill', '-0', pid], { allowFailure: true })).code !== 0,
      'the aborted command to die',
    );
    await n.exec(['rm', '-f', file]);
  });

  it('spawn: lines stream, write() reaches stdin, exit status is recorded; values stay literal', async () => {
    const n = node();
    const runId = run();
    const marker = `/tmp/lb-pwned-${randomUUID()}`;
    const values = nastyValues(marker);
    const lines: string[] = [];
    const proc = await n.spawn(
      runId,
      'echoer',
      [
        'sh',
        '-c',
        'printf "%s|" "$@"; echo; echo "env=$LB_TEST"; pwd; while read l; do echo "got:$l"; [ "$l" = bye ] && exit 7; done',
        'sh',
        ...values,
      ],
      { env: { LB_TEST: 'x y $(z)' }, onLine: (l) => lines.push(l) },
    );
    expect(proc.pgid).toBeGreaterThan(1);
    expect(proc.logPath).toBe(`${n.workdir}/${runId}/echoer.log`);
    await until(() => lines.some((l) => l.startsWith('env=')), 'first lines');
    await proc.write('hello\n');
    await until(() => lines.includes('got:hello'), 'the echo of the first write');
    await proc.write('bye\n');
    expect(await proc.exited).toBe(7);
    expect(lines).toEqual([
      `${values.join('|')}|`.split('\n')[0],
      `${values.join('|')}|`.split('\n')[1],
      'env=x y $(z)',
      `${n.workdir}/${runId}`,
      'got:hello',
      'got:bye',
    ]);
    expect(await proc.tail(2)).toEqual(['got:hello', 'got:bye']);
    const check = await n.exec(['sh', '-c', 'test -e "$1" && echo exists || echo absent', 'sh', marker]);
    expect(check.stdout.trim()).toBe('absent');
    await n.sweep({ keepRunId: 'none' });
  });

  it('spawn: a fast log arrives once and in order — CRLF, multi-byte characters, a last line without newline', async () => {
    const n = node();
    const runId = run();
    const lines: string[] = [];
    const proc = await n.spawn(
      runId,
      'chatty',
      ['sh', '-c', 'i=0; while [ $i -lt 5000 ]; do i=$((i+1)); echo "line $i"; done; printf "crlf\\r\\nété\\nlast"'],
      { onLine: (l) => lines.push(l) },
    );
    expect(await proc.exited).toBe(0);
    expect(lines).toEqual([...Array.from({ length: 5000 }, (_, i) => `line ${i + 1}`), 'crlf', 'été', 'last']);
    await n.sweep({ keepRunId: 'none' });
  });

  it('spawn: one command serves a process for its whole life — log, stdin, stop and end', async () => {
    const n = node();
    const runId = run();
    const commands: string[] = [];
    const host: ProcessHost = {
      name: n.name,
      exec: (argv, options) => {
        commands.push(argv.slice(0, 3).join(' ').slice(0, 40));
        return n.exec(argv, options);
      },
    };
    const lines: string[] = [];
    const ticker = await startProcess(host, {
      workdir: n.workdir,
      runId,
      label: 'ticker',
      argv: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "tick $i"; sleep 0.2; done; exit 4'],
      onLine: (l) => lines.push(l),
    });
    expect(await ticker.exited).toBe(4);
    expect(lines).toEqual(Array.from({ length: 10 }, (_, i) => `tick ${i + 1}`));

    const echoed: string[] = [];
    const echo = await startProcess(host, {
      workdir: n.workdir,
      runId,
      label: 'echo',
      argv: ['sh', '-c', 'while read l; do echo "got:$l"; done'],
      onLine: (l) => echoed.push(l),
    });
    await echo.write('go\nand $(this) too\n');
    await until(() => echoed.length === 2, 'the echo of two lines');
    expect(echoed).toEqual(['got:go', 'got:and $(this) too']);
    await echo.stop(2000);
    expect(await echo.exited).toBe(143);
    // One launcher per process; the old scheme added a command per 500 ms poll, per write and per stop.
    expect(commands).toHaveLength(2);
    await n.sweep({ keepRunId: 'none' });
  });

  it('spawn: when the watch dies, polling carries on from where it stopped — nothing lost or repeated', async () => {
    const n = node();
    const runId = run();
    const lines: string[] = [];
    const proc = await n.spawn(
      runId,
      'counter',
      ['sh', '-c', 'i=0; while [ $i -lt 40 ]; do i=$((i+1)); echo "n $i"; sleep 0.05; done'],
      { onLine: (l) => lines.push(l) },
    );
    await until(() => lines.length >= 5, 'the first lines');
    // Kill the tail that follows this process's log (the pattern cannot match pkill's own command line).
    const killed = await n.exec(['pkill', '-f', `tail .*--pid=${proc.pgid}( |$)`], { allowFailure: true });
    expect(killed.code).toBe(0);
    expect(await proc.exited).toBe(0);
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `n ${i + 1}`));
    await n.sweep({ keepRunId: 'none' });
  });

  it('stop: TERM first, KILL after the grace period when TERM is ignored; idempotent', async () => {
    const n = node();
    const runId = run();
    const polite = await n.spawn(runId, 'polite', ['sleep', '300']);
    const stubborn = await n.spawn(runId, 'stubborn', [
      'sh',
      '-c',
      "trap '' TERM; echo ready; while :; do sleep 1; done",
    ]);
    await until(async () => (await stubborn.tail(1)).includes('ready'), 'the stubborn process to trap TERM');
    await Promise.all([polite.stop(1000), polite.stop(1000)]);
    expect(await polite.exited).toBe(143);
    await stubborn.stop(800);
    expect(await stubborn.exited).toBe(137);
    expect(await groupAlive(n, stubborn.pgid)).toBe(false);
    await n.sweep({ keepRunId: 'none' });
  });

  it('sweep kills groups of other runs, spares the kept run and foreign processes, removes stale dirs', async () => {
    const n = node();
    const oldRun = run();
    const keptRun = run();
    const old = await n.spawn(oldRun, 'server', ['sh', '-c', 'sleep 300 & sleep 300']);
    const kept = await n.spawn(keptRun, 'server', ['sleep', '300']);
    // A pid file pointing at a process that is not ours (no run marker) must be left alone.
    const foreignRun = run();
    const foreign = await n.exec([
      'sh',
      '-c',
      'mkdir -p "$1" && { setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!; }',
      'sh',
      `${n.workdir}/${foreignRun}`,
    ]);
    const foreignPid = foreign.stdout.trim();
    await n.writeFile(`${n.workdir}/${foreignRun}/intruder.pid`, `${foreignPid}\n`);

    const report = await n.sweep({ keepRunId: keptRun });
    expect(report.node).toBe(n.name);
    expect(report.killed).toEqual([{ pgid: old.pgid, runDir: `${n.workdir}/${oldRun}`, label: 'server' }]);
    expect(report.removedDirs).toEqual(
      expect.arrayContaining([`${n.workdir}/${oldRun}`, `${n.workdir}/${foreignRun}`]),
    );
    // The handle learns the end; its status file went with the removed directory, so the code may be unknown.
    expect([143, null]).toContain(await old.exited);
    const states = await n.exec([
      'sh',
      '-c',
      'for g; do kill -0 "$g" 2>/dev/null && echo alive || echo gone; done',
      'sh',
      String(kept.pgid),
      foreignPid,
      String(old.pgid),
    ]);
    expect(states.stdout.trim().split('\n')).toEqual(['alive', 'alive', 'gone']);
    await n.exec(['kill', foreignPid]);
    const second = await n.sweep({ keepRunId: 'none' });
    expect(second.killed.map((k) => k.pgid)).toEqual([kept.pgid]);
    expect([143, null]).toContain(await kept.exited);
  });

  it('writeTextFiles writes several files exactly, with one command', async () => {
    const n = node();
    const base = `${n.workdir}/text-${randomUUID()}`;
    const marker = `/tmp/lb-pwned-${randomUUID()}`;
    const files = [
      { path: `${base}/a.conf`, content: 'name = "x"\nport = 30000\n' },
      { path: `${base}/deep/er/b.lua`, content: `-- ${nastyValues(marker).join('\n-- ')}\n\n` },
      { path: `${base}/empty`, content: '' },
      { path: `${base}/no-newline`, content: '%s %d \\n' },
    ];
    let commands = 0;
    await writeTextFiles({ ...n, exec: (argv, o) => (commands++, n.exec(argv, o)) } as NodeConnection, files);
    expect(commands).toBe(1);
    for (const file of files) expect((await n.exec(['cat', file.path])).stdout).toBe(file.content);
    const check = await n.exec(['sh', '-c', 'test -e "$1" && echo exists || echo absent', 'sh', marker]);
    expect(check.stdout.trim()).toBe('absent');
    await n.exec(['rm', '-rf', base]);
  });

  it('writeFile creates parents and sets the mode', async () => {
    const n = node();
    const path = `${n.workdir}/files-${randomUUID()}/a/b.sh`;
    await n.writeFile(path, '#!/bin/sh\necho "it works"\n', 0o755);
    expect((await n.exec([path])).stdout).toBe('it works\n');
    await n.exec(['rm', '-rf', path.split('/a/')[0] as string]);
  });
}

/** Whether any process of group `pgid` still exists on the node. */
export async function groupAlive(n: NodeConnection, pgid: number): Promise<boolean> {
  const result = await n.exec(['sh', '-c', 'kill -0 -"$1" 2>/dev/null && echo alive || echo gone', 'sh', String(pgid)]);
  return result.stdout.trim() === 'alive';
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-Error: ${String(error)}`);
  }
  throw new Error('expected a failure, but it succeeded');
}
