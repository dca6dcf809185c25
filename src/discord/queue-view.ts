import type { QueueEntry } from '../jobs/queue.js';
import { clipText, formatDuration } from './format.js';
import { describeSpec, estimateRunSeconds } from './run-description.js';

/**
 * Seconds until the entry at `index` starts: the rest of the running run plus
 * the estimates of every run ahead of it.
 */
export function etaSeconds(entries: readonly QueueEntry[], index: number, now: number, baselineS = 10): number {
  let eta = 0;
  for (const e of entries.slice(0, index)) {
    const estimate = estimateRunSeconds(e.data.spec, baselineS);
    eta += e.state === 'active' && e.startedAt !== null ? Math.max(0, estimate - (now - e.startedAt) / 1000) : estimate;
  }
  return Math.round(eta);
}

/** `/runs queue`: running and waiting runs with positions and ETAs. */
export function renderQueue(entries: readonly QueueEntry[], now: number, baselineS = 10): string {
  if (entries.length === 0) return 'The queue is empty: nothing running, nothing waiting.';
  const lines = entries.map((e, i) => {
    const who = `<@${e.data.requester.id}>`;
    if (e.state === 'active') {
      const ran = e.startedAt === null ? '' : `, running for ${formatDuration((now - e.startedAt) / 1000)}`;
      const left = formatDuration(Math.max(0, etaSeconds(entries, i + 1, now, baselineS)));
      return `**${e.position}.** ▶️ **${e.data.runId}** by ${who}${ran} (about ${left} left) — ${describeSpec(e.data.spec)}`;
    }
    return `**${e.position}.** ⏸️ **${e.data.runId}** by ${who}, starts in about ${formatDuration(etaSeconds(entries, i, now, baselineS))} — ${describeSpec(e.data.spec)}`;
  });
  return clipText(lines.join('\n'));
}
