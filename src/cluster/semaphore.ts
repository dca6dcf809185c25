import { abortReason } from './abort.js';

/**
 * A counting semaphore with a FIFO queue. Used to keep SSH handshakes through one
 * login node under sshd's MaxStartups and channels per connection under MaxSessions:
 * callers beyond the limit wait their turn instead of failing.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: { grant: () => void; reject: (error: Error) => void }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit ${limit} must be a positive integer`);
  }

  /** Number of holders right now. */
  get inUse(): number {
    return this.active;
  }

  /** Wait for a permit; resolves with its release function (idempotent). Rejects if `signal` fires while waiting. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const release = this.releaser();
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.active += 1;
          resolve(release);
        },
        reject,
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Run `fn` holding a permit. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active -= 1;
      this.waiting.shift()?.grant();
    };
  }
}
