import { abortReason } from './abort.js';
import { CommandError, formatSeconds } from './command-error.js';
import type { ExecOptions, ExecResult } from './node.js';

/** How one finished command ended, as local and SSH nodes both observe it. */
export interface ExecEnd {
  host: string;
  argv: readonly string[];
  options: ExecOptions;
  /** Set when the tool itself stopped the command. */
  stoppedBy: 'timeout' | 'abort' | undefined;
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The result of an exec, decided the same way for every kind of node: an abort
 * surfaces as the abort's reason, a timeout as exit 124 saying how long it ran,
 * a non-zero exit as a {@link CommandError} unless the caller allows failure.
 */
export function settleExec(end: ExecEnd): ExecResult {
  const { host, argv, options, stdout, stderr } = end;
  if (end.stoppedBy === 'abort') throw abortReason(options.signal);
  if (end.stoppedBy === 'timeout') {
    throw new CommandError({
      host,
      argv,
      code: 124,
      stdout,
      stderr,
      meaning: `timed out after ${formatSeconds(options.timeoutMs ?? 0)}`,
    });
  }
  if (end.code !== 0 && !options.allowFailure) throw new CommandError({ host, argv, code: end.code, stdout, stderr });
  return { code: end.code, stdout, stderr };
}
