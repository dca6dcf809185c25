import type { Config } from '../config.js';
import { renderRunChart } from '../report/render.js';
import { botsLine, buildSummary, DISCORD_LIMITS, nodeTableCompact, stepLine, verdictText } from '../report/summary.js';
import type { ReportRenderer } from './notifier.js';

/** The report parts for Discord, from the report module: composite chart, per-node table, step and bot lines, verdict. */
export function createReportRenderer(config: Pick<Config, 'QUICKCHART_URL'>): ReportRenderer {
  return {
    // A QuickChart outage must not cost the channel its chart: fall back to the local renderer.
    renderChart: (result) => renderRunChart(result, { quickchartUrl: config.QUICKCHART_URL, fallbackToLocal: true }),
    summary: (result) => {
      const summary = buildSummary(result);
      return [nodeTableCompact(summary, DISCORD_LIMITS.codeTable - 300), stepLine(summary), botsLine(summary)].join(
        '\n',
      );
    },
    verdict: (result) => verdictText(buildSummary(result)),
  };
}
