import { describe, expect, it } from 'vitest';
import { InvalidSpecError, parseRunSpec, splitBots } from '../../src/jobs/run-spec.js';

describe('parseRunSpec', () => {
  it('fills defaults', () => {
    const spec = parseRunSpec({ nodes: 3, bots: 20 });
    expect(spec).toMatchObject({ nodes: 3, bots: 20, durationS: 120, rampPerS: 10, behaviour: 'walk', label: '' });
    expect(spec.botRuntime).toEqual({ kind: 'builtin' });
  });

  it('names each bad value and what is allowed', () => {
    try {
      parseRunSpec({ nodes: 0, bots: 20, behaviour: 'dance' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSpecError);
      const message = (error as Error).message;
      expect(message).toContain('nodes (got 0)');
      expect(message).toContain('behaviour (got "dance")');
      expect(message).toMatch(/idle.*walk.*build/);
    }
  });

  it('rejects server settings outside the whitelist', () => {
    expect(() => parseRunSpec({ nodes: 1, bots: 1, serverSettings: { secure_enable_security: false } })).toThrow(
      /serverSettings/,
    );
  });
});

describe('splitBots', () => {
  it('splits as evenly as possible over nodes 2..N', () => {
    expect(splitBots(20, 3)).toEqual([10, 10]);
    expect(splitBots(20, 4)).toEqual([7, 7, 6]);
    expect(splitBots(5, 1)).toEqual([5]);
    expect(splitBots(2, 4)).toEqual([1, 1, 0]);
  });
});
