/**
 * `npm run bench:cluster`: how long the test cluster takes to come up and go down,
 * for 3 and 16 hosts (SLURM on), 3 repetitions each; prints medians.
 * Options: `--reps N`, `--hosts 3,16`. Needs root. Uses its own id and octet.
 */
import { parseArgs } from 'node:util';
import { clusterSupport, startTestCluster } from '../test/support/cluster/test-cluster.js';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '3' }, hosts: { type: 'string', default: '3,16' } },
});
const reps = Number(values.reps);
const hostCounts = values.hosts.split(',').map(Number);
if (!Number.isInteger(reps) || reps < 1)
  throw new Error(`--reps '${values.reps}' is not allowed: use a whole number ≥ 1`);
if (hostCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 99)) {
  throw new Error(`--hosts '${values.hosts}' is not allowed: use comma-separated whole numbers from 1 to 99`);
}

const support = clusterSupport();
if (!support.ok) {
  process.stderr.write(`bench:cluster skipped: ${support.reason}\n`);
  process.exit(0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

interface Row {
  hosts: number;
  up: number[];
  down: number[];
  steps: Record<string, number[]>;
}

const rows: Row[] = [];
for (const hosts of hostCounts) {
  const row: Row = { hosts, up: [], down: [], steps: {} };
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const cluster = await startTestCluster({ id: 'lbbench', octet: 234, hosts });
    row.up.push(performance.now() - t0);
    for (const [step, ms] of Object.entries(cluster.timings)) (row.steps[step] ??= []).push(ms);
    const t1 = performance.now();
    await cluster.down();
    row.down.push(performance.now() - t1);
    process.stderr.write(
      `  ${hosts} hosts, rep ${i + 1}: up ${row.up.at(-1)?.toFixed(0)} ms, down ${row.down.at(-1)?.toFixed(0)} ms\n`,
    );
  }
  rows.push(row);
}

const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
process.stdout.write(`test cluster up/down (SLURM on), median of ${reps} (min–max)\n`);
process.stdout.write(`${'hosts'.padEnd(6)} ${'up'.padEnd(22)} ${'down'.padEnd(22)} slowest up steps (median)\n`);
for (const row of rows) {
  const range = (v: number[]): string => `${fmt(median(v))} (${fmt(Math.min(...v))}–${fmt(Math.max(...v))})`;
  const steps = Object.entries(row.steps)
    .filter(([step]) => step !== 'total')
    .map(([step, v]) => [step, median(v)] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([step, ms]) => `${step} ${ms.toFixed(0)} ms`)
    .join(', ');
  process.stdout.write(
    `${String(row.hosts).padEnd(6)} ${range(row.up).padEnd(22)} ${range(row.down).padEnd(22)} ${steps}\n`,
  );
}
