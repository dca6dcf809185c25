import type { Readable } from 'node:stream';

/**
 * What the pipeline needs from one node of a run, whatever the cluster kind:
 * `local` implements it with child processes, `ssh` with one ssh2 connection.
 *
 * Commands are always argv arrays; implementations quote every element, so
 * nothing a user typed is ever pasted into a shell string. A shell script is
 * passed as a fixed constant with its inputs as positional parameters:
 * `['sh', '-c', SCRIPT, 'sh', arg1, arg2]`.
 */

/** Options for {@link NodeConnection.exec}. */
export interface ExecOptions {
  /** Kill the command after this long (default: no limit). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called for every complete output line as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Called with every raw chunk of output as it arrives (byte-exact, before line splitting). */
  onData?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /**
   * Keep only the last this many bytes of stdout and of stderr in the result (default:
   * all). For long streams that are consumed through `onLine`/`onData` as they arrive.
   */
  keepBytes?: number;
  /**
   * Written to the command's stdin, which is then closed. A stream is piped in as it
   * produces data (stdin stays open until it ends): a control line to a long command.
   */
  stdin?: string | Buffer | Readable;
  /** Resolve with a non-zero exit code instead of throwing {@link CommandError}. Default false. */
  allowFailure?: boolean;
}

export interface ExecResult {
  /** Exit status; 128+n when killed by signal n. */
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link NodeConnection.spawn}. */
export interface SpawnOptions {
  /** Environment variables for the process (names `[A-Z_][A-Z0-9_]*`). */
  env?: Record<string, string>;
  /** Working directory on the node (default: the run's directory). */
  cwd?: string;
  /** Called for every output line (stdout and stderr are merged into the log file). */
  onLine?: (line: string) => void;
}

/**
 * A long-running process on a node: its own process group, with a pid file and
 * a log file under the run's directory, so it survives the loss of the SSH
 * connection and can always be found and stopped again (see `sweep`).
 */
export interface RemoteProcess {
  readonly node: string;
  readonly label: string;
  /** Process group id (= pid of the group leader). */
  readonly pgid: number;
  /** Path of the log file on the node. */
  readonly logPath: string;
  /** Send text to the process's stdin (delivered through a FIFO, not the SSH channel). */
  write(data: string): Promise<void>;
  /** Resolves with the exit code (null if it could not be learned) when the process ends. */
  readonly exited: Promise<number | null>;
  /** TERM the whole group, wait `graceMs` (default 5000), then KILL. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** The last `n` lines of the log file. */
  tail(n?: number): Promise<string[]>;
}

/** What {@link NodeConnection.sweep} found and removed. */
export interface SweepReport {
  node: string;
  /** Process groups killed, with the run directory they belonged to. */
  killed: { pgid: number; runDir: string; label: string }[];
  /** Run directories removed. */
  removedDirs: string[];
}

/** One node of a run, connected for the whole run. */
export interface NodeConnection {
  /** Name of the node in the allocation (e.g. `node2`, or the host name). */
  readonly name: string;
  /** Address used to reach it (IP or DNS name). */
  readonly address: string;
  /** Run one command to completion. Throws `CommandError` on non-zero exit unless `allowFailure`. */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Start a long-running process for run `runId` under `<workdir>/<runId>/<label>.{pid,log,in}`. */
  spawn(runId: string, label: string, argv: readonly string[], options?: SpawnOptions): Promise<RemoteProcess>;
  /** Write a file from memory (creates parent directories). */
  writeFile(path: string, content: string | Buffer, mode?: number): Promise<void>;
  /** Copy a local file to the node. */
  upload(localPath: string, remotePath: string, mode?: number): Promise<void>;
  /**
   * Kill process groups left under this tool's run directories on the node and remove
   * those directories. `keepRunId` is spared (the run that is starting).
   */
  sweep(options?: { keepRunId?: string; signal?: AbortSignal }): Promise<SweepReport>;
  /** The tool's work directory on the node (REMOTE_WORKDIR). */
  readonly workdir: string;
  /** Close the connection. Idempotent; does not stop spawned processes. */
  close(): Promise<void>;
}
