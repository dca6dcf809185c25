import { describe, expect, it } from 'vitest';
import { parseBenchOptions, type RawOption } from '../../../src/discord/bench-options.js';
import { UserError } from '../../../src/discord/user-error.js';

const limits = { BENCH_MAX_NODES: 16, BENCH_MAX_BOTS: 1000, BENCH_MAX_DURATION_S: 1800 };
const int = (name: string, value: unknown): RawOption => ({ name, type: 4, value });
const str = (name: string, value: unknown): RawOption => ({ name, type: 3, value });

function refused(options: RawOption[]): UserError {
  try {
    parseBenchOptions(options, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError');
}

describe('parseBenchOptions', () => {
  it('turns valid options into a spec with defaults', () => {
    const spec = parseBenchOptions(
      [
        int('nodes', 3),
        int('bots', 20),
        int('duration', 30),
        str('behaviour', 'idle'),
        { name: 'ramp', type: 10, value: 2.5 },
        str('label', ' baseline v2 '),
      ],
      limits,
    );
    expect(spec).toMatchObject({
      nodes: 3,
      bots: 20,
      durationS: 30,
      behaviour: 'idle',
      rampPerS: 2.5,
      label: 'baseline v2',
    });
    expect(parseBenchOptions([int('nodes', 1), int('bots', 1)], limits)).toMatchObject({
      durationS: 120,
      behaviour: 'walk',
    });
  });

  it.each([
    ['nodes 0', [int('nodes', 0), int('bots', 5)], 'invalid_spec', /`nodes` is 0; allowed 1–16/],
    [
      'bots over the limit',
      [int('nodes', 1), int('bots', 100_000)],
      'invalid_spec',
      /`bots` is 100000; allowed 1–1000/,
    ],
    [
      'duration over the limit',
      [int('nodes', 1), int('bots', 1), int('duration', 99_999)],
      'invalid_spec',
      /`duration` is 99999; allowed 5–1800/,
    ],
    [
      'unknown behaviour',
      [int('nodes', 1), int('bots', 1), str('behaviour', 'dance')],
      'invalid_spec',
      /"dance".*idle, walk, build/,
    ],
    [
      'long label',
      [int('nodes', 1), int('bots', 1), str('label', 'a'.repeat(5000))],
      'invalid_spec',
      /5000 characters; at most 100/,
    ],
    [
      'shell metacharacters',
      [int('nodes', 1), int('bots', 1), str('label', 'x; rm -rf / && $(id)')],
      'invalid_spec',
      /may contain letters/,
    ],
    [
      'string for integer',
      [str('nodes', '3'), int('bots', 1)],
      'invalid_option',
      /`nodes` must be an integer \(got string "3"\)/,
    ],
    ['float for integer', [int('nodes', 1.5), int('bots', 1)], 'invalid_option', /must be an integer/],
    ['unknown option', [int('nodes', 1), int('bots', 1), int('cores', 4)], 'invalid_option', /Unknown option `cores`/],
    ['missing bots', [int('nodes', 1)], 'invalid_spec', /`bots` is required/],
  ])('%s → %s', (_name, options, code, message) => {
    const error = refused(options);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it('applies the configured limits, not only the schema ones', () => {
    expect(() => parseBenchOptions([int('nodes', 17), int('bots', 1)], limits)).toThrow(/allowed 1–16/);
    expect(() =>
      parseBenchOptions([int('nodes', 17), int('bots', 1)], { ...limits, BENCH_MAX_NODES: 32 }),
    ).not.toThrow();
  });
});
