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
