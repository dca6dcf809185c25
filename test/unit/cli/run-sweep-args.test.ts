import { describe, expect, it } from 'vitest';
import { parseCliSweep, RunArgumentError } from '../../../src/cli/run-command.js';
import { stepSpecs } from '../../../src/cli/sweep-runner.js';
import { InvalidSpecError, parseRunSpec } from '../../../src/jobs/run-spec.js';

function error(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('run --sweep arguments', () => {
  it('parses a bots sweep', () => {
    expect(parseCliSweep('bots=3,5,20,100', undefined)).toEqual({ key: 'bots', values: [3, 5, 20, 100] });
  });

  it.each([
    ['nodes=1,2', undefined, /--sweep "nodes=1,2": only bots can be swept/],
    ['bots=3', undefined, /--sweep: sweep "bots=3" needs at least 2 values/],
    ['bots=3,x', undefined, /sweep value "x" in "bots=3,x" is not a whole number ≥ 1/],
    ['cpu=1,2', undefined, /sweep key "cpu" is not one of bots, nodes/],
    ['bots=3,5', 3, /--bots 3 and --sweep "bots=3,5" both set the bot count/],
  ])('%s (--bots %s) is refused with a message naming it', (text, bots, message) => {
    const err = error(() => parseCliSweep(text, bots));
    expect(err).toBeInstanceOf(RunArgumentError);
    expect(err.name).toBe('RunArgumentError');
    expect(err.message).toMatch(message);
  });

  it('step specs differ only in the swept value', () => {
    const spec = parseRunSpec({ nodes: 2, bots: 3, durationS: 30, behaviour: 'idle', label: 'x' });
    const steps = stepSpecs(spec, { key: 'bots', values: [3, 5, 20] });
    expect(steps.map((s) => s.bots)).toEqual([3, 5, 20]);
    for (const s of steps) expect({ ...s, bots: 0 }).toEqual({ ...spec, bots: 0 });
  });

  it('a step value the spec does not allow is refused before anything runs', () => {
    const spec = parseRunSpec({ nodes: 2, bots: 3 });
    const err = error(() => stepSpecs(spec, { key: 'bots', values: [3, 500_000] }));
    expect(err).toBeInstanceOf(InvalidSpecError);
    expect(err.message).toMatch(/bots \(got 500000\)/);
  });
});
