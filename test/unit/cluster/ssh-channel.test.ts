import { EventEmitter } from 'node:events';
import { Duplex, Readable } from 'node:stream';
import type { Client } from 'ssh2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SshConnectError, SshNode } from '../../../src/cluster/ssh.js';

/** Enough of ssh2's ClientChannel for SshNode: stdout, stderr, 'exit', and 'close' after the output was read. */
class FakeChannel extends Duplex {
  readonly stderr = new Readable({ read() {} });
  constructor() {
    // ssh2 emits 'close' itself (with the exit status), never on its own when both sides end
    super({ read() {}, write: (_chunk, _encoding, done) => done(), emitClose: false, autoDestroy: false });
  }
  close(): void {}

  /**
   * What ssh2 does when output, EOF, exit-status and CHANNEL_CLOSE arrive together: all
   * synchronously while it parses the packets; 'close', with the exit status as its
   * argument, once the output has been read.
   */
  finishAtOnce(stdout: string, code: number): void {
    this.push(stdout);
    this.emit('exit', code);
    this.push(null);
    this.stderr.push(null);
    this.once('end', () => this.emit('close', code));
  }
}

/** An ssh2 Client whose exec callbacks are decided by `onExec`, called synchronously like ssh2 does. */
class FakeClient extends EventEmitter {
  commands: string[] = [];
  constructor(private readonly onExec: (callNumber: number, cb: (err?: Error, ch?: FakeChannel) => void) => void) {
    super();
  }
  exec(command: string, cb: (err?: Error, ch?: FakeChannel) => void): void {
    this.commands.push(command);
    this.onExec(this.commands.length, cb);
  }
}

function refusal(reason: number): Error {
  return Object.assign(new Error('(SSH) Channel open failure: open failed'), { reason });
}

function nodeOn(client: FakeClient): SshNode {
  return new SshNode({
    endpoint: { name: 'node1', host: '10.0.0.2', port: 22, user: 'root' },
    client: client as unknown as Client,
    workdir: '/tmp/lb',
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('SshNode channels', () => {
  it('keeps the exit status of a command that ends in the same read as its exec confirmation', async () => {
    const exits = [3, 0];
    const client = new FakeClient((n, cb) => {
      const ch = new FakeChannel();
      cb(undefined, ch);
      // still synchronous: before SshNode's code after `await` can attach its listeners
      ch.finishAtOnce(`run ${n}\n`, exits[n - 1] ?? 0);
    });
    const node = nodeOn(client);
    const failed = await node.exec(['sh', '-c', 'echo run; exit 3'], { allowFailure: true });
    expect(failed).toMatchObject({ code: 3, stdout: 'run 1\n' });
    // killable (own session, pgid line): the same path, with a timeout armed
    const ok = await node.exec(['echo', 'run'], { timeoutMs: 10_000 });
    expect(ok).toMatchObject({ code: 0, stdout: 'run 2\n' });
  });

  it('opens the channel again when sshd refuses a session for a moment (MaxSessions)', async () => {
    const client = new FakeClient((n, cb) => {
      if (n <= 2) {
        cb(refusal(2));
        return;
      }
      const ch = new FakeChannel();
      cb(undefined, ch);
      ch.finishAtOnce('done\n', 0);
    });
    const result = await nodeOn(client).exec(['echo', 'done']);
    expect(result.stdout).toBe('done\n');
    expect(client.commands).toHaveLength(3);
  });

  it('gives up on a refused session after about 3 s, and at once on an unknown channel type', async () => {
    vi.useFakeTimers();
    const always = new FakeClient((_n, cb) => cb(refusal(2)));
    const failing = nodeOn(always).exec(['true']);
    const settled = failing.then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.runAllTimersAsync();
    const error = await settled;
    expect(error).toBeInstanceOf(SshConnectError);
    expect((error as Error).message).toMatch(/node1: cannot open an SSH channel: .*open failed \(refused 8 times/);
    expect(always.commands).toHaveLength(8);

    const unknown = new FakeClient((_n, cb) => cb(refusal(3)));
    await expect(nodeOn(unknown).exec(['true'])).rejects.toThrow(/cannot open an SSH channel/);
    expect(unknown.commands).toHaveLength(1);
  });
});
