import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { cliRunId, parseBotCommand } from '../../../src/cli/run-command.js';
import { formatSummary, plainLine, RunView } from '../../../src/cli/run-view.js';
import { emptyResult } from '../../../src/jobs/benchmark/collect.js';
import { loadConfig } from '../../../src/config.js';
import { parseRunSpec } from '../../../src/jobs/run-spec.js';

describe('run CLI helpers', () => {
  it('makes sortable cli-<timestamp> run ids that are valid remote names', () => {
    expect(cliRunId(new Date('2026-12-04T20:01:02.345Z'))).toBe('cli-20261204-200102Z');
  });

  it('parses --bot-command as a JSON argv template and names what is wrong', () => {
    expect(parseBotCommand('["bot","{host}:{port}"]')).toEqual({ kind: 'command', argv: ['bot', '{host}:{port}'] });
    expect(() => parseBotCommand('bot --host {host}')).toThrow(InvalidArgumentError);
    expect(() => parseBotCommand('[1,2]')).toThrow(/non-empty JSON array of strings; got "\[1,2\]"/);
  });
});

describe('run view', () => {
  it('prints one plain line per event when stderr is not a terminal', () => {
    const written: string[] = [];
    const out = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const view = new RunView(out, false);
    view.sink({ type: 'phase', phase: 'preflight', state: 'failed', message: 'node1: LUANTI_SERVER_BIN /x not found' });
    view.sink({
      type: 'node',
      node: 'node1',
      index: 1,
      role: 'server',
      ok: false,
      message: 'LUANTI_SERVER_BIN /x not found',
    });
    view.sink({
      type: 'live',
      stats: {
        elapsedS: 10,
        durationS: 20,
        joined: 19,
        requested: 20,
        failed: 1,
        serverStepP95Ms: 99.44,
        players: 19,
        nodes: [{ name: 'node1', role: 'server', cpu: 0.42, cpuProc: 0.3 }],
      },
    });
    expect(written).toEqual([
      '[preflight] failed: node1: LUANTI_SERVER_BIN /x not found\n',
      '  ERR node1 (server): LUANTI_SERVER_BIN /x not found\n',
      '  load 10/20 s joined 19/20 failed 1 step p95 99.4 ms cpu node1=42%\n',
    ]);
    expect(
      plainLine({ type: 'warning', code: 'low_coverage', node: 'node3', message: 'node3 delivered 71 % of samples' }),
    ).toBe('  WARNING low_coverage node3: node3 delivered 71 % of samples');
  });

  it('summarises a failed run with its error, joins, teardown and warnings', () => {
    const result = emptyResult('cli-1', parseRunSpec({ nodes: 3, bots: 20 }), null, loadConfig({}));
    result.error = { name: 'MetricsGateError', message: 'node3 silent', phase: 'sample', node: 'node3' };
    result.warnings = [{ code: 'teardown_incomplete', message: 'teardown: 1 step(s) failed' }];
    result.teardown = [
      { label: 'stop sampler on node3', ok: false, error: 'Error: gone' },
      { label: 'release', ok: true },
    ];
    const text = formatSummary(result);
    expect(text).toContain('run cli-1: FAILED — MetricsGateError in sample on node3: node3 silent');
    expect(text).toContain('joined 0/20');
    expect(text).toContain('WARNING teardown_incomplete: teardown: 1 step(s) failed');
    expect(text).toContain('teardown: 1/2 steps ok; FAILED stop sampler on node3: Error: gone');
  });
});

describe('run view on a terminal', () => {
  it('attaches waiting states to the phase that is running and redraws the checklist', () => {
    let text = '';
    const out = { write: (s: string) => (text += s) } as unknown as NodeJS.WriteStream;
    const view = new RunView(out, true);
    view.sink({ type: 'phase', phase: 'reserve', state: 'started' });
    view.sink({ type: 'wait', message: 'SLURM job 42 pending (Resources)' });
    view.sink({ type: 'phase', phase: 'reserve', state: 'done' });
    view.sink({ type: 'phase', phase: 'swarm', state: 'started' });
    view.sink({ type: 'wait', message: '2 of 2 swarms ready at the barrier; released together' });
    const last = text.slice(text.lastIndexOf('\x1b[0J') + 4);
    expect(last).toContain('✅ reserve\n');
    expect(last).toContain('… swarm: 2 of 2 swarms ready at the barrier; released together\n');
    expect(text).toContain('… reserve: SLURM job 42 pending (Resources)\n');
  });
});
