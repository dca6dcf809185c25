import type { NodeResult, RunResult } from '../jobs/benchmark/run-result.js';
import { chartTitle, formatDuration } from './chart-configs.js';
import { runFigures } from './figures.js';
import { alignTable, gib, ms, pct, rate } from './format.js';

/**
 * Pure summary builders: structured rows for the Discord embed (wrapped by the
 * Discord code) and plain text for the terminal and summary.txt.
 */

/** Discord limits the embed-facing output is kept within. */
export const DISCORD_LIMITS = { description: 4096, fields: 25, fieldValue: 1024, codeTable: 1000 } as const;

/** One node's figures over the load window. CPU figures are shares (0..1) above the node's idle baseline. */
export interface NodeRow {
  name: string;
  role: NodeResult['role'];
  host: string;
  bots: number;
  cpuMeanAbove: number | null;
  cpuP95Above: number | null;
  /** Cores used by this run's processes (mean). */
  coresUsed: number | null;
  memUsedMean: number | null;
  netRxMean: number | null;
  netTxMean: number | null;
  /** Received / expected samples (0..1). */
  coverage: number;
  lost: boolean;
}

/** Server step figures; null when the probe delivered nothing. */
export interface StepRow {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  overBudgetShare: number;
  budgetMs: number;
}

/** The verdict: healthy, or one line per warning (and the failure, if any). */
export interface Verdict {
  healthy: boolean;
  lines: string[];
}

/** Everything the report message shows, as data. */
export interface RunSummary {
  title: string;
  nodes: NodeRow[];
  step: StepRow | null;
  bots: {
    requested: number;
    joined: number;
    /** Share of one core per bot, from swarm process accounting (null when unknown). */
    cpuPerBot: number | null;
    /** Cores used by the run's processes on all nodes (server included) per joined bot. */
    coresPerBotAllNodes: number | null;
    rttP95Ms: number | null;
  };
  verdict: Verdict;
}

/** A name/value pair for an embed field. */
export interface SummaryField {
  name: string;
  value: string;
  inline: boolean;
}

function nodeRow(node: NodeResult): NodeRow {
  const s = node.summary;
  return {
    name: node.name,
    role: node.role,
    host: node.host,
    bots: node.bots,
    cpuMeanAbove: s ? s.aboveBaseline.cpuMean : null,
    cpuP95Above: s ? s.aboveBaseline.cpuP95 : null,
    coresUsed: s ? s.cpuProc.mean : null,
    memUsedMean: s ? s.memUsed.mean : null,
    netRxMean: s ? s.netRx.mean : null,
    netTxMean: s ? s.netTx.mean : null,
    coverage: node.coverage.expected > 0 ? node.coverage.received / node.coverage.expected : 0,
    lost: node.lostAt !== null,
  };
}

/** The verdict line(s) of a run. */
export function verdict(result: RunResult): Verdict {
  const lines: string[] = [];
  if (result.state !== 'completed') {
    const where = result.error?.phase ? ` in ${result.error.phase}` : '';
    lines.push(`${result.state}${where}: ${result.error?.message ?? 'no reason recorded'}`);
  }
  for (const w of result.warnings) lines.push(`${w.code.replace(/_/g, ' ')}: ${w.message}`);
  return { healthy: lines.length === 0, lines: lines.length ? lines : ['healthy: every node measured, no warnings'] };
}

/** Builds the structured summary of a run. */
export function buildSummary(result: RunResult): RunSummary {
  const step = result.server.step;
  return {
    title: chartTitle(result),
    nodes: [...result.nodes].sort((a, b) => a.index - b.index).map(nodeRow),
    step: step
      ? {
          p50Ms: step.p50Ms,
          p95Ms: step.p95Ms,
          p99Ms: step.p99Ms,
          maxMs: step.maxMs,
          overBudgetShare: step.overBudgetShare,
          budgetMs: result.server.budgetMs,
        }
      : null,
    bots: {
      requested: result.swarm.requested,
      joined: result.swarm.joined,
      cpuPerBot: result.swarm.cpuMsPerBotSecond === null ? null : result.swarm.cpuMsPerBotSecond / 1000,
      coresPerBotAllNodes: runFigures(result).coresPerBot,
      rttP95Ms: result.swarm.rttP95Ms,
    },
    verdict: verdict(result),
  };
}

const dash = '–';
const opt = <T>(v: T | null, f: (x: T) => string) => (v === null ? dash : f(v));

function fullRow(r: NodeRow): string[] {
  return [
    r.name + (r.lost ? '!' : ''),
    r.role,
    r.host,
    opt(r.cpuMeanAbove, (v) => pct(v)),
    opt(r.cpuP95Above, (v) => pct(v)),
    opt(r.coresUsed, (v) => v.toFixed(2)),
    opt(r.memUsedMean, gib),
    opt(r.netRxMean, rate),
    opt(r.netTxMean, rate),
    pct(r.coverage, 0),
  ];
}

const FULL_HEADER = ['node', 'role', 'host', 'cpu+', 'p95+', 'cores', 'mem', 'net in', 'net out', 'cov'];

/** Compact row for the embed: no host, short role. */
function compactRow(r: NodeRow): string[] {
  const role = r.role === 'server' ? 'srv' : r.role === 'bots' ? 'bot' : 'srv+bot';
  return [
    r.name.replace(/^node/, 'n') + (r.lost ? '!' : ''),
    role,
    opt(r.cpuMeanAbove, (v) => (v * 100).toFixed(1)),
    opt(r.cpuP95Above, (v) => (v * 100).toFixed(1)),
    opt(r.coresUsed, (v) => v.toFixed(2)),
    opt(r.memUsedMean, (v) => (v / 1024 ** 3).toFixed(1)),
    opt(r.netRxMean, (v) => (v / 1e3).toFixed(0)),
    opt(r.netTxMean, (v) => (v / 1e3).toFixed(0)),
    (r.coverage * 100).toFixed(0),
  ];
}

const COMPACT_HEADER = ['node', 'role', 'cpu%+', 'p95%+', 'cores', 'GiB', 'kB/s in', 'out', 'cov%'];

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}

/** Bot nodes folded into min / mean / max rows, for runs with too many nodes to list. */
function foldedRows(rows: NodeRow[]): string[][] {
  const server = rows.filter((r) => r.role !== 'bots');
  const bots = rows.filter((r) => r.role === 'bots');
  const out = server.map(compactRow);
  const pick = (f: (r: NodeRow) => number | null) => bots.map(f).filter((v): v is number => v !== null);
  const fields: ((r: NodeRow) => number | null)[] = [
    (r) => r.cpuMeanAbove,
    (r) => r.cpuP95Above,
    (r) => r.coresUsed,
    (r) => r.memUsedMean,
    (r) => r.netRxMean,
    (r) => r.netTxMean,
    (r) => r.coverage,
  ];
  for (const [label, agg] of [
    ['min', (xs: number[]) => Math.min(...xs)],
    ['mean', mean],
    ['max', (xs: number[]) => Math.max(...xs)],
  ] as const) {
    const v = fields.map((f) => {
      const xs = pick(f);
      return xs.length ? agg(xs) : null;
    });
    out.push(
      compactRow({
        name: `${bots.length}× ${label}`,
        role: 'bots',
        host: '',
        bots: 0,
        cpuMeanAbove: v[0] ?? null,
        cpuP95Above: v[1] ?? null,
        coresUsed: v[2] ?? null,
        memUsedMean: v[3] ?? null,
        netRxMean: v[4] ?? null,
        netTxMean: v[5] ?? null,
        coverage: v[6] ?? 0,
        lost: false,
      }),
    );
  }
  const lost = bots.filter((r) => r.lost || r.coverage < 0.95);
  for (const r of lost) out.push(compactRow(r));
  return out;
}

/**
 * The per-node table for a Discord code block: the compact table when it fits in
 * `maxChars`, else bot nodes folded into min/mean/max rows (plus any lost or
 * low-coverage node, which must stay visible).
 */
export function nodeTableCompact(summary: RunSummary, maxChars: number = DISCORD_LIMITS.codeTable): string {
  const table = alignTable([COMPACT_HEADER, ...summary.nodes.map(compactRow)]);
  if (table.length <= maxChars) return table;
  return alignTable([COMPACT_HEADER, ...foldedRows(summary.nodes)]).slice(0, maxChars);
}

/** The full per-node table for a terminal. */
export function nodeTable(summary: RunSummary): string {
  return alignTable([FULL_HEADER, ...summary.nodes.map(fullRow)]);
}

/** Server step figures in one line. */
export function stepLine(summary: RunSummary): string {
  const s = summary.step;
  if (!s) return 'server step: no probe data';
  return (
    `server step p50 ${ms(s.p50Ms)} · p95 ${ms(s.p95Ms)} · p99 ${ms(s.p99Ms)} · max ${ms(s.maxMs)} · ` +
    `${pct(s.overBudgetShare)} over 2× budget (${ms(s.budgetMs)})`
  );
}

/** Bots line: joined/requested, CPU per bot, round-trip time. */
export function botsLine(summary: RunSummary): string {
  const b = summary.bots;
  const swarm = b.cpuPerBot === null ? null : `${pct(b.cpuPerBot, 2)} of a core per bot (swarm)`;
  const all = b.coresPerBotAllNodes === null ? null : `${pct(b.coresPerBotAllNodes, 2)} with the server (all nodes)`;
  const cpu = [swarm, all].filter((x) => x !== null).join(', ') || 'CPU per bot unknown';
  const rtt = b.rttP95Ms === null ? '' : ` · RTT p95 ${ms(b.rttP95Ms)}`;
  return `bots ${b.joined}/${b.requested} joined · ${cpu}${rtt}`;
}

/** Verdict as text: one line when healthy, else one line per warning. */
export function verdictText(summary: RunSummary): string {
  const mark = summary.verdict.healthy ? 'OK' : 'WARN';
  return summary.verdict.lines.map((l) => `${mark} ${l}`).join('\n');
}

/** Plain-text summary for a terminal and summary.txt. */
export function formatSummaryText(result: RunResult): string {
  const summary = buildSummary(result);
  const duration = formatDuration((result.manifest.endedAt - result.manifest.startedAt) / 1000);
  return [
    summary.title,
    `${result.manifest.cluster} cluster · wall time ${duration} · state ${result.state}`,
    '',
    nodeTable(summary),
    '(cpu+/p95+: CPU share of the node above its idle baseline; cores: used by this run’s processes)',
    '',
    stepLine(summary),
    botsLine(summary),
    '',
    verdictText(summary),
  ].join('\n');
}

/**
 * Embed-ready pieces: a description (verdict + code-block table) and fields, all
 * within Discord's limits. Wrapping into an embed is the Discord code's job.
 */
export function summaryForEmbed(result: RunResult): { title: string; description: string; fields: SummaryField[] } {
  const summary = buildSummary(result);
  const table = '```\n' + nodeTableCompact(summary) + '\n```';
  const verdictLines = verdictText(summary);
  let description = `${verdictLines}\n${table}`;
  if (description.length > DISCORD_LIMITS.description) {
    description = `${verdictLines.slice(0, DISCORD_LIMITS.description - table.length - 2)}…\n${table}`;
  }
  const fields: SummaryField[] = [
    { name: 'Server step', value: stepLine(summary).replace(/^server step /, ''), inline: false },
    { name: 'Bots', value: botsLine(summary).replace(/^bots /, ''), inline: false },
  ];
  return { title: summary.title.slice(0, 256), description, fields: fields.slice(0, DISCORD_LIMITS.fields) };
}
