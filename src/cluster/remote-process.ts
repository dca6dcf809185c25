import type { Logger } from 'pino';
import { sleep, within } from './abort.js';
import { exitMeaning, lastLines } from './command-error.js';
import { createLineSplitter } from './line-splitter.js';
import { PassThrough } from 'node:stream';
import type { ExecOptions, ExecResult, RemoteProcess, SpawnOptions, SweepReport } from './node.js';

/**
 * The one process-group scheme used on every node, over SSH and locally alike.
 *
 * A process of run R with label L lives under `<workdir>/<R>/`:
 * - `L.pid`  process group id (the group leader is the `sh` running {@link RUN_SCRIPT});
 * - `L.log`  stdout and stderr of the command;
 * - `L.in`   a FIFO that is the command's stdin, held open by the group leader so
 *            that writes work at any time without an SSH channel;
 * - `L.exit` the exit status, written when the command ends.
 * Every process of the group carries `LUANTI_BENCH_RUN=<R>` in its environment, so
 * a pid file left by a dead worker is only acted on while the group still is ours.
 * The group is its own session (`setsid`), so it survives the SSH connection and
 * is stopped with `kill -TERM -PGID`, then `kill -KILL -PGID` after a grace period.
 *
 * All scripts are constants; their inputs are positional parameters, so nothing
 * a user typed is ever part of a shell program.
 */

/** Environment marker naming the run a process belongs to. */
export const RUN_MARKER = 'LUANTI_BENCH_RUN';
/** Environment marker naming the node a process was started for (local nodes share one kernel). */
export const NODE_MARKER = 'LUANTI_BENCH_NODE';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** A run id, label or node name is unusable as a file name. */
export class InvalidNameError extends Error {
  override readonly name = 'InvalidNameError';
}

/** Throws {@link InvalidNameError} unless `value` is safe as one path component. */
export function checkName(kind: string, value: string): string {
  if (!NAME.test(value)) {
    throw new InvalidNameError(
      `${kind} ${JSON.stringify(value)} is not allowed: use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return value;
}

/** Whether `member` is a group of ours: some process in group $1 has RUN_MARKER=$2. */
const OURS_FN = `ours() {
  for p in $(pgrep -g "$1" 2>/dev/null); do
    if tr '\\000' '\\n' < "/proc/$p/environ" 2>/dev/null | grep -qxF "${RUN_MARKER}=$2"; then return 0; fi
  done
  return 1
}`;

/**
 * Launcher: `sh -c SPAWN sh RUN WATCH STOP dir label runId node cwd argv…`. Prepares the
 * files, starts {@link RUN_SCRIPT} in a new session, prints its pgid as the first line,
 * and then stays with the process for its whole life, so that no further command is
 * needed (every command costs a login shell on the node): it becomes {@link WATCH_SCRIPT}
 * (log and end on its output), while its own stdin — kept open by the tool — carries
 * control lines: `in TEXT` puts the line TEXT on the process's stdin, `stop MS` runs
 * {@link STOP_SCRIPT} with grace MS and leaves its verdict in `L.stop`. Stdin's end ends
 * the control loop.
 */
export const SPAWN_SCRIPT = `run=$1; watch=$2; stop=$3; d=$4; l=$5; r=$6; n=$7
if [ -s "$d/$l.pid" ] && [ ! -f "$d/$l.exit" ] && kill -0 -"$(cat "$d/$l.pid")" 2>/dev/null; then
  echo "a process labelled $l is already running in $d (pgid $(cat "$d/$l.pid"))" >&2; exit 89
fi
mkdir -p "$d" || exit 90
rm -f "$d/$l.pid" "$d/$l.exit" "$d/$l.in" "$d/$l.stop" || exit 90
mkfifo -m 600 "$d/$l.in" || exit 90
: > "$d/$l.log" || exit 90
shift 3
${RUN_MARKER}=$r ${NODE_MARKER}=$n setsid sh -c "$run" sh "$@" </dev/null >/dev/null 2>&1 &
i=0
while [ ! -s "$d/$l.pid" ]; do
  i=$((i+1))
  if [ "$i" -gt 1000 ]; then echo "the process did not start: no pid file $d/$l.pid after 10 s" >&2; exit 91; fi
  sleep 0.01
done
g=$(cat "$d/$l.pid"); echo "$g"
exec 4<&0
while IFS= read -r c <&4; do
  case $c in
    'in '*) printf '%s\\n' "\${c#in }" > "$d/$l.in" ;;
    'stop '*) sh -c "$stop" sh "$g" "$r" "\${c#stop }" > "$d/$l.stop" & ;;
  esac
done >/dev/null 2>&1 &
exec sh -c "$watch" sh "$d" "$l" 0 4<&-`;

/**
 * Group leader: `sh -c RUN sh dir label runId node cwd argv…`. Holds the FIFO open
 * (fd 3, read-write, so neither side ever blocks or sees EOF), runs the command,
 * and records its exit status. It traps TERM so that it outlives the command long
 * enough to write `L.exit`; the command itself gets default signal handling.
 */
export const RUN_SCRIPT = `d=$1; l=$2; c=$5; shift 5
cd "$d" || exit 92
exec 3<>"$l.in"
echo $$ > "$l.pid.tmp" && mv -f "$l.pid.tmp" "$l.pid"
trap 'got=1' HUP INT TERM
if cd "$c" 2>>"$d/$l.log"; then
  "$@" <&3 >>"$d/$l.log" 2>&1 3>&- &
  child=$!
  while :; do
    wait "$child"; code=$?
    if [ "$code" -le 128 ] || ! kill -0 "$child" 2>/dev/null; then break; fi
  done
else
  code=92
fi
exec 3>&-
echo "$code" > "$d/$l.exit.tmp" && mv -f "$d/$l.exit.tmp" "$d/$l.exit"`;

/**
 * `sh -c WATCH sh dir label offset` (run by {@link SPAWN_SCRIPT}): the log from byte `offset` on stdout as it is
 * written, until the group leader has exited (tail's final read comes after that,
 * so nothing is lost); then, as the last line on stderr, `exit N`, `killed` (by a control
 * line's stop) or `gone` — or
 * `watch-failed` when tail cannot follow (e.g. a tail without --pid), and the
 * caller falls back to {@link POLL_SCRIPT}. Instead of one command every poll: at 16
 * nodes the polls were ~32 commands/s.
 */
export const WATCH_SCRIPT = `d=$1; l=$2
g=$(cat "$d/$l.pid" 2>/dev/null)
case $g in ''|*[!0-9]*) echo "watch-failed: no pid in $d/$l.pid" >&2; exit 0 ;; esac
if tail -c "+$(($3 + 1))" -f -s 0.2 --pid="$g" -- "$d/$l.log"; then
  if [ -f "$d/$l.exit" ]; then printf 'exit %s\\n' "$(cat "$d/$l.exit")" >&2; exit 0; fi
  # KILLed: the leader is gone; report once the rest of the group is too (as POLL would).
  i=0
  while kill -0 -"$g" 2>/dev/null && [ "$i" -lt 100 ]; do i=$((i+1)); sleep 0.05; done
  if kill -0 -"$g" 2>/dev/null; then echo 'watch-failed: the group outlived its leader' >&2
  elif [ "$(cat "$d/$l.stop" 2>/dev/null)" = killed ]; then echo killed >&2
  else echo gone >&2; fi
else
  echo watch-failed >&2
fi
exit 0`;

/**
 * `sh -c POLL sh dir label offset max` (used when {@link WATCH_SCRIPT} cannot run): first line `exit N`, `alive`, `killed` or `gone`,
 * then up to `max` bytes of the log from byte `offset`. The state is read before
 * the log, so after `exit`/`gone` the log read is complete.
 */
export const POLL_SCRIPT = `d=$1; l=$2
if [ -f "$d/$l.exit" ]; then printf 'exit %s\\n' "$(cat "$d/$l.exit")"
elif [ -s "$d/$l.pid" ] && kill -0 -"$(cat "$d/$l.pid")" 2>/dev/null; then echo alive
elif [ "$(cat "$d/$l.stop" 2>/dev/null)" = killed ]; then echo killed
else echo gone; fi
if [ -f "$d/$l.log" ]; then tail -c "+$(($3 + 1))" "$d/$l.log" | head -c "$4"; fi
exit 0`;

/** `sh -c STOP sh pgid runId graceMs`: prints `absent`, `terminated` or `killed`. */
export const STOP_SCRIPT = `${OURS_FN}
g=$1; n=$(($3 / 100))
if ! ours "$g" "$2"; then echo absent; exit 0; fi
kill -TERM -"$g" 2>/dev/null
i=0
while kill -0 -"$g" 2>/dev/null; do
  # The verdict first: a watcher that sees the group vanish must find it.
  if [ "$i" -ge "$n" ]; then echo killed; kill -KILL -"$g" 2>/dev/null; exit 0; fi
  i=$((i+1)); sleep 0.1
done
echo terminated`;

/** `sh -c WRITE sh fifo` with the data on stdin. Opening read-write never blocks on a FIFO. */
export const WRITE_SCRIPT = `[ -p "$1" ] || { echo "no input FIFO $1: the process is not running" >&2; exit 1; }
exec 3<>"$1" && cat >&3`;

/**
 * `sh -c SWEEP sh workdir keepRunId graceMs`: for every run directory except the
 * kept one, TERM (then KILL) each recorded group still marked as that run's, and
 * remove the directory. Prints `killed PGID RUNDIR LABEL` and `removed DIR` lines.
 */
export const SWEEP_SCRIPT = `${OURS_FN}
w=$1; keep=$2; n=$(($3 / 100))
[ -d "$w" ] || exit 0
for d in "$w"/*; do
  [ -d "$d" ] || continue
  r=\${d##*/}
  [ "$r" = "$keep" ] && continue
  groups=
  for pf in "$d"/*.pid; do
    [ -f "$pf" ] || continue
    g=$(cat "$pf" 2>/dev/null)
    case $g in ''|*[!0-9]*) continue ;; esac
    l=\${pf##*/}; l=\${l%.pid}
    if ours "$g" "$r"; then
      kill -TERM -"$g" 2>/dev/null
      groups="$groups $g"
      printf 'killed %s %s %s\\n' "$g" "$d" "$l"
    fi
  done
  for g in $groups; do
    i=0
    while kill -0 -"$g" 2>/dev/null; do
      if [ "$i" -ge "$n" ]; then kill -KILL -"$g" 2>/dev/null; break; fi
      i=$((i+1)); sleep 0.1
    done
  done
  rm -rf -- "$d" && printf 'removed %s\\n' "$d"
done
exit 0`;

/** What the scheme needs from a node: run one command to completion. */
export interface ProcessHost {
  readonly name: string;
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

/** Inputs of {@link startProcess}. */
export interface StartProcessOptions {
  /** Absolute work directory of the node; the run directory is `<workdir>/<runId>`. */
  workdir: string;
  runId: string;
  label: string;
  argv: readonly string[];
  env?: Record<string, string>;
  /** Default: the run directory. */
  cwd?: string;
  onLine?: (line: string) => void;
  /** How often the state and new log lines are polled when watching them cannot work (default 500 ms). */
  pollMs?: number;
  logger?: Logger;
}

/** Upper bound of log bytes read per poll. */
const POLL_MAX_BYTES = 256 * 1024;
/** How long stop() waits for the watch to report the end before reading the state itself. */
const WATCH_END_GRACE_MS = 3000;
/** Consecutive poll failures (e.g. connection gone) after which the exit status is given up as unknown. */
const POLL_MAX_FAILURES = 5;

/** Joins a path on a node (always POSIX). */
export function remoteJoin(...parts: string[]): string {
  return parts.join('/').replace(/\/{2,}/g, '/');
}

/**
 * The processes one node connection started and still follows. A closing connection
 * detaches them (stops following) but never stops them: the pipeline stops them, and a
 * later sweep finds whatever a crash left.
 */
export class ProcessRegistry {
  private readonly live = new Set<ScriptedProcess>();

  /** {@link NodeConnection.spawn} for a node whose work directory is `workdir`. */
  async spawn(
    host: ProcessHost,
    base: { workdir: string; logger?: Logger },
    runId: string,
    label: string,
    argv: readonly string[],
    options: SpawnOptions = {},
  ): Promise<ScriptedProcess> {
    const handle = await startProcess(host, {
      workdir: base.workdir,
      runId,
      label,
      argv,
      env: options.env,
      cwd: options.cwd,
      onLine: options.onLine,
      logger: base.logger,
    });
    this.live.add(handle);
    void handle.exited.then(() => this.live.delete(handle));
    return handle;
  }

  detachAll(): void {
    for (const handle of this.live) handle.detach();
    this.live.clear();
  }
}

/** Start `argv` under the scheme on `host` and return a handle to it. */
export async function startProcess(host: ProcessHost, options: StartProcessOptions): Promise<ScriptedProcess> {
  checkName('run id', options.runId);
  checkName('process label', options.label);
  checkName('node name', host.name);
  if (options.argv.length === 0) throw new TypeError('spawn needs a command: argv is empty');
  const command: string[] = [];
  const envEntries = Object.entries(options.env ?? {});
  if (envEntries.length > 0) {
    for (const [key] of envEntries) {
      if (!ENV_NAME.test(key)) {
        throw new InvalidNameError(
          `environment variable name ${JSON.stringify(key)} is not allowed: use [A-Z_][A-Z0-9_]*`,
        );
      }
    }
    if (options.argv[0]?.includes('=')) {
      throw new InvalidNameError(
        `program name ${JSON.stringify(options.argv[0])} must not contain '=' when env is set`,
      );
    }
    command.push('env', ...envEntries.map(([k, v]) => `${k}=${v}`));
  }
  command.push(...options.argv);
  const runDir = remoteJoin(options.workdir, options.runId);
  const cwd = options.cwd ?? runDir;
  const handle = new ScriptedProcess(host, runDir, options);
  await handle.launch([
    RUN_SCRIPT,
    WATCH_SCRIPT,
    STOP_SCRIPT,
    runDir,
    options.label,
    options.runId,
    host.name,
    cwd,
    ...command,
  ]);
  return handle;
}

/** The handle {@link startProcess} returns; nodes call `detach()` when their connection closes. */
export class ScriptedProcess implements RemoteProcess {
  readonly node: string;
  readonly label: string;
  readonly logPath: string;
  private group = 0;
  readonly exited: Promise<number | null>;
  private resolveExit!: (code: number | null) => void;
  private done = false;
  /** Bytes of the log delivered so far, by the watch or by polls. */
  private offset = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private watching: { controller: AbortController; ended: Promise<void> } | undefined;
  /** The launcher's stdin while it follows the process: control lines (see {@link SPAWN_SCRIPT}). */
  private readonly control = new PassThrough();
  private stopping: Promise<void> | undefined;
  private killed = false;
  private readonly pollMs: number;
  private readonly splitter: ReturnType<typeof createLineSplitter> | undefined;

  constructor(
    private readonly host: ProcessHost,
    private readonly runDir: string,
    private readonly options: StartProcessOptions,
  ) {
    this.node = host.name;
    this.label = options.label;
    this.logPath = remoteJoin(runDir, `${options.label}.log`);
    this.pollMs = options.pollMs ?? 500;
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
    const onLine = options.onLine;
    this.splitter = onLine ? createLineSplitter((line) => safeCall(onLine, line)) : undefined;
  }

  /** Process group id; known once {@link launch} has resolved. */
  get pgid(): number {
    return this.group;
  }

  /**
   * Run {@link SPAWN_SCRIPT} with `args` and keep following its output: resolves once the
   * process group id arrived (the first line); the rest is the process's log and, at the
   * end, its state. Rejects if the launcher failed, with its exit status and output.
   */
  launch(args: readonly string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const controller = new AbortController();
      let head: Buffer | undefined = Buffer.alloc(0);
      const started = (): boolean => head === undefined;
      const ended = this.host
        .exec(['sh', '-c', SPAWN_SCRIPT, 'sh', ...args], {
          signal: controller.signal,
          stdin: this.control,
          keepBytes: 4096,
          onData: (chunk, stream) => {
            if (stream !== 'stdout' || this.done) return;
            if (head !== undefined) {
              head = Buffer.concat([head, chunk]);
              const nl = head.indexOf(10);
              if (nl < 0) return;
              const line = head.subarray(0, nl).toString('latin1').trim();
              const rest = head.subarray(nl + 1);
              head = undefined;
              const pgid = Number.parseInt(line, 10);
              if (!Number.isInteger(pgid) || pgid <= 1) {
                controller.abort(this.noPgid(line));
                return;
              }
              this.group = pgid;
              resolve();
              chunk = rest;
            }
            this.offset += chunk.length;
            if (chunk.length > 0) this.splitter?.push(chunk);
          },
        })
        .then(
          (result) => {
            if (started()) this.watchEnded(lastLines(result.stderr, 1)[0]?.trim());
            else reject(this.noPgid(result.stdout));
          },
          (error: unknown) => {
            if (started()) this.watchEnded(undefined, error);
            else reject(controller.signal.aborted ? controller.signal.reason : error);
          },
        )
        .finally(() => {
          this.watching = undefined;
          this.control.end();
        });
      this.watching = { controller, ended };
    });
  }

  private noPgid(got: string): Error {
    return new Error(`${this.node}: starting ${this.label} printed no process group id (got ${JSON.stringify(got)})`);
  }

  private watchEnded(state: string | undefined, error?: unknown): void {
    if (this.done) return;
    if (state !== undefined && (state === 'gone' || state === 'killed' || state.startsWith('exit '))) {
      this.splitter?.end();
      this.finishFrom(state);
      return;
    }
    this.options.logger?.debug({ err: error, state, label: this.label }, 'watching the process failed; polling');
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.done) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pollOnce().then(() => this.schedule(this.pollMs));
    }, delayMs);
    this.timer.unref();
  }

  /** One poll; concurrent callers share it. */
  private pollOnce(): Promise<void> {
    if (this.done) return Promise.resolve();
    this.polling ??= this.readState().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async readState(): Promise<void> {
    let result: ExecResult;
    try {
      result = await this.host.exec(
        ['sh', '-c', POLL_SCRIPT, 'sh', this.runDir, this.label, String(this.offset), String(POLL_MAX_BYTES)],
        { allowFailure: true, timeoutMs: 60_000 },
      );
    } catch (error) {
      this.failures += 1;
      this.options.logger?.debug({ err: error, label: this.label }, 'reading process state failed');
      if (this.failures >= POLL_MAX_FAILURES) this.finish(null);
      return;
    }
    this.failures = 0;
    const nl = result.stdout.indexOf('\n');
    const state = nl >= 0 ? result.stdout.slice(0, nl) : result.stdout;
    const chunk = nl >= 0 ? result.stdout.slice(nl + 1) : '';
    const ended = state !== 'alive';
    const chunkBytes = Buffer.byteLength(chunk);
    const complete = ended && chunkBytes < POLL_MAX_BYTES - 4;
    // Consume whole lines only, so a line (or a character) cut by the byte limit is read whole next time.
    const lastNl = chunk.lastIndexOf('\n');
    const take = complete || (lastNl < 0 && chunkBytes >= POLL_MAX_BYTES - 4) ? chunk : chunk.slice(0, lastNl + 1);
    this.offset += Buffer.byteLength(take);
    if (take.length > 0) this.splitter?.push(take);
    if (!complete) return;
    this.splitter?.end();
    this.finishFrom(state);
  }

  /** Ends the handle from a final state line: `exit N`, `killed` or `gone`. */
  private finishFrom(state: string): void {
    if (state === 'killed') {
      this.finish(137);
    } else if (state.startsWith('exit ')) {
      const code = Number.parseInt(state.slice(5), 10);
      this.finish(Number.isInteger(code) ? code : null);
    } else {
      // The group vanished without recording a status: it was KILLed (by us or someone else).
      this.finish(this.killed ? 137 : null);
    }
  }

  private finish(code: number | null): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.watching?.controller.abort(new Error('the process handle is done'));
    this.control.end();
    this.options.logger?.debug({ label: this.label, code, meaning: exitMeaning(code) }, 'process ended');
    this.resolveExit(code);
  }

  /** Stop watching (the connection is closing); the exit status stays unknown. */
  detach(): void {
    this.finish(null);
  }

  async write(data: string): Promise<void> {
    if (this.done) throw new Error(`${this.node}: cannot write to ${this.label}: it has ended`);
    if (this.watching && /^([^\r\n]*\n)+$/.test(data)) {
      // Whole lines go over the launcher's control line: no command, and no delay.
      for (const line of data.slice(0, -1).split('\n')) this.control.write(`in ${line}\n`);
      return;
    }
    await this.host.exec(['sh', '-c', WRITE_SCRIPT, 'sh', remoteJoin(this.runDir, `${this.label}.in`)], {
      stdin: data,
      timeoutMs: 30_000,
    });
  }

  stop(graceMs = 5000): Promise<void> {
    this.stopping ??= this.doStop(graceMs);
    return this.stopping;
  }

  private async doStop(graceMs: number): Promise<void> {
    const grace = Math.max(0, Math.round(graceMs));
    if (!this.done && this.watching) {
      // Over the control line; the command below is the fallback when the launcher does not answer.
      this.control.write(`stop ${grace}\n`);
      await within(this.exited, grace + WATCH_END_GRACE_MS);
    }
    if (!this.done) {
      const result = await this.host.exec(
        ['sh', '-c', STOP_SCRIPT, 'sh', String(this.pgid), this.options.runId, String(grace)],
        { timeoutMs: grace + 30_000 },
      );
      if (result.stdout.trim() === 'killed') this.killed = true;
    }
    // The watch sees the leader exit within its 0.2 s interval; if it has not ended
    // by then (connection trouble), read the final state and the rest of the log directly.
    const watch = this.watching;
    if (watch && !this.done) {
      await within(this.exited, WATCH_END_GRACE_MS);
      if (!this.done) {
        watch.controller.abort(new Error('the watch did not see the process end'));
        await watch.ended;
      }
    }
    for (let i = 0; i < 20 && !this.done; i++) {
      await this.pollOnce();
      if (!this.done) await sleep(100);
    }
  }

  async tail(n = 20): Promise<string[]> {
    const result = await this.host.exec(['tail', '-n', String(Math.max(1, Math.floor(n))), this.logPath], {
      allowFailure: true,
      timeoutMs: 30_000,
    });
    if (result.code !== 0) return [];
    const lines = result.stdout.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines;
  }
}

function safeCall(fn: (line: string) => void, line: string): void {
  try {
    fn(line);
  } catch {
    // A consumer's bug must not stop the log stream of a running process.
  }
}

/** How long a sweep lets a leftover group go after TERM before it KILLs it. */
export const SWEEP_GRACE_MS = 3000;

/** Run {@link SWEEP_SCRIPT} on `host` and parse its report. */
export async function sweepHost(
  host: ProcessHost,
  workdir: string,
  options: { keepRunId?: string; signal?: AbortSignal; graceMs?: number } = {},
): Promise<SweepReport> {
  if (options.keepRunId !== undefined) checkName('run id', options.keepRunId);
  const result = await host.exec(
    ['sh', '-c', SWEEP_SCRIPT, 'sh', workdir, options.keepRunId ?? '', String(options.graceMs ?? SWEEP_GRACE_MS)],
    { signal: options.signal, timeoutMs: 300_000 },
  );
  return parseSweepOutput(host.name, result.stdout);
}

/** Parse the lines printed by {@link SWEEP_SCRIPT}. */
export function parseSweepOutput(node: string, stdout: string): SweepReport {
  const report: SweepReport = { node, killed: [], removedDirs: [] };
  for (const line of stdout.split('\n')) {
    const killed = /^killed (\d+) (.+) (\S+)$/.exec(line);
    if (killed) {
      report.killed.push({ pgid: Number(killed[1]), runDir: killed[2] ?? '', label: killed[3] ?? '' });
    } else if (line.startsWith('removed ')) {
      report.removedDirs.push(line.slice('removed '.length));
    }
  }
  return report;
}
