import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { buildOverlayChartSet, compareRuns, formatComparison } from '../report/compare.js';
import { loadRunResult } from '../report/load-result.js';
import { renderChartSet } from '../report/render.js';

/** `luanti-bench compare a.json b.json [--out overlay.png]`: two runs side by side. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('Compare two results: figures side by side with deltas, and an overlay chart.')
    .argument('<a>', 'first result.json (e.g. the single-node run)')
    .argument('<b>', 'second result.json (e.g. the distributed run)')
    .option('-o, --out <file>', 'where to write the overlay PNG', 'overlay.png')
    .action(async (fileA: string, fileB: string, options: { out: string }) => {
      const [a, b] = await Promise.all([loadRunResult(fileA), loadRunResult(fileB)]);
      const config = loadConfig();
      process.stdout.write(`${formatComparison(compareRuns(a, b))}\n`);
      await writeFile(
        options.out,
        await renderChartSet(buildOverlayChartSet(a, b), { quickchartUrl: config.QUICKCHART_URL }),
      );
      process.stdout.write(`\noverlay: ${options.out}\n`);
    });
}
