import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../../src/cluster/semaphore.js';

describe('Semaphore', () => {
  it('never lets more than the limit in and serves waiters in order', async () => {
    const sem = new Semaphore(3);
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sem.run(async () => {
          inside += 1;
          most = Math.max(most, inside);
          order.push(i);
          await new Promise((r) => setTimeout(r, 2));
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(sem.inUse).toBe(0);
  });

  it('drops an aborted waiter without losing a permit; release is idempotent', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    const controller = new AbortController();
    const waiting = sem.acquire(controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    release();
    release();
    expect(sem.inUse).toBe(0);
    const again = await sem.acquire();
    expect(sem.inUse).toBe(1);
    again();
  });
});
