import { spawn as spawnChild } from 'node:child_process';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Allocation, ClusterBackend, ReserveRequest } from './backend.js';
import { abortReason } from './abort.js';
import { CommandError } from './command-error.js';
import { settleExec } from './exec-outcome.js';
import { OutputBuffer } from './output-buffer.js';
import { createLineSplitter } from './line-splitter.js';
import type { ExecOptions, ExecResult, NodeConnection, RemoteProcess, SpawnOptions, SweepReport } from './node.js';
import { checkName, ProcessRegistry, remoteJoin, sweepHost } from './remote-process.js';
import { ReservationError } from './reservation-error.js';

/** Grace between TERM and KILL when a local command is aborted or times out. */
const KILL_GRACE_MS = 2000;

/** Settings of a {@link LocalNode}. */
export interface LocalNodeOptions {
  /** Logical node name, e.g. `local1`. */
  name: string;
  /** Absolute work directory of this logical node (its own subdirectory, so sweeps stay per node). */
  workdir: string;
  logger?: Logger;
}

/**
 * A logical node on this machine: child processes instead of SSH, but the same
 * process-group scripts (remote-process.ts) run through `sh`, so spawn, stop,
 * write and sweep behave exactly as on a remote node.
 */
export class LocalNode implements NodeConnection {
  readonly name: string;
  readonly address = '127.0.0.1';
  readonly workdir: string;
  private readonly logger: Logger | undefined;
  private readonly processes = new ProcessRegistry();
  private closed = false;

  constructor(options: LocalNodeOptions) {
    checkName('node name', options.name);
    if (!isAbsolute(options.workdir)) {
      throw new TypeError(`work directory ${JSON.stringify(options.workdir)} must be an absolute path`);
    }
    this.name = options.name;
    this.workdir = options.workdir;
    this.logger = options.logger;
  }

  exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (argv.length === 0) return Promise.reject(new TypeError('exec needs a command: argv is empty'));
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    return new Promise<ExecResult>((resolve, reject) => {
      // A process group of its own, so that abort and timeout reach everything the command started.
      const child = spawnChild(argv[0] as string, argv.slice(1), { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
      const out = new OutputBuffer(options.keepBytes);
      const err = new OutputBuffer(options.keepBytes);
      const onData = options.onData;
      const onLine = options.onLine;
      const outLines = onLine ? createLineSplitter((l) => onLine(l, 'stdout')) : undefined;
      const errLines = onLine ? createLineSplitter((l) => onLine(l, 'stderr')) : undefined;
      let stoppedBy: 'timeout' | 'abort' | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      let settled = false;

      const killGroup = (why: 'timeout' | 'abort'): void => {
        if (stoppedBy || child.pid === undefined) return;
        stoppedBy = why;
        signalGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), KILL_GRACE_MS);
        killTimer.unref();
      };
      const timer =
        options.timeoutMs !== undefined ? setTimeout(() => killGroup('timeout'), options.timeoutMs) : undefined;
      const onAbort = (): void => killGroup('abort');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        settled = true;
        if (timer) clearTimeout(timer);
        if (killTimer) clearTimeout(killTimer);
        options.signal?.removeEventListener('abort', onAbort);
        if (options.stdin instanceof Readable) options.stdin.unpipe(child.stdin);
      };

      child.stdout.on('data', (chunk: Buffer) => {
        out.push(chunk);
        onData?.(chunk, 'stdout');
        outLines?.push(chunk);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err.push(chunk);
        onData?.(chunk, 'stderr');
        errLines?.push(chunk);
      });
      child.stdin.on('error', () => {
        // The command may exit without reading its input (EPIPE); its exit status tells the story.
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (settled) return;
        cleanup();
        const code = error.code === 'ENOENT' ? 127 : error.code === 'EACCES' ? 126 : null;
        const failure = new CommandError({ host: this.name, argv, code, stderr: error.message });
        if (options.allowFailure && code !== null) resolve({ code, stdout: '', stderr: error.message });
        else reject(failure);
      });
      child.on('close', (exitCode, signalName) => {
        if (settled) return;
        cleanup();
        outLines?.end();
        errLines?.end();
        const stdout = out.text();
        const stderr = err.text();
        const code = exitCode ?? 128 + signalNumber(signalName);
        try {
          resolve(settleExec({ host: this.name, argv, options, stoppedBy, code, stdout, stderr }));
        } catch (error) {
          reject(error);
        }
      });
      if (options.stdin instanceof Readable) options.stdin.pipe(child.stdin);
      else if (options.stdin !== undefined) child.stdin.end(options.stdin);
      else child.stdin.end();
    });
  }

  async spawn(
    runId: string,
    label: string,
    argv: readonly string[],
    options: SpawnOptions = {},
  ): Promise<RemoteProcess> {
    this.assertOpen();
    return this.processes.spawn(this, { workdir: this.workdir, logger: this.logger }, runId, label, argv, options);
  }

  async writeFile(path: string, content: string | Buffer, mode?: number): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    if (mode !== undefined) await chmod(path, mode);
  }

  async upload(localPath: string, remotePath: string, mode?: number): Promise<void> {
    await mkdir(dirname(remotePath), { recursive: true });
    await copyFile(localPath, remotePath);
    if (mode !== undefined) await chmod(remotePath, mode);
  }

  sweep(options: { keepRunId?: string; signal?: AbortSignal } = {}): Promise<SweepReport> {
    return sweepHost(this, this.workdir, options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.processes.detachAll();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.name}: the node connection is closed`);
  }
}

/** Settings of a {@link LocalCluster}. */
export interface LocalClusterOptions {
  /** Absolute base work directory (REMOTE_WORKDIR); node K uses `<workdir>/localK`. */
  workdir: string;
  /** Most logical nodes one run may have (default 16). */
  maxNodes?: number;
  logger?: Logger;
}

/**
 * `CLUSTER=local`: N logical nodes `local1..localN` on this machine, each with its
 * own work directory. No SSH, no root, no reservation to wait for.
 */
export class LocalCluster implements ClusterBackend {
  readonly kind = 'local' as const;
  private readonly maxNodes: number;

  constructor(private readonly options: LocalClusterOptions) {
    if (!isAbsolute(options.workdir)) {
      throw new TypeError(`REMOTE_WORKDIR ${JSON.stringify(options.workdir)} must be an absolute path`);
    }
    this.maxNodes = options.maxNodes ?? 16;
  }

  async reserve(
    request: ReserveRequest,
    signal: AbortSignal,
    _onProgress: (message: string) => void,
  ): Promise<Allocation> {
    if (signal.aborted) throw abortReason(signal);
    checkName('run id', request.runId);
    if (!Number.isInteger(request.nodes) || request.nodes < 1 || request.nodes > this.maxNodes) {
      throw new ReservationError(
        `local cluster: cannot give ${request.nodes} nodes; allowed is 1 to ${this.maxNodes} logical nodes on this machine`,
      );
    }
    return {
      id: `luanti-bench-${request.runId}`,
      runId: request.runId,
      cluster: 'local',
      nodes: Array.from({ length: request.nodes }, (_, i) => ({ name: `local${i + 1}`, address: '127.0.0.1' })),
    };
  }

  async release(_allocation: Allocation): Promise<void> {
    // Nothing is held: processes are stopped by the pipeline and swept by the next run.
  }

  async connect(allocation: Allocation, signal: AbortSignal): Promise<NodeConnection[]> {
    if (signal.aborted) throw abortReason(signal);
    return allocation.nodes.map(
      (node) =>
        new LocalNode({
          name: node.name,
          workdir: remoteJoin(this.options.workdir, node.name),
          logger: this.options.logger?.child({ node: node.name }),
        }),
    );
  }

  async close(): Promise<void> {}
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function signalNumber(name: NodeJS.Signals | null): number {
  return name === null ? 0 : (constants.signals[name] ?? 0);
}
