import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quoteArg, quoteArgv } from '../../../src/cluster/shell-quote.js';

const dir = mkdtempSync(join(tmpdir(), 'lb-quote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a real POSIX shell makes of the quoted command line: one argument per line, NUL-separated. */
function roundTrip(shell: string, argv: string[]): string[] {
  const out = execFileSync(shell, ['-c', `printf '%s\\0' ${quoteArgv(argv)}`], { cwd: dir });
  return out.toString('utf8').split('\0').slice(0, -1);
}

const nasty = [
  `$(touch ${join(dir, 'pwned')})`,
  '`touch x`',
  "it's",
  "''",
  '"double" and \'single\'',
  'line one\nline two\n',
  'back\\slash',
  '',
  ' leading and trailing ',
  '*',
  '~',
  '; rm -rf /',
  'a|b&c>d<e',
  '$HOME ${PATH}',
  '!event',
  'ünïcødé ✓',
  '\t\r',
];

describe('quoteArg / quoteArgv', () => {
  it('leaves plain words readable', () => {
    expect(quoteArg('node2')).toBe('node2');
    expect(quoteArg('/tmp/luanti-bench/run-1')).toBe('/tmp/luanti-bench/run-1');
    expect(quoteArg('--time=5')).toBe('--time=5');
  });

  it('single-quotes everything else, escaping single quotes', () => {
    expect(quoteArg('')).toBe("''");
    expect(quoteArg('a b')).toBe("'a b'");
    expect(quoteArg("it's")).toBe(`'it'\\''s'`);
  });

  for (const shell of ['sh', 'bash']) {
    it(`${shell} reads every nasty argument back literally and runs nothing`, () => {
      expect(roundTrip(shell, nasty)).toEqual(nasty);
      expect(existsSync(join(dir, 'pwned'))).toBe(false);
      expect(existsSync(join(dir, 'x'))).toBe(false);
    });
  }

  it('refuses NUL bytes and empty argv with a clear message', () => {
    expect(() => quoteArg('a\0b')).toThrow(/NUL byte/);
    expect(() => quoteArgv([])).toThrow(/empty argv/);
  });
});
