import { spawn } from 'node:child_process';

/** Result of one local command: exit status (128+n when killed by signal n) and its output. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  /** Extra environment variables on top of this process's environment. */
  env?: Record<string, string>;
  /** Kill the command (SIGKILL) after this long; default 30 s. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed. */
  stdin?: string;
}

/** A fixture step failed: names the command, the decoded exit status and the last output lines. */
export class TestClusterError extends Error {
  override readonly name = 'TestClusterError';
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/** 127 not found, 137 killed, 143 terminated: the codes a person asks about. */
export function describeExit(code: number): string {
  if (code === 127) return 'exit 127 (command not found)';
  if (code === 126) return 'exit 126 (not executable)';
  if (code === 137) return 'exit 137 (killed)';
  if (code === 143) return 'exit 143 (terminated)';
  if (code > 128 && code < 160) return `exit ${code} (signal ${code - 128})`;
  return `exit ${code}`;
}

/** The last `n` non-empty lines of some output, for error messages short enough to read. */
export function lastLines(text: string, n = 5): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-n)
    .join('\n');
}

/** Runs a command to completion; never throws for a non-zero exit (see {@link mustRun}). */
export function runCommand(argv: readonly string[], options: RunCommandOptions = {}): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new TestClusterError('runCommand: empty argv'));
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    if (options.stdin !== undefined && child.stdin) child.stdin.end(options.stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: error.code === 'ENOENT' ? 127 : 126, stdout, stderr: stderr + error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0), stdout, stderr });
    });
  });
}

/** Runs a command and throws {@link TestClusterError} (command, exit meaning, last lines) unless it exits 0. */
export async function mustRun(
  step: string,
  argv: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const result = await runCommand(argv, options);
  if (result.code !== 0) {
    const tail = lastLines(`${result.stdout}\n${result.stderr}`);
    throw new TestClusterError(
      `${step}: \`${argv.join(' ')}\` failed with ${describeExit(result.code)}${tail ? `:\n${tail}` : ''}`,
    );
  }
  return result;
}
