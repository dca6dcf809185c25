import type { Config } from '../config.js';
import { renderRunChart } from '../report/render.js';
import type { ReportRenderer } from './notifier.js';
import { basicSummary, basicVerdict } from './report-message.js';

/** The report parts for Discord: the report module's chart, with summary and verdict lines. */
export function createReportRenderer(config: Pick<Config, 'QUICKCHART_URL'>): ReportRenderer {
  return {
    renderChart: (result) => renderRunChart(result, { quickchartUrl: config.QUICKCHART_URL }),
    summary: basicSummary,
    verdict: basicVerdict,
  };
}
