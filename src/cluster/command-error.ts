import { constants } from 'node:os';
import { quoteArgv } from './shell-quote.js';

/** How many output lines a {@link CommandError} keeps. */
const TAIL_LINES = 8;
/** Keep messages well under Discord's 2000-character limit, leaving room for context around them. */
const MAX_COMMAND_CHARS = 200;
const MAX_LINE_CHARS = 160;

/** Signal numbers to names; the first name wins where aliases share a number (SIGABRT before SIGIOT). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name);
}

/**
 * What an exit status usually means, in words. Shells report death by signal n
 * as 128+n; `timeout(1)` (and our own timeouts) use 124.
 */
export function exitMeaning(code: number | null): string {
  if (code === null) return 'exit status unknown (connection lost or process vanished)';
  switch (code) {
    case 0:
      return 'success';
    case 124:
      return 'timed out';
    case 126:
      return 'command found but not executable';
    case 127:
      return 'command not found';
    case 130:
      return 'interrupted (SIGINT)';
    case 137:
      return 'killed (SIGKILL)';
    case 143:
      return 'terminated (SIGTERM)';
  }
  if (code > 128 && code < 128 + 65) {
    const n = code - 128;
    const name = SIGNAL_NAMES.get(n);
    return `killed by signal ${n}${name ? ` (${name})` : ''}`;
  }
  return `failed with exit status ${code}`;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The last `n` non-empty lines of `text`. */
export function lastLines(text: string, n = TAIL_LINES): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  return lines.slice(-n);
}

/** Fields of a {@link CommandError}. */
export interface CommandErrorDetails {
  /** Node name (or host) the command ran on. */
  host: string;
  argv: readonly string[];
  /** Exit status; null when it could not be learned. */
  code: number | null;
  stdout?: string;
  stderr?: string;
  /** Overrides the decoded meaning (e.g. "timed out after 30 s"). */
  meaning?: string;
}

/**
 * A command on a node failed. The message names the host, the command as it
 * could be typed, the exit status with its meaning, and the last output lines,
 * and stays short enough to quote in a Discord message.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly host: string;
  /** The command, quoted as a shell would need it (shortened for display). */
  readonly command: string;
  readonly code: number | null;
  readonly meaning: string;
  /** Last lines of output (stderr first, where failures are usually reported, then stdout). */
  readonly tail: string[];
  readonly stdout: string;
  readonly stderr: string;

  constructor(details: CommandErrorDetails) {
    const command = shorten(safeQuote(details.argv), MAX_COMMAND_CHARS);
    const meaning = details.meaning ?? exitMeaning(details.code);
    const stderrTail = lastLines(details.stderr ?? '');
    const tail = (stderrTail.length > 0 ? stderrTail : lastLines(details.stdout ?? '')).map((l) =>
      shorten(l, MAX_LINE_CHARS),
    );
    const status = details.code === null ? meaning : `exit ${details.code}: ${meaning}`;
    const output = tail.length > 0 ? `\n${tail.map((l) => `  | ${l}`).join('\n')}` : ' (no output)';
    super(`${details.host}: \`${command}\` ${status}${output}`);
    this.host = details.host;
    this.command = command;
    this.code = details.code;
    this.meaning = meaning;
    this.tail = tail;
    this.stdout = details.stdout ?? '';
    this.stderr = details.stderr ?? '';
  }
}

function safeQuote(argv: readonly string[]): string {
  try {
    return quoteArgv(argv);
  } catch {
    return argv.map((a) => JSON.stringify(a)).join(' ');
  }
}

/** `12 s`, `1.5 s`: durations in messages. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
