import { PHASES, type LiveStats, type PhaseName, type ProgressEvent } from '../jobs/benchmark/progress.js';
import type { RunSpec } from '../jobs/run-spec.js';
import { clipText, escapeUserText, formatDuration, percent, progressBar } from './format.js';
import { describeSpec } from './run-description.js';

type PhaseState = 'pending' | 'started' | 'done' | 'failed' | 'skipped';

const PHASE_ICON: Record<PhaseState, string> = {
  pending: '▫️',
  started: '⏳',
  done: '✅',
  failed: '❌',
  skipped: '⏭️',
};

const MAX_NODE_LINES = 12;
const MAX_WARNINGS = 5;

/**
 * What the live progress message shows, folded from progress events. Pure: the
 * notifier decides when to render and send it.
 */
export class ProgressView {
  private readonly phases = new Map<PhaseName, { state: PhaseState; message?: string }>();
  private readonly nodes = new Map<string, { index: number; role: string; ok: boolean | null; message: string }>();
  private readonly warnings: string[] = [];
  private waiting: string | null = null;
  private live: LiveStats | null = null;
  private outcome: string | null = null;

  constructor(
    readonly runId: string,
    readonly spec: RunSpec,
    readonly requesterId: string,
  ) {
    for (const phase of PHASES) this.phases.set(phase, { state: 'pending' });
  }

  apply(event: ProgressEvent): void {
    switch (event.type) {
      case 'phase':
        this.phases.set(event.phase, { state: event.state, ...(event.message ? { message: event.message } : {}) });
        if (event.state !== 'started') this.waiting = null;
        break;
      case 'node':
        this.nodes.set(event.node, { index: event.index, role: event.role, ok: event.ok, message: event.message });
        break;
      case 'wait':
        this.waiting = event.message;
        break;
      case 'live':
        this.live = event.stats;
        break;
      case 'warning':
        if (this.warnings.length < MAX_WARNINGS) {
          this.warnings.push(`${event.node ? `${event.node}: ` : ''}${event.message}`);
        }
        break;
    }
  }

  /** Marks the view as finished (the report follows in its own message). */
  finish(outcome: string): void {
    this.outcome = outcome;
  }

  render(): string {
    const lines: string[] = [];
    lines.push(`**${this.runId}** — ${describeSpec(this.spec)} (asked by <@${this.requesterId}>)`);
    lines.push(
      PHASES.map((p) => {
        const s = this.phases.get(p);
        return `${PHASE_ICON[s?.state ?? 'pending']} ${p}`;
      }).join('  '),
    );
    const failed = PHASES.find((p) => this.phases.get(p)?.state === 'failed');
    if (failed) {
      const msg = this.phases.get(failed)?.message;
      lines.push(`❌ **${failed}** failed${msg ? `: ${escapeUserText(clipText(msg, 300))}` : ''}`);
    }
    if (this.waiting) lines.push(`⏳ ${escapeUserText(clipText(this.waiting, 200))}`);
    const nodes = [...this.nodes.entries()].sort((a, b) => a[1].index - b[1].index);
    for (const [name, n] of nodes.slice(0, MAX_NODE_LINES)) {
      const icon = n.ok === null ? '⏳' : n.ok ? '✅' : '❌';
      const cpu = this.live?.nodes.find((x) => x.name === name);
      const cpuText = cpu ? ` · CPU ${percent(cpu.cpu)}` : '';
      lines.push(`${icon} \`${name}\` (${n.role})${cpuText} — ${escapeUserText(clipText(n.message, 120))}`);
    }
    if (nodes.length > MAX_NODE_LINES) lines.push(`… and ${nodes.length - MAX_NODE_LINES} more nodes`);
    if (this.live) {
      const l = this.live;
      lines.push(
        `${progressBar(l.durationS > 0 ? l.elapsedS / l.durationS : 0)} ${formatDuration(l.elapsedS)} / ${formatDuration(l.durationS)}`,
      );
      const step = l.serverStepP95Ms === null ? '–' : `${l.serverStepP95Ms.toFixed(1)} ms`;
      lines.push(
        `bots ${l.joined}/${l.requested} joined${l.failed ? `, ${l.failed} failed` : ''} · server step p95 ${step}${l.players === null ? '' : ` · ${l.players} players`}`,
      );
      if (nodes.length === 0) {
        lines.push(l.nodes.map((n) => `\`${n.name}\` CPU ${percent(n.cpu)}`).join(' · '));
      }
    }
    for (const w of this.warnings) lines.push(`⚠️ ${escapeUserText(clipText(w, 200))}`);
    if (this.outcome) lines.push(this.outcome);
    return clipText(lines.join('\n'));
  }
}
