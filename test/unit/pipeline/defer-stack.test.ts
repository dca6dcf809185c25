import { describe, expect, it } from 'vitest';
import { DeferStack } from '../../../src/jobs/benchmark/defer-stack.js';

describe('DeferStack', () => {
  it('runs cleanups newest first, runs all even when some fail, and collects the errors', async () => {
    const stack = new DeferStack();
    const ran: string[] = [];
    stack.defer('release nodes', () => {
      ran.push('release');
    });
    stack.defer('stop server', () => {
      ran.push('server');
      throw new Error('kill failed');
    });
    stack.defer('stop swarm', async () => {
      await new Promise((r) => setTimeout(r, 5));
      ran.push('swarm');
    });
    const report = await stack.drain();
    expect(ran).toEqual(['swarm', 'server', 'release']);
    expect(report).toEqual([
      { label: 'stop swarm', ok: true },
      { label: 'stop server', ok: false, error: 'Error: kill failed' },
      { label: 'release nodes', ok: true },
    ]);
  });

  it('drains once: a second drain returns the same report without rerunning', async () => {
    const stack = new DeferStack();
    let n = 0;
    stack.defer('count', () => {
      n++;
    });
    const [a, b] = await Promise.all([stack.drain(), stack.drain()]);
    expect(n).toBe(1);
    expect(a).toBe(b);
  });

  it('runs a cleanup registered after teardown right away', async () => {
    const stack = new DeferStack();
    await stack.drain();
    let ran = false;
    stack.defer('late', () => {
      ran = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(ran).toBe(true);
  });
});

describe('DeferStack groups', () => {
  it('runs adjacent cleanups of one group concurrently, still reporting each, between the others in order', async () => {
    const stack = new DeferStack();
    const log: string[] = [];
    let running = 0;
    let peak = 0;
    const slow = (name: string) => async () => {
      running++;
      peak = Math.max(peak, running);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      log.push(`end ${name}`);
    };
    stack.defer('release', () => {
      log.push('release');
    });
    for (const n of ['n1', 'n2', 'n3']) stack.defer(`close ${n}`, slow(n), 'close');
    stack.defer('stop server', () => {
      log.push('server');
      throw new Error('boom');
    });
    const report = await stack.drain();
    expect(peak).toBe(3);
    expect(log[0]).toBe('server');
    expect(log.at(-1)).toBe('release');
    expect(report.map((e) => [e.label, e.ok])).toEqual([
      ['stop server', false],
      ['close n3', true],
      ['close n2', true],
      ['close n1', true],
      ['release', true],
    ]);
  });
});
