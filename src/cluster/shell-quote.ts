/**
 * POSIX shell quoting for argv arrays sent to a remote shell (sshd runs every
 * command through the user's login shell, so argv must become one string).
 *
 * Single quotes keep everything literal in sh, bash, dash and zsh, including
 * `$`, backticks, backslashes and newlines; the only character that needs care
 * is the single quote itself, written as `'\''` (close, escaped quote, reopen).
 */

/** Characters that never need quoting; words made only of these stay readable in logs. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one argument so that a POSIX shell reads it back as exactly this text. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0'))
    throw new TypeError(`Argument contains a NUL byte, which no command line can carry: ${JSON.stringify(arg)}`);
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quote every element and join with spaces: the result runs `argv` with no word splitting or expansion. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('Cannot quote an empty argv: a command needs at least a program name');
  return argv.map(quoteArg).join(' ');
}
