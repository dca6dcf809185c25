import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunResult } from '../jobs/benchmark/run-result.js';
import { silentLogger, type Logger } from '../log.js';
import { renderRunChart, type RenderOptions } from './render.js';
import { formatSummaryText } from './summary.js';

/** Options of {@link writeReport}. */
export interface WriteReportOptions extends RenderOptions {
  logger?: Logger;
}

/** Paths written by {@link writeReport}. */
export interface WrittenReport {
  chart: string;
  summary: string;
  /** Which renderer drew the chart (quickchart falls back to local when it fails). */
  renderer: 'local' | 'quickchart';
}

/**
 * Writes `chart.png` and `summary.txt` into `dir` (beside result.json). A failing
 * QuickChart server must not cost the run its chart: the local renderer takes over
 * and the failure is logged.
 */
export async function writeReport(
  result: RunResult,
  dir: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const logger = options.logger ?? silentLogger();
  let renderer: WrittenReport['renderer'] = options.quickchartUrl ? 'quickchart' : 'local';
  const png = await renderRunChart(result, {
    quickchartUrl: options.quickchartUrl,
    fallbackToLocal: true,
    onFallback: (error) => {
      renderer = 'local';
      logger.warn({ err: error, run: result.runId }, 'QuickChart failed; rendering the chart locally instead');
    },
  });
  const chart = join(dir, 'chart.png');
  const summary = join(dir, 'summary.txt');
  await writeFile(chart, png);
  await writeFile(summary, `${formatSummaryText(result)}\n`);
  return { chart, summary, renderer };
}
