import type { RunResult } from '../jobs/benchmark/run-result.js';
import { clipText, escapeUserText, formatDuration, percent } from './format.js';
import { describeSpec } from './run-description.js';

/** A file to attach. */
export interface Attachment {
  name: string;
  data: Buffer;
}

/** The final message: content plus attachments, mentioning only the requester. */
export interface ReportMessage {
  content: string;
  files: Attachment[];
  allowed_mentions: { users: string[] };
}

/** Text parts the report module supplies; kept apart so this builder stays pure. */
export interface ReportParts {
  /** Summary table (monospace-ready lines). */
  summary: string;
  verdict: string;
  /** Chart PNG, or null when there is no data or rendering failed. */
  chart: Buffer | null;
  /** Why the chart is missing, shown instead of it. */
  chartError?: string;
}

export interface ReportContext {
  requesterId: string | null;
  /** Who cancelled, for cancelled runs. */
  cancelledBy?: { id: string; name: string } | null;
}

/** Whether a result has any measured data worth a (partial) report. */
export function hasData(result: RunResult): boolean {
  return result.nodes.some((n) => n.samples.length > 0) || result.server.series.length > 0;
}

/** The report message for a completed, failed or cancelled run. */
export function buildReportMessage(result: RunResult, parts: ReportParts, ctx: ReportContext): ReportMessage {
  const mention = ctx.requesterId ? `<@${ctx.requesterId}> ` : '';
  const head = `**${result.runId}** — ${describeSpec(result.spec)}`;
  const lines: string[] = [];
  const took = formatDuration((result.manifest.endedAt - result.manifest.startedAt) / 1000);
  if (result.state === 'completed') {
    lines.push(`${mention}✅ ${head} finished in ${took}.`);
  } else if (result.state === 'cancelled') {
    const by = ctx.cancelledBy ? `<@${ctx.cancelledBy.id}>` : 'a shutdown of the worker';
    lines.push(`${mention}🛑 ${head} was **cancelled** by ${by} after ${took}.`);
  } else {
    const where = [
      result.error?.phase ? `in phase **${result.error.phase}**` : null,
      result.error?.node ? `on node \`${result.error.node}\`` : null,
    ]
      .filter(Boolean)
      .join(' ');
    lines.push(`${mention}❌ ${head} **failed**${where ? ` ${where}` : ''} after ${took}.`);
  }
  if (result.state !== 'completed' && result.error) {
    lines.push(errorBlock(result.error.name, result.error.message));
  }
  const dataThere = hasData(result);
  if (dataThere) {
    if (result.state !== 'completed') lines.push('Partial report (data up to the stop):');
    if (parts.verdict) lines.push(`**Verdict:** ${parts.verdict}`);
    if (parts.summary) lines.push(`\`\`\`\n${clipText(parts.summary, 900)}\n\`\`\``);
    if (!parts.chart && parts.chartError) lines.push(`(no chart: ${escapeUserText(clipText(parts.chartError, 200))})`);
  } else if (result.state !== 'completed') {
    lines.push('No measurements were taken before the stop.');
  }
  for (const w of result.warnings.slice(0, 5)) {
    lines.push(`⚠️ \`${w.code}\`${w.node ? ` ${w.node}` : ''}: ${escapeUserText(clipText(w.message, 160))}`);
  }
  if (result.state !== 'completed' && result.teardown.length > 0) {
    const cleaned = result.teardown.map((t) => `${t.ok ? '✅' : '❌'} ${t.label}${t.error ? ` (${t.error})` : ''}`);
    lines.push(`Cleaned up: ${clipText(cleaned.join(' · '), 400)}`);
  }
  const files = dataThere && parts.chart ? [{ name: `${result.runId}.png`, data: parts.chart }] : [];
  return {
    content: fitLines(lines),
    files,
    allowed_mentions: { users: ctx.requesterId ? [ctx.requesterId] : [] },
  };
}

/** An error name and message with its last output lines, as a code block. */
function errorBlock(name: string, message: string): string {
  const tail = message.split('\n').slice(-8).join('\n');
  return `\`\`\`\n${clipText(`${name}: ${tail}`.replace(/```/g, "'''"), 700)}\n\`\`\``;
}

/** Join lines, dropping trailing ones until it fits in one message (the mention line always stays). */
function fitLines(lines: string[]): string {
  const out = [...lines];
  while (out.length > 1 && out.join('\n').length > 2000) out.splice(out.length - 1, 1);
  return clipText(out.join('\n'));
}

/** A plain summary used when the report module gives none: per-node CPU and the server step. */
export function basicSummary(result: RunResult): string {
  const rows = result.nodes.map((n) => {
    const s = n.summary;
    const cov = n.coverage.expected > 0 ? `${Math.round((100 * n.coverage.received) / n.coverage.expected)}%` : '–';
    return `${n.name.padEnd(10)} ${n.role.padEnd(11)} cpu ${s ? percent(s.cpu.mean).padStart(7) : '      –'} p95 ${s ? percent(s.cpu.p95).padStart(7) : '      –'}  samples ${cov}`;
  });
  const step = result.server.step;
  if (step)
    rows.push(
      `server step p50 ${step.p50Ms.toFixed(1)} ms, p95 ${step.p95Ms.toFixed(1)} ms, max ${step.maxMs.toFixed(1)} ms`,
    );
  rows.push(`bots joined ${result.swarm.joined}/${result.swarm.requested}`);
  return rows.join('\n');
}

/** A one-line verdict used when the report module gives none. */
export function basicVerdict(result: RunResult): string {
  const step = result.server.step;
  if (!step) return 'no server step data';
  const over = step.overBudgetShare;
  return over > 0.05
    ? `server overloaded: ${(over * 100).toFixed(1)} % of steps over twice the ${result.server.budgetMs} ms budget`
    : `server kept up: p95 step ${step.p95Ms.toFixed(1)} ms within the ${result.server.budgetMs} ms budget`;
}
