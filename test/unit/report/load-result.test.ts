import { describe, expect, it } from 'vitest';
import { parseRunResult, ReportInputError } from '../../../src/report/load-result.js';
import { threeNodeRun } from '../../support/fixtures/run-result-fixture.js';

describe('parseRunResult', () => {
  it('accepts a valid result', () => {
    const result = threeNodeRun();
    expect(parseRunResult(JSON.parse(JSON.stringify(result)))).toEqual(result);
  });

  it('names the bad field, what was found and the file', () => {
    const bad = JSON.parse(JSON.stringify(threeNodeRun())) as { nodes: { samples: { cpu: unknown }[] }[] };
    const sample = bad.nodes[1]?.samples[3];
    if (sample) sample.cpu = 'high';
    const error = (() => {
      try {
        parseRunResult(bad, 'result.json');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ReportInputError);
    expect((error as ReportInputError).name).toBe('ReportInputError');
    expect((error as Error).message).toMatch(/^result\.json: field nodes\.1\.samples\.3\.cpu \(got "high"\): .*number/);
  });
});
