import { describe, expect, it } from 'vitest';
import { parseServer, parseSwarmArgs, SwarmUsageError } from '../../../src/swarm/swarm-args.js';

describe('swarm arguments', () => {
  it('fills defaults', () => {
    const o = parseSwarmArgs({ server: '127.0.0.1:30000', bots: '20' });
    expect(o).toMatchObject({
      durationS: 60,
      waitForGo: false,
      swarm: {
        host: '127.0.0.1',
        port: 30000,
        bots: 20,
        prefix: 'bot',
        startIndex: 1,
        behaviour: 'walk',
        rampPerS: 10,
      },
    });
    expect(parseServer('[::1]:30001')).toEqual({ host: '::1', port: 30001 });
  });

  it('checks every bot name up front: lowercase, at most 19 characters', () => {
    expect(() => parseSwarmArgs({ server: 'h:1', bots: '1', prefix: 'Bot' })).toThrowError(/--prefix "Bot"/);
    expect(() =>
      parseSwarmArgs({ server: 'h:1', bots: '10', prefix: 'abcdefghijklmnopq', startIndex: '91' }),
    ).toThrowError(/bot name "abcdefghijklmnopq100" .* has 20 characters; Luanti accepts at most 19/);
    expect(parseSwarmArgs({ server: 'h:1', bots: '9', prefix: 'abcdefghijklmnopq', startIndex: '91' }).swarm.bots).toBe(
      9,
    );
  });

  it('names the bad value and what is allowed', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ server: 'nohostport', bots: '1' }, /--server "nohostport" is not HOST:PORT/],
      [{ server: 'h:70000', bots: '1' }, /port from 1 to 65535/],
      [{ server: 'h:1', bots: '0' }, /--bots "0" is not allowed: use an integer from 1/],
      [{ server: 'h:1', bots: '1', ramp: '31' }, /--ramp "31" is not allowed: use a number from 0.1 to 30/],
      [{ server: 'h:1', bots: '1', behaviour: 'dance' }, /--behaviour "dance" is not allowed: use idle, walk, build/],
      [{ server: 'h:1', bots: '1', speed: '5' }, /--speed "5" .* to 4/],
      [{ server: 'h:1' }, /--bots is required/],
    ];
    for (const [raw, re] of cases) {
      let err: unknown;
      try {
        parseSwarmArgs(raw);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SwarmUsageError);
      expect((err as Error).message).toMatch(re);
    }
  });
});
