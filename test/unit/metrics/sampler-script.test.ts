import { describe, expect, it } from 'vitest';
import { SAMPLER_SCRIPT, samplerArgv, SamplerArgumentError } from '../../../src/metrics/sampler-script.js';

describe('samplerArgv', () => {
  it('passes the inputs as positional parameters, never inside the script', () => {
    expect(samplerArgv('/tmp/run-1', 1, '/tmp/run-1/world/luanti-bench-probe.csv')).toEqual([
      'sh',
      '-c',
      SAMPLER_SCRIPT,
      'sh',
      '/tmp/run-1',
      '1',
      '/tmp/run-1/world/luanti-bench-probe.csv',
    ]);
    expect(samplerArgv('/tmp/run 2')).toHaveLength(6);
  });

  it('names a bad value and what is allowed', () => {
    expect(() => samplerArgv('run-1')).toThrow(SamplerArgumentError);
    expect(() => samplerArgv('/r', 0)).toThrow(/intervalS 0 must be a number from 0.1 to 60/);
    expect(() => samplerArgv('/r', 1, 'probe.csv')).toThrow(/probeFile "probe.csv" must be an absolute path/);
  });

  it('needs no procps or awk: only sh builtins and coreutils (date, sleep, getconf, head for big trees)', () => {
    expect(SAMPLER_SCRIPT).not.toMatch(/\b(awk|ps|pgrep|grep|sed|cat|tail)\b/);
    expect(SAMPLER_SCRIPT.match(/\bhead\b/g)).toHaveLength(1);
    expect(SAMPLER_SCRIPT).not.toContain('\\$');
  });
});
