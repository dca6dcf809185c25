import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { constants } from 'node:os';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { abortReason, sleep } from './abort.js';
import { CommandError, formatSeconds } from './command-error.js';
import { settleExec } from './exec-outcome.js';
import { OutputBuffer } from './output-buffer.js';
import { HostKeyMismatchError, HostKeyUnknownError, type KnownHosts } from './known-hosts.js';
import { createLineSplitter } from './line-splitter.js';
import type { ExecOptions, ExecResult, NodeConnection, RemoteProcess, SpawnOptions, SweepReport } from './node.js';
import { ProcessRegistry, remoteJoin, sweepHost } from './remote-process.js';
import { Semaphore } from './semaphore.js';
import { quoteArg, quoteArgv } from './shell-quote.js';

/** Where to reach one host over SSH. */
export interface SshEndpoint {
  /** Node name for messages, known_hosts and the per-node work directory (e.g. `node2`). */
  name: string;
  /** Address or DNS name to connect to. */
  host: string;
  /** Default 22. */
  port: number;
  user: string;
}

/** Could not reach a host, or lost it: names the host and what happened. */
export class SshConnectError extends Error {
  override readonly name = 'SshConnectError';
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}: ${message}`, options);
  }
}

/** The host refused our credentials: names the host and the user. */
export class SshAuthError extends Error {
  override readonly name = 'SshAuthError';
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}: ${message}`, options);
  }
}

/** How to authenticate and check hosts; shared by every connection of a backend. */
export interface SshOptions {
  knownHosts: KnownHosts;
  /** Private key (PEM/OpenSSH text). Either this or `agent`. */
  privateKey?: Buffer | string;
  passphrase?: string;
  /** ssh-agent socket path. */
  agent?: string;
  /** Budget for connecting one host, all attempts included (SSH_CONNECT_TIMEOUT_MS). */
  connectTimeoutMs: number;
  /** SSH keepalive period (default 10 s), so a dead peer is noticed during a long run. */
  keepaliveIntervalMs?: number;
  /** Connection attempts per host within the budget (default 3); auth and host-key failures are not retried. */
  attempts?: number;
  /** Exec/SFTP channels open at once per connection (default 8, under OpenSSH's MaxSessions 10). */
  channelsPerConnection?: number;
  /** Handshakes in flight through one login node (default 8, under OpenSSH's MaxStartups 10). */
  handshakesPerJumpHost?: number;
  logger?: Logger;
}

/** Parse `[user@]host[:port]` (IPv6 as `[addr]:port`). */
export function parseHostSpec(spec: string, defaults: { user: string; port: number }): SshEndpoint {
  const match = /^(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@\s[\]]+)(?::(\d{1,5}))?$/.exec(spec.trim());
  const port = match?.[3] === undefined ? defaults.port : Number(match[3]);
  if (!match || port < 1 || port > 65535) {
    throw new TypeError(`host ${JSON.stringify(spec)} is not allowed: write [user@]host[:port], e.g. root@node1:22`);
  }
  const host = (match[2] as string).replace(/^\[|\]$/g, '');
  return { name: host, host, port, user: match[1] ?? defaults.user };
}

/** A channel carrying `channelsPerConnection` permits, plus two spare ones kept for kills. */
const KILL_CHANNELS = 2;
/** RFC 4254 §5.1 reason code of a channel type the server does not know: no use trying again. */
const SSH_OPEN_UNKNOWN_CHANNEL_TYPE = 3;
/** Waits before each new attempt to open a session sshd refused (about 3 s in all). */
const REOPEN_DELAYS_MS = [20, 50, 100, 200, 400, 800, 1500];
/** Prefix of the line through which a killable command reports its process group. */
const PGID_TAG = '\u0001lb-pgid ';
/** Runs argv in its own session and reports its process group first, so it can be killed later. */
const PGID_WRAPPER = `printf '\\001lb-pgid %s\\n' "$$" >&2; exec "$@"`;
/** `sh -c KILL sh PGID`: TERM the group, KILL it if it is still there after 2 s. */
const KILL_SCRIPT = `kill -TERM -"$1" 2>/dev/null || exit 0
i=0
while kill -0 -"$1" 2>/dev/null; do
  if [ "$i" -ge 20 ]; then kill -KILL -"$1" 2>/dev/null; exit 0; fi
  i=$((i+1)); sleep 0.1
done`;

function describeEndpoint(e: SshEndpoint): string {
  return e.name === e.host ? e.name : `${e.name} (${e.host})`;
}

/** Through which client (a login node) a connection is tunnelled. */
interface Hop {
  client: Client;
  name: string;
  gate: Semaphore;
}

async function openTunnel(hop: Hop, target: SshEndpoint, timeoutMs: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new SshConnectError(
            describeEndpoint(target),
            `no TCP connection to ${target.host}:${target.port} through ${hop.name} within ${formatSeconds(timeoutMs)}`,
          ),
        ),
      timeoutMs,
    );
    hop.client.forwardOut('127.0.0.1', 0, target.host, target.port, (err, stream) => {
      clearTimeout(timer);
      if (err) {
        reject(
          new SshConnectError(
            describeEndpoint(target),
            `cannot reach ${target.host}:${target.port} through ${hop.name}: ${err.message} (is sshd running there?)`,
            { cause: err },
          ),
        );
        return;
      }
      resolve(stream);
    });
  });
}

function attemptConnect(
  target: SshEndpoint,
  options: SshOptions,
  timeoutMs: number,
  sock: ClientChannel | undefined,
  signal: AbortSignal | undefined,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const who = describeEndpoint(target);
    let hostKeyError: Error | undefined;
    let settled = false;
    // A cancelled run must not wait for a slow handshake to finish.
    const onAbort = (): void => fail(abortReason(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(error);
    };
    client.on('error', (err: Error & { level?: string }) => {
      if (settled) {
        options.logger?.warn({ node: target.name, err }, 'ssh connection error');
        return;
      }
      if (hostKeyError) fail(hostKeyError);
      else if (err.level === 'client-authentication' || err.level === 'agent') {
        fail(
          new SshAuthError(
            who,
            `authentication as ${target.user} failed: the host accepted none of our keys (${err.message})`,
            { cause: err },
          ),
        );
      } else if (err.level === 'client-timeout') {
        fail(new SshConnectError(who, `no SSH handshake within ${formatSeconds(timeoutMs)}`, { cause: err }));
      } else {
        fail(
          new SshConnectError(who, `cannot connect to ${target.host}:${target.port}: ${err.message}`, { cause: err }),
        );
      }
    });
    client.once('close', () =>
      fail(
        hostKeyError ?? new SshConnectError(who, `connection to ${target.host}:${target.port} closed during handshake`),
      ),
    );
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(client);
    });
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: Math.max(1000, timeoutMs),
      keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
      // A minute of silence before giving up: a busy worker or node must not lose a run's connection.
      keepaliveCountMax: 6,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        options.knownHosts.verify([target.name, target.host], target.port, key).then(
          () => verify(true),
          (error: unknown) => {
            hostKeyError = error instanceof Error ? error : new Error(String(error));
            verify(false);
          },
        );
      },
    };
    if (sock) config.sock = sock;
    if (options.privateKey !== undefined) config.privateKey = options.privateKey;
    if (options.passphrase !== undefined) config.passphrase = options.passphrase;
    if (options.agent !== undefined) config.agent = options.agent;
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 throws synchronously for unreadable keys and similar local mistakes.
      fail(new SshAuthError(who, `cannot use the SSH credentials: ${(error as Error).message}`, { cause: error }));
    }
  });
}

function retryable(error: unknown): boolean {
  return !(
    error instanceof SshAuthError ||
    error instanceof HostKeyUnknownError ||
    error instanceof HostKeyMismatchError
  );
}

/**
 * Connect to `target`, directly or tunnelled through `hop`, with bounded retries
 * and back-off inside `options.connectTimeoutMs`. Host keys are always checked.
 */
export async function connectSsh(
  target: SshEndpoint,
  options: SshOptions,
  hop?: Hop,
  signal?: AbortSignal,
): Promise<Client> {
  const deadline = Date.now() + options.connectTimeoutMs;
  const attempts = options.attempts ?? 3;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (signal?.aborted) throw abortReason(signal);
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      if (!hop) return await attemptConnect(target, options, remaining, undefined, signal);
      // Handshakes through one login node are limited: sshd's MaxStartups drops the excess at random.
      return await hop.gate.run(async () => {
        const left = Math.max(1, deadline - Date.now());
        const tunnel = await openTunnel(hop, target, left);
        return attemptConnect(target, options, Math.max(1, deadline - Date.now()), tunnel, signal);
      }, signal);
    } catch (error) {
      lastError = error;
      if (signal?.aborted) throw abortReason(signal);
      if (!retryable(error)) throw error;
      options.logger?.debug({ node: target.name, attempt, err: error }, 'ssh connect attempt failed');
      const backoff = Math.min(250 * 2 ** (attempt - 1) + Math.random() * 100, deadline - Date.now());
      if (attempt < attempts && backoff > 0) await sleep(backoff, signal);
    }
  }
  if (lastError instanceof Error) {
    if (lastError instanceof SshConnectError) {
      lastError.message += ` (gave up after ${formatSeconds(options.connectTimeoutMs)})`;
    }
    throw lastError;
  }
  throw new SshConnectError(
    describeEndpoint(target),
    `no connection within ${formatSeconds(options.connectTimeoutMs)} (SSH_CONNECT_TIMEOUT_MS)`,
  );
}

/** Settings of one {@link SshNode}. */
export interface SshNodeOptions {
  endpoint: SshEndpoint;
  client: Client;
  /** Absolute work directory on the node. */
  workdir: string;
  channelsPerConnection?: number;
  logger?: Logger;
}

/**
 * One node over one ssh2 connection for the whole run. Commands are quoted argv;
 * more concurrent channels than the node allows wait in a queue; killable commands
 * run in their own session so abort and timeout really stop them on the node.
 */
export class SshNode implements NodeConnection {
  readonly name: string;
  readonly address: string;
  readonly workdir: string;
  /** The underlying ssh2 connection (exposed so tests can cut it abruptly). */
  readonly client: Client;
  private readonly channels: Semaphore;
  private readonly killChannels = new Semaphore(KILL_CHANNELS);
  private readonly processes = new ProcessRegistry();
  private readonly logger: Logger | undefined;
  private lost: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: SshNodeOptions) {
    this.name = options.endpoint.name;
    this.address = options.endpoint.host;
    this.workdir = options.workdir;
    this.client = options.client;
    this.logger = options.logger;
    this.channels = new Semaphore(options.channelsPerConnection ?? 8);
    this.client.on('close', () => {
      this.lost ??= new SshConnectError(this.name, 'the SSH connection was lost');
    });
    this.client.on('error', (err: Error) => {
      this.logger?.warn({ err }, 'ssh connection error');
      this.lost ??= new SshConnectError(this.name, `the SSH connection failed: ${err.message}`, { cause: err });
    });
  }

  /** Whether the connection has dropped (every further command fails with {@link SshConnectError}). */
  get isLost(): boolean {
    return this.lost !== undefined;
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) throw new TypeError('exec needs a command: argv is empty');
    if (options.signal?.aborted) throw abortReason(options.signal);
    const killable = options.signal !== undefined || options.timeoutMs !== undefined;
    // Closing a channel does not stop a remote command; a session of its own lets us kill it by group.
    const command = killable ? `setsid -w sh -c ${quoteArg(PGID_WRAPPER)} sh ${quoteArgv(argv)}` : quoteArgv(argv);
    const release = await this.channels.acquire(options.signal);
    try {
      return await this.runChannel(command, argv, options, killable);
    } finally {
      release();
    }
  }

  private openChannel(command: string, signal?: AbortSignal): Promise<ClientChannel> {
    return this.openSession('an SSH channel', (done) => this.client.exec(command, done), signal);
  }

  /**
   * Open a session channel (exec or SFTP). sshd refuses one ("open failed", reason
   * connect failed) while MaxSessions are in use, and it frees the slot of a closed session only
   * after it has processed the whole batch of messages the close came in: when several quick
   * commands end at once and queued ones open channels right away, the opens can arrive while
   * the closed sessions still count. Such refusals are retried for a few seconds.
   */
  private async openSession<T>(
    what: string,
    open: (done: (err: Error | undefined, channel: T) => void) => void,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await new Promise<T>((resolve, reject) => {
          if (this.lost) {
            reject(this.lost);
            return;
          }
          try {
            open((err, channel) => (err ? reject(err) : resolve(channel)));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        });
      } catch (error) {
        if (error === this.lost) throw error;
        const err = error as Error & { reason?: unknown };
        // A server's CHANNEL_OPEN_FAILURE carries a numeric reason; errors of ssh2's own do not.
        const refused = typeof err.reason === 'number' && err.reason !== SSH_OPEN_UNKNOWN_CHANNEL_TYPE;
        const delay = REOPEN_DELAYS_MS[attempt];
        if (!refused || delay === undefined) {
          throw new SshConnectError(
            this.name,
            `cannot open ${what}: ${err.message}${refused ? ` (refused ${attempt + 1} times; sshd's MaxSessions?)` : ''}`,
            { cause: err },
          );
        }
        this.logger?.debug({ attempt, err }, `sshd refused ${what}; retrying`);
        await sleep(delay, signal);
      }
    }
  }

  private async runChannel(
    command: string,
    argv: readonly string[],
    options: ExecOptions,
    killable: boolean,
  ): Promise<ExecResult> {
    const stream = await this.openChannel(command, options.signal);
    return new Promise<ExecResult>((resolve, reject) => {
      const out = new OutputBuffer(options.keepBytes);
      const err = new OutputBuffer(options.keepBytes);
      const onData = options.onData;
      const onLine = options.onLine;
      const outLines = onLine ? createLineSplitter((l) => onLine(l, 'stdout')) : undefined;
      const errLines = onLine ? createLineSplitter((l) => onLine(l, 'stderr')) : undefined;
      let pgid: number | undefined;
      let head = killable ? Buffer.alloc(0) : undefined;
      let exitCode: number | null = null;
      let stoppedBy: 'timeout' | 'abort' | undefined;
      let settled = false;
      let fallback: NodeJS.Timeout | undefined;

      const stopRemote = (why: 'timeout' | 'abort'): void => {
        if (stoppedBy) return;
        stoppedBy = why;
        if (pgid !== undefined) void this.killGroup(pgid).finally(armFallback);
        else armFallback();
      };
      // If the channel does not close after the kill (connection trouble), settle anyway.
      const armFallback = (): void => {
        fallback ??= setTimeout(() => {
          stream.close();
          finish();
        }, 5000);
      };
      const timer =
        options.timeoutMs !== undefined ? setTimeout(() => stopRemote('timeout'), options.timeoutMs) : undefined;
      const onAbort = (): void => stopRemote('abort');
      options.signal?.addEventListener('abort', onAbort, { once: true });

      stream.on('data', (chunk: Buffer) => {
        out.push(chunk);
        onData?.(chunk, 'stdout');
        outLines?.push(chunk);
      });
      stream.stderr.on('data', (chunk: Buffer) => {
        if (head !== undefined) {
          // The wrapper's first stderr line carries the process group; everything after is the command's.
          head = Buffer.concat([head, chunk]);
          const nl = head.indexOf(10);
          if (nl < 0 && head.length < 64) return;
          const first = head.subarray(0, nl < 0 ? head.length : nl).toString('latin1');
          let rest = head;
          if (first.startsWith(PGID_TAG)) {
            pgid = Number.parseInt(first.slice(PGID_TAG.length), 10);
            rest = head.subarray(nl + 1);
            if (stoppedBy) void this.killGroup(pgid).finally(armFallback);
          }
          head = undefined;
          if (rest.length === 0) return;
          chunk = rest;
        }
        err.push(chunk);
        onData?.(chunk, 'stderr');
        errLines?.push(chunk);
      });
      const recordExit = (code: number | null | undefined, signalName: string | undefined): void => {
        exitCode ??= code ?? (signalName ? 128 + signalNumber(signalName) : null);
      };
      // ssh2 emits 'exit' while it parses the packet. A quick command's exit status can come in the
      // same read as the exec's confirmation, before this code runs (it resumes after `await`), and
      // that 'exit' is lost. 'close' waits until the output has been read and carries the same
      // arguments (ssh2 documents this), so the status is read from it as well.
      stream.on('exit', (code: number | null, signalName?: string) => recordExit(code, signalName));
      stream.on('close', (code?: number | null, signalName?: string) => {
        recordExit(code, signalName);
        finish();
      });
      const finish = (): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (fallback) clearTimeout(fallback);
        options.signal?.removeEventListener('abort', onAbort);
        if (options.stdin instanceof Readable) options.stdin.unpipe(stream);
        if (head && head.length > 0) err.push(head);
        outLines?.end();
        errLines?.end();
        const stdout = out.text();
        const stderr = err.text();
        if (exitCode === null && !stoppedBy) {
          reject(
            this.lost ??
              new CommandError({
                host: this.name,
                argv,
                code: null,
                stdout,
                stderr,
                meaning: 'the channel closed without an exit status',
              }),
          );
          return;
        }
        try {
          // exitCode is null here only when the tool stopped the command, and then stoppedBy decides.
          resolve(settleExec({ host: this.name, argv, options, stoppedBy, code: exitCode ?? 0, stdout, stderr }));
        } catch (error) {
          reject(error);
        }
      };
      if (options.stdin instanceof Readable) options.stdin.pipe(stream);
      else if (options.stdin !== undefined) stream.end(options.stdin);
      else stream.end();
    });
  }

  /** TERM, then KILL, a process group on the node, on channels kept free for this. */
  private async killGroup(pgid: number): Promise<void> {
    const release = await this.killChannels.acquire();
    try {
      const stream = await this.openChannel(quoteArgv(['sh', '-c', KILL_SCRIPT, 'sh', String(pgid)]));
      await new Promise<void>((resolve) => {
        stream.on('close', () => resolve());
        stream.resume();
        stream.stderr.resume();
        stream.end();
      });
    } catch (error) {
      this.logger?.warn({ err: error, pgid }, 'could not kill a remote process group');
    } finally {
      release();
    }
  }

  async spawn(
    runId: string,
    label: string,
    argv: readonly string[],
    options: SpawnOptions = {},
  ): Promise<RemoteProcess> {
    return this.processes.spawn(this, { workdir: this.workdir, logger: this.logger }, runId, label, argv, options);
  }

  private async withSftp<T>(fn: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    // An SFTP session counts against MaxSessions like an exec channel.
    const release = await this.channels.acquire();
    try {
      const sftp = await this.openSession<SFTPWrapper>('SFTP', (done) => this.client.sftp(done));
      try {
        return await fn(sftp);
      } finally {
        sftp.end();
      }
    } finally {
      release();
    }
  }

  async writeFile(path: string, content: string | Buffer, mode?: number): Promise<void> {
    await this.exec(['mkdir', '-p', posix.dirname(path)]);
    await this.withSftp(async (sftp) => {
      await new Promise<void>((resolve, reject) =>
        sftp.writeFile(path, content, mode === undefined ? {} : { mode }, (err) =>
          err ? reject(this.fileError('write', path, err)) : resolve(),
        ),
      );
      if (mode !== undefined) {
        await new Promise<void>((resolve, reject) =>
          sftp.chmod(path, mode, (err) => (err ? reject(this.fileError('chmod', path, err)) : resolve())),
        );
      }
    });
  }

  async upload(localPath: string, remotePath: string, mode?: number): Promise<void> {
    await this.exec(['mkdir', '-p', posix.dirname(remotePath)]);
    await this.withSftp(async (sftp) => {
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(localPath, remotePath, {}, (err) =>
          err ? reject(this.fileError(`upload ${localPath} to`, remotePath, err)) : resolve(),
        ),
      );
      if (mode !== undefined) {
        await new Promise<void>((resolve, reject) =>
          sftp.chmod(remotePath, mode, (err) => (err ? reject(this.fileError('chmod', remotePath, err)) : resolve())),
        );
      }
    });
  }

  private fileError(action: string, path: string, err: Error): Error {
    return new Error(`${this.name}: cannot ${action} ${path} over SFTP: ${err.message}`, { cause: err });
  }

  sweep(options: { keepRunId?: string; signal?: AbortSignal } = {}): Promise<SweepReport> {
    return sweepHost(this, this.workdir, options);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.processes.detachAll();
      if (this.lost) {
        this.client.destroy();
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        this.client.destroy();
        resolve();
      }, 3000);
      timer.unref();
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
    return this.closing;
  }
}

/** sshd reports signals by name without `SIG` (RFC 4254 §6.10). */
function signalNumber(name: string): number {
  const key = `SIG${name.replace(/^SIG/, '')}` as keyof typeof constants.signals;
  return constants.signals[key] ?? 0;
}

/** Settings of an {@link SshConnector}. */
export interface SshConnectorOptions extends SshOptions {
  /** Jump host; nodes are reached through it when set. */
  login?: SshEndpoint;
  /** Base work directory on the nodes (REMOTE_WORKDIR); node N uses `<workdir>/<N>`. */
  workdir: string;
}

/**
 * Opens and keeps SSH connections for a backend: one shared connection to the
 * login node (re-opened if it drops), nodes tunnelled through it with at most a
 * few handshakes in flight, or direct connections when there is no login node.
 */
export class SshConnector {
  private loginNode: Promise<SshNode> | undefined;
  private readonly gate: Semaphore;
  private closed = false;

  constructor(private readonly options: SshConnectorOptions) {
    this.gate = new Semaphore(options.handshakesPerJumpHost ?? 8);
  }

  /** The login node's connection (for SLURM commands and as jump host). */
  async login(signal?: AbortSignal): Promise<SshNode> {
    const endpoint = this.options.login;
    if (!endpoint) throw new Error('no login node is configured (SSH_LOGIN_HOST)');
    if (this.closed) throw new Error('the SSH connector is closed');
    const current = this.loginNode;
    if (current) {
      const node = await current.catch(() => undefined);
      if (node && !node.isLost) return node;
      if (this.loginNode === current) this.loginNode = undefined;
    }
    this.loginNode ??= connectSsh(endpoint, this.options, undefined, signal).then(
      (client) => this.wrap(endpoint, client),
      (error: unknown) => {
        this.loginNode = undefined;
        throw error;
      },
    );
    return this.loginNode;
  }

  /** Connect to one node (through the login node when there is one). */
  async connect(endpoint: SshEndpoint, signal?: AbortSignal): Promise<SshNode> {
    if (this.closed) throw new Error('the SSH connector is closed');
    if (!this.options.login) return this.wrap(endpoint, await connectSsh(endpoint, this.options, undefined, signal));
    const login = await this.login(signal);
    const client = await connectSsh(
      endpoint,
      this.options,
      { client: login.client, name: login.name, gate: this.gate },
      signal,
    );
    return this.wrap(endpoint, client);
  }

  /** Connect to all nodes at once; if any fails, the others are closed and the first failure (in order) is thrown. */
  async connectAll(endpoints: readonly SshEndpoint[], signal?: AbortSignal): Promise<SshNode[]> {
    const results = await Promise.allSettled(endpoints.map((e) => this.connect(e, signal)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return results.map((r) => (r as PromiseFulfilledResult<SshNode>).value);
    await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    const others = results.filter((r) => r.status === 'rejected').length - 1;
    if (others > 0 && failed.reason instanceof Error) failed.reason.message += ` (and ${others} more nodes failed)`;
    throw failed.reason;
  }

  private wrap(endpoint: SshEndpoint, client: Client): SshNode {
    return new SshNode({
      endpoint,
      client,
      workdir: remoteJoin(this.options.workdir, endpoint.name),
      channelsPerConnection: this.options.channelsPerConnection,
      logger: this.options.logger?.child({ node: endpoint.name }),
    });
  }

  /** Close the login connection. Node connections are closed by their owners. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const login = this.loginNode;
    this.loginNode = undefined;
    if (login) await (await login.catch(() => undefined))?.close();
  }
}
