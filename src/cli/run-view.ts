import cliProgress from 'cli-progress';
import { PHASES, type PhaseName, type ProgressEvent } from '../jobs/benchmark/progress.js';
import type { RunResult } from '../jobs/benchmark/run-result.js';

type PhaseState = 'pending' | 'started' | 'done' | 'failed' | 'skipped';

const MARK: Record<PhaseState, string> = { pending: '·', started: '…', done: '✅', failed: '❌', skipped: '–' };

/**
 * The live terminal view of `luanti-bench run`: phase checklist, one line per
 * node, a progress bar during load. On a TTY it redraws in place; otherwise
 * (CI, pipes) it prints each event once as a plain line.
 */
export class RunView {
  private readonly phases = new Map<PhaseName, { state: PhaseState; message?: string }>(
    PHASES.map((p) => [p, { state: 'pending' }]),
  );
  private readonly nodes = new Map<string, string>();
  private bar: cliProgress.SingleBar | null = null;
  private drawnLines = 0;
  /** The phase that started last: waiting states (SLURM queue, barrier) belong to it. */
  private current: PhaseName = 'reserve';

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty: boolean = Boolean(process.stderr.isTTY),
  ) {}

  /** The progress sink to hand to runBenchmark. */
  readonly sink = (event: ProgressEvent): void => {
    try {
      this.handle(event);
    } catch {
      // A view must never break the run (ProgressSink contract).
    }
  };

  private handle(event: ProgressEvent): void {
    if (!this.tty) {
      this.out.write(`${plainLine(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'phase':
        this.phases.set(event.phase, { state: event.state, message: event.message });
        if (event.state === 'started') this.current = event.phase;
        if (event.phase === 'load' && event.state !== 'started') this.stopBar();
        break;
      case 'node':
        this.nodes.set(
          `${event.index}`.padStart(3, '0'),
          `${event.ok === true ? '✅' : event.ok === false ? '❌' : '…'} ${event.node} (${event.role}): ${event.message}`,
        );
        break;
      case 'wait':
        this.phases.set(this.current, {
          state: this.phases.get(this.current)?.state ?? 'started',
          message: event.message,
        });
        break;
      case 'warning':
        this.clear();
        this.out.write(`⚠ ${event.node ? `${event.node}: ` : ''}${event.message}\n`);
        break;
      case 'live': {
        const s = event.stats;
        if (!this.bar) {
          this.clear();
          this.bar = new cliProgress.SingleBar(
            {
              stream: this.out,
              format: 'load [{bar}] {value}/{total} s | joined {joined} | step p95 {p95} | {cpus}',
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          this.bar.start(s.durationS, 0, {});
        }
        this.bar.update(Math.min(s.elapsedS, s.durationS), {
          joined: `${s.joined}/${s.requested}`,
          p95: s.serverStepP95Ms === null ? '–' : `${s.serverStepP95Ms.toFixed(0)} ms`,
          cpus: s.nodes.map((n) => `${n.name} ${n.cpu === null ? '–' : `${Math.round(n.cpu * 100)}%`}`).join(' '),
        });
        return;
      }
    }
    if (!this.bar) this.draw();
  }

  private clear(): void {
    if (this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}A\x1b[0J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    this.clear();
    const lines = [
      ...[...this.phases].map(([name, p]) => `${MARK[p.state]} ${name}${p.message ? `: ${p.message}` : ''}`),
      ...[...this.nodes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, line]) => `   ${line}`),
    ];
    this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  private stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
      this.drawnLines = 0;
    }
  }

  /** Leave the terminal clean (bar stopped) before the summary is printed. */
  finish(): void {
    this.stopBar();
  }
}

/** One event as one plain line (non-TTY output and logs). */
export function plainLine(event: ProgressEvent): string {
  switch (event.type) {
    case 'phase':
      return `[${event.phase}] ${event.state}${event.message ? `: ${event.message}` : ''}`;
    case 'node':
      return `  ${event.ok === true ? 'ok ' : event.ok === false ? 'ERR' : '...'} ${event.node} (${event.role}): ${event.message}`;
    case 'wait':
      return `  waiting: ${event.message}`;
    case 'warning':
      return `  WARNING ${event.code}${event.node ? ` ${event.node}` : ''}: ${event.message}`;
    case 'live': {
      const s = event.stats;
      const cpus = s.nodes.map((n) => `${n.name}=${n.cpu === null ? '-' : `${Math.round(n.cpu * 100)}%`}`).join(' ');
      return `  load ${s.elapsedS}/${s.durationS} s joined ${s.joined}/${s.requested} failed ${s.failed} step p95 ${s.serverStepP95Ms === null ? '-' : `${s.serverStepP95Ms.toFixed(1)} ms`} cpu ${cpus}`;
    }
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const mbps = (bytes: number): string => `${((bytes * 8) / 1e6).toFixed(2)} Mbit/s`;

/** The summary table printed after a run. */
export function formatSummary(result: RunResult): string {
  const lines: string[] = [];
  lines.push(
    `run ${result.runId}: ${result.state.toUpperCase()}${result.error ? ` — ${result.error.name} in ${result.error.phase ?? '?'}${result.error.node ? ` on ${result.error.node}` : ''}: ${result.error.message}` : ''}`,
  );
  const { spec, swarm, server } = result;
  lines.push(
    `spec: ${spec.nodes} nodes, ${spec.bots} bots (${spec.behaviour}), ${spec.durationS} s${spec.label ? `, "${spec.label}"` : ''}`,
  );
  lines.push(
    `joined ${swarm.joined}/${swarm.requested}${
      Object.keys(swarm.failedByReason).length > 0
        ? ` (failed: ${Object.entries(swarm.failedByReason)
            .map(([r, n]) => `${n} ${r}`)
            .join(', ')})`
        : ''
    }${swarm.rttP50Ms !== null ? `, RTT p50 ${swarm.rttP50Ms.toFixed(1)} ms` : ''}${swarm.cpuMsPerBotSecond !== null ? `, ${swarm.cpuMsPerBotSecond.toFixed(2)} core-ms per bot-second` : ''}`,
  );
  if (server.step) {
    lines.push(
      `server step: p50 ${server.step.p50Ms.toFixed(1)} ms, p95 ${server.step.p95Ms.toFixed(1)} ms, p99 ${server.step.p99Ms.toFixed(1)} ms, max ${server.step.maxMs.toFixed(1)} ms; ${pct(server.step.overBudgetShare)} over 2 × ${server.budgetMs} ms (${server.step.steps} steps)`,
    );
  }
  const header = ['node', 'role', 'bots', 'coverage', 'cpu mean', 'above base', 'cpu proc', 'net rx', 'net tx'];
  const rows = result.nodes.map((n) => [
    n.name,
    n.role,
    String(n.bots),
    n.coverage.expected > 0 ? `${Math.round((100 * n.coverage.received) / n.coverage.expected)} %` : '–',
    n.summary ? pct(n.summary.cpu.mean) : '–',
    n.summary ? pct(n.summary.aboveBaseline.cpuMean) : '–',
    n.summary ? `${n.summary.cpuProc.mean.toFixed(2)} cores` : '–',
    n.summary ? mbps(n.summary.netRx.mean) : '–',
    n.summary ? mbps(n.summary.netTx.mean) : '–',
  ]);
  if (rows.length > 0) {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    lines.push(fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt));
  }
  const timings = result.phases.map((p) => `${p.name} ${((p.endedAt - p.startedAt) / 1000).toFixed(1)} s`);
  if (timings.length > 0) lines.push(`phases: ${timings.join(', ')}`);
  for (const w of result.warnings) lines.push(`WARNING ${w.code}: ${w.message}`);
  const failedTeardown = result.teardown.filter((t) => !t.ok);
  lines.push(
    `teardown: ${result.teardown.length - failedTeardown.length}/${result.teardown.length} steps ok${failedTeardown.map((t) => `; FAILED ${t.label}: ${t.error}`).join('')}`,
  );
  return lines.join('\n');
}
