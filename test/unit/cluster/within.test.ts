import { afterEach, describe, expect, it, vi } from 'vitest';
import { within } from '../../../src/cluster/abort.js';

describe('within', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves when the promise settles, fulfilled or rejected, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await within(Promise.resolve(1), 60_000);
    await within(Promise.reject(new Error('no')), 60_000);
    // A pending timer would keep a finished CLI alive until it fired.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('resolves after the bound when the promise never settles', async () => {
    vi.useFakeTimers();
    let done = false;
    void within(new Promise(() => undefined), 5000).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(4999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });
});
