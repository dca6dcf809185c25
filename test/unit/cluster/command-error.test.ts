import { describe, expect, it } from 'vitest';
import { CommandError, exitMeaning } from '../../../src/cluster/command-error.js';

describe('exitMeaning', () => {
  it.each([
    [0, 'success'],
    [127, 'command not found'],
    [126, 'command found but not executable'],
    [137, 'killed (SIGKILL)'],
    [143, 'terminated (SIGTERM)'],
    [130, 'interrupted (SIGINT)'],
    [124, 'timed out'],
    [129, 'killed by signal 1 (SIGHUP)'],
    [134, 'killed by signal 6 (SIGABRT)'],
    [1, 'failed with exit status 1'],
    [42, 'failed with exit status 42'],
    [null, 'exit status unknown (connection lost or process vanished)'],
  ])('%s → %s', (code, meaning) => {
    expect(exitMeaning(code)).toBe(meaning);
  });
});

describe('CommandError', () => {
  it('names host, command, status and meaning, and shows the last lines of stderr', () => {
    const stderr = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const error = new CommandError({
      host: 'node2',
      argv: ['minetestserver', '--world', 'my world'],
      code: 127,
      stderr,
    });
    expect(error.name).toBe('CommandError');
    expect(error.host).toBe('node2');
    expect(error.command).toBe("minetestserver --world 'my world'");
    expect(error.code).toBe(127);
    expect(error.meaning).toBe('command not found');
    expect(error.tail).toEqual([
      'line 22',
      'line 23',
      'line 24',
      'line 25',
      'line 26',
      'line 27',
      'line 28',
      'line 29',
    ]);
    expect(error.message).toContain("node2: `minetestserver --world 'my world'` exit 127: command not found");
    expect(error.message).toContain('| line 29');
    expect(error.message).not.toContain('line 21');
  });

  it('falls back to stdout and says when there was no output', () => {
    expect(new CommandError({ host: 'h', argv: ['x'], code: 1, stdout: 'oops\n' }).tail).toEqual(['oops']);
    expect(new CommandError({ host: 'h', argv: ['x'], code: 1 }).message).toContain('(no output)');
  });

  it('stays short enough for a Discord message whatever the output', () => {
    const huge = `${'x'.repeat(5000)}\n`.repeat(50);
    const error = new CommandError({ host: 'node1', argv: ['sh', '-c', 'y'.repeat(5000)], code: 1, stderr: huge });
    expect(error.message.length).toBeLessThan(1700);
  });

  it('takes an explicit meaning (timeouts)', () => {
    const error = new CommandError({ host: 'n', argv: ['sleep', '9'], code: 124, meaning: 'timed out after 1 s' });
    expect(error.message).toContain('exit 124: timed out after 1 s');
  });
});
