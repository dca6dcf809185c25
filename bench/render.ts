/**
 * Render benchmark (`npm run bench:render`): time to chart a 3-node 120 s run and a
 * 16-node one-hour run with the local renderer (median of 5, goal ≤ 1 s each), the
 * QuickChart request body sizes, and the stored size per run in Redis form (goal ≤ 200 kB).
 * Also writes docs/example-chart.png for the README.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../src/jobs/benchmark/run-result.js';
import { buildChartSet } from '../src/report/chart-configs.js';
import { renderRunChart } from '../src/report/render.js';
import { fitBody, parseQuickChartUrl, requestBodySize } from '../src/report/render-quickchart.js';
import { encodeStoredResult } from '../src/store/run-store.js';
import { sixteenNodeHourRun, threeNodeRun } from '../test/support/fixtures/run-result-fixture.js';

const RUNS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

async function timeRender(result: RunResult): Promise<{ median: number; all: number[]; cpu: number; png: Buffer }> {
  const all: number[] = [];
  const cpus: number[] = [];
  let png: Buffer = Buffer.alloc(0);
  // One warm-up: font registration and chart.js setup happen once per process.
  await renderRunChart(result);
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    png = await renderRunChart(result);
    all.push(performance.now() - t0);
    // CPU time of all threads (PNG encoding runs off the main thread): steadier than wall time on a busy machine.
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  return { median: median(all), all, cpu: median(cpus), png };
}

const cases: [string, RunResult][] = [
  ['3 nodes, 20 bots, 120 s', threeNodeRun()],
  ['16 nodes, 300 bots, 1 h', sixteenNodeHourRun()],
];

const target = parseQuickChartUrl('http://127.0.0.1:3400');
const [load1] = (await import('node:os')).loadavg();
console.log(
  `render benchmark (local renderer, 1600×1200, median of ${RUNS} after one warm-up; load average ${load1?.toFixed(1)})`,
);
for (const [name, result] of cases) {
  const { median: m, all, cpu, png } = await timeRender(result);
  const set = buildChartSet(result);
  const bodies = set.panels.map((p) => requestBodySize(target, fitBody(target, p, 800, 530), 800, 530));
  const stored = encodeStoredResult(result).length;
  const raw = Buffer.byteLength(JSON.stringify(result));
  console.log(
    `${name.padEnd(26)} render ${m.toFixed(0).padStart(5)} ms wall, ${cpu.toFixed(0)} ms CPU  ` +
      `(runs: ${all.map((x) => x.toFixed(0)).join(', ')})  ` +
      `png ${(png.length / 1024).toFixed(0)} KiB  ` +
      `quickchart bodies ${bodies.map((b) => (b / 1024).toFixed(0)).join('/')} KiB  ` +
      `stored ${(stored / 1024).toFixed(1)} KiB (raw result ${(raw / 1024).toFixed(0)} KiB)`,
  );
}

const example = await renderRunChart(threeNodeRun());
const out = fileURLToPath(new URL('../docs/example-chart.png', import.meta.url));
writeFileSync(out, example);
console.log(`wrote ${out} (${(example.length / 1024).toFixed(0)} KiB)`);
