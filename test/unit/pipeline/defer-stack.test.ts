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
