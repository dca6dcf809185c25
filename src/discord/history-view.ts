import type { RunResult } from '../jobs/benchmark/run-result.js';
import { clipText, escapeUserText, formatDuration } from './format.js';

const STATE_ICON: Record<RunResult['state'], string> = { completed: '✅', failed: '❌', cancelled: '🛑' };

/** `/runs history`: newest first, one line per run. */
export function renderHistory(results: readonly RunResult[]): string {
  if (results.length === 0) return 'No runs recorded yet.';
  const lines = results.map((r) => {
    const when = new Date(r.manifest.createdAt).toISOString().slice(0, 16).replace('T', ' ');
    const step = r.server.step ? ` · step p95 ${r.server.step.p95Ms.toFixed(1)} ms` : '';
    const label = r.spec.label ? ` “${escapeUserText(r.spec.label)}”` : '';
    return `${STATE_ICON[r.state]} **${r.runId}** ${when} UTC · ${r.spec.nodes} nodes, ${r.spec.bots} bots, ${formatDuration(r.spec.durationS)}${step}${label}`;
  });
  return clipText(lines.join('\n'));
}

/** `/runs compare`: the headline figures of two runs side by side. */
export function renderCompare(a: RunResult, b: RunResult): string {
  const rows: [string, string, string][] = [
    ['', a.runId, b.runId],
    ['state', a.state, b.state],
    ['nodes', String(a.spec.nodes), String(b.spec.nodes)],
    ['bots', `${a.swarm.joined}/${a.swarm.requested}`, `${b.swarm.joined}/${b.swarm.requested}`],
    ['duration', formatDuration(a.spec.durationS), formatDuration(b.spec.durationS)],
    ['step p50 ms', fmt(a.server.step?.p50Ms), fmt(b.server.step?.p50Ms)],
    ['step p95 ms', fmt(a.server.step?.p95Ms), fmt(b.server.step?.p95Ms)],
    ['step max ms', fmt(a.server.step?.maxMs), fmt(b.server.step?.maxMs)],
    ['server cpu mean', serverCpu(a), serverCpu(b)],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const table = rows.map((r) => `${r[0].padEnd(w0)}  ${r[1].padStart(w1)}  ${r[2]}`).join('\n');
  return clipText(`\`\`\`\n${table}\n\`\`\``);
}

function fmt(v: number | undefined): string {
  return v === undefined ? '–' : v.toFixed(1);
}

function serverCpu(r: RunResult): string {
  const s = r.nodes.find((n) => n.index === 1)?.summary;
  return s ? `${(s.cpu.mean * 100).toFixed(1)} %` : '–';
}
