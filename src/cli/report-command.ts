import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { loadRunResult } from '../report/load-result.js';
import { renderRunChart } from '../report/render.js';
import { formatSummaryText } from '../report/summary.js';

/** `luanti-bench report result.json [--out chart.png]`: re-render a stored result. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Re-render the chart and summary of a result.json (validated first).')
    .argument('<result>', 'result.json written by a run')
    .option('-o, --out <file>', 'where to write the chart PNG (default: chart.png beside the result)')
    .action(async (file: string, options: { out?: string }) => {
      const result = await loadRunResult(file);
      const config = loadConfig();
      const png = await renderRunChart(result, { quickchartUrl: config.QUICKCHART_URL });
      const out = options.out ?? join(dirname(file), 'chart.png');
      await writeFile(out, png);
      process.stdout.write(`${formatSummaryText(result)}\n\nchart: ${out}\n`);
    });
}
