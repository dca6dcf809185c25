import { describe, expect, it } from 'vitest';
import { renderHistory } from '../../../src/discord/history-view.js';
import { ProgressView } from '../../../src/discord/progress-view.js';
import { etaSeconds, renderQueue } from '../../../src/discord/queue-view.js';
import { buildQueuedReply, parseCancelId } from '../../../src/discord/queued-reply.js';
import { buildReportMessage } from '../../../src/discord/report-message.js';
import { normaliseRunId, type QueueEntry } from '../../../src/jobs/queue.js';
import { parseRunSpec } from '../../../src/jobs/run-spec.js';
import { makeRunResult, threeNodeRun } from '../../support/fixtures/run-result-fixture.js';

const spec = parseRunSpec({ nodes: 3, bots: 20, durationS: 60, label: 'a @everyone *bold*' });

describe('queued reply', () => {
  it('names the run, the position and carries a Cancel button', () => {
    const now = buildQueuedReply({ runId: 'run-7', position: 1, spec, etaS: 0 });
    expect(now.content).toContain('**run-7** queued');
    expect(now.content).toContain('It starts now');
    expect(now.content).toContain('3 nodes (server + 2 bot nodes: 10/10 bots)');
    // User text cannot ping or format.
    expect(now.content).toContain('@\u200beveryone \\*bold\\*');
    expect(now.components?.[0]?.components[0]).toMatchObject({ custom_id: 'cancel:run-7' });
    const later = buildQueuedReply({ runId: 'run-8', position: 3, spec, etaS: 400 });
    expect(later.content).toContain('Position **3** in the queue (2 runs ahead, starts in about 6 min 40 s)');
  });

  it('parses cancel ids strictly', () => {
    expect(parseCancelId('cancel:run-12')).toBe('run-12');
    expect(parseCancelId('cancel:run-12; drop')).toBeNull();
    expect(parseCancelId('other:run-1')).toBeNull();
    expect(normaliseRunId(' 7 ')).toBe('run-7');
    expect(normaliseRunId('RUN-007')).toBe('run-7');
    expect(normaliseRunId('run-x')).toBeNull();
  });
});

describe('progress view', () => {
  it('shows phases, one line per node, a bar, step p95 and node CPU', () => {
    const view = new ProgressView('run-3', spec, 'u1');
    view.apply({ type: 'phase', phase: 'reserve', state: 'done' });
    view.apply({ type: 'phase', phase: 'load', state: 'started' });
    view.apply({ type: 'node', node: 'n1', index: 1, role: 'server', ok: true, message: 'server up' });
    view.apply({ type: 'node', node: 'n2', index: 2, role: 'bots', ok: false, message: 'ssh refused' });
    view.apply({
      type: 'live',
      stats: {
        elapsedS: 30,
        durationS: 60,
        joined: 18,
        requested: 20,
        failed: 2,
        serverStepP95Ms: 42.25,
        players: 18,
        nodes: [{ name: 'n1', role: 'server', cpu: 0.5, cpuProc: 1 }],
      },
    });
    const text = view.render();
    expect(text).toContain('✅ reserve');
    expect(text).toContain('⏳ load');
    expect(text).toContain('✅ `n1` (server) · CPU 50.0 % — server up');
    expect(text).toContain('❌ `n2` (bots) — ssh refused');
    expect(text).toContain('50 %');
    expect(text).toContain('bots 18/20 joined, 2 failed · server step p95 42.3 ms');
  });

  it('stays within 2000 characters with many nodes and long messages', () => {
    const view = new ProgressView('run-3', parseRunSpec({ nodes: 64, bots: 1000 }), 'u1');
    for (let i = 1; i <= 64; i++)
      view.apply({ type: 'node', node: `node${i}`, index: i, role: 'bots', ok: null, message: 'x'.repeat(500) });
    for (let i = 0; i < 20; i++) view.apply({ type: 'warning', code: 'node_lost', message: 'y'.repeat(500) });
    expect(view.render().length).toBeLessThanOrEqual(2000);
  });
});

describe('report message', () => {
  it('completed: mention, verdict, summary and the chart attached', () => {
    const result = threeNodeRun({ runId: 'run-5' });
    const msg = buildReportMessage(
      result,
      { summary: 'table', verdict: 'fine', chart: Buffer.from('png') },
      { requesterId: 'u1' },
    );
    expect(msg.content.startsWith('<@u1> ✅ **run-5**')).toBe(true);
    expect(msg.content).toContain('**Verdict:** fine');
    expect(msg.files).toEqual([{ name: 'run-5.png', data: Buffer.from('png') }]);
    expect(msg.allowed_mentions).toEqual({ users: ['u1'] });
  });

  it('failed: phase, node, error tail and a partial report', () => {
    const result = {
      ...threeNodeRun({ runId: 'run-6' }),
      state: 'failed' as const,
      error: {
        name: 'CommandError',
        message: 'node2: `minetestserver` exited 127 (not found)\nline a\nline b',
        phase: 'server',
        node: 'node2',
      },
      teardown: [{ label: 'release nodes', ok: true }],
    };
    const msg = buildReportMessage(
      result,
      { summary: 's', verdict: 'v', chart: null, chartError: 'renderer down' },
      { requesterId: 'u1' },
    );
    expect(msg.content).toContain('**failed** in phase **server** on node `node2`');
    expect(msg.content).toContain('exited 127 (not found)');
    expect(msg.content).toContain('Partial report');
    expect(msg.content).toContain('no chart: renderer down');
    expect(msg.content).toContain('Cleaned up: ✅ release nodes');
  });

  it('cancelled: who cancelled; no data → says so, no attachment', () => {
    const base = makeRunResult({ runId: 'run-9', nodes: 2, bots: 4, durationS: 10 });
    const result = {
      ...base,
      state: 'cancelled' as const,
      nodes: base.nodes.map((n) => ({ ...n, samples: [] })),
      server: { ...base.server, series: [] },
    };
    const msg = buildReportMessage(
      result,
      { summary: 's', verdict: 'v', chart: Buffer.from('x') },
      { requesterId: 'u1', cancelledBy: { id: 'u2', name: 'bob' } },
    );
    expect(msg.content).toContain('**cancelled** by <@u2>');
    expect(msg.content).toContain('No measurements');
    expect(msg.files).toEqual([]);
  });
});

describe('queue, history and compare views', () => {
  const entry = (
    runId: string,
    state: 'active' | 'waiting',
    position: number,
    startedAt: number | null,
  ): QueueEntry => ({
    runId,
    state,
    position,
    startedAt,
    data: { runId, spec, requester: { id: 'u1', name: 'a' }, channelId: 'c', guildId: 'g', createdAt: 0 },
  });

  it('ETAs add the rest of the running run and the runs ahead', () => {
    const entries = [
      entry('run-1', 'active', 1, 0),
      entry('run-2', 'waiting', 2, null),
      entry('run-3', 'waiting', 3, null),
    ];
    const one = etaSeconds(entries, 1, 0);
    expect(etaSeconds(entries, 2, 0)).toBe(2 * one);
    expect(etaSeconds(entries, 1, 30_000)).toBe(one - 30);
    const text = renderQueue(entries, 30_000);
    expect(text).toContain('**1.** ▶️ **run-1**');
    expect(text).toContain('**3.** ⏸️ **run-3**');
    expect(renderQueue([], 0)).toContain('empty');
  });

  it('history lists the headline figures', () => {
    const a = threeNodeRun({ runId: 'run-1' });
    const b = threeNodeRun({ runId: 'run-2', bots: 40 });
    expect(renderHistory([b, a])).toMatch(/✅ \*\*run-2\*\*.*\n✅ \*\*run-1\*\*/);
  });
});
