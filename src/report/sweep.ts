import type { RunResult } from '../jobs/benchmark/run-result.js';
import { linePanel, niceMax, type ChartSet, type PanelConfig, type PanelDataset } from './chart-configs.js';
import { runFigures, type RunFigures } from './figures.js';
import { alignTable } from './format.js';
import { SERVER_COLOUR } from './palette.js';

/**
 * Sweeps: the same spec run at several values of one parameter (bots = 3, 5, 20,
 * 100). Pure: parses the sweep argument and turns finished runs into a scaling
 * table and chart. Running the sweep is the pipeline's job.
 */

/** Parameters a sweep may vary. */
export const SWEEP_KEYS = ['bots', 'nodes'] as const;
export type SweepKey = (typeof SWEEP_KEYS)[number];

/** A parsed `--sweep` argument. */
export interface Sweep {
  key: SweepKey;
  values: number[];
}

/** At most this many values: each one is a whole run. */
export const MAX_SWEEP_VALUES = 12;

/** A bad `--sweep` argument; the message names the value and what is allowed. */
export class SweepParseError extends Error {
  override readonly name = 'SweepParseError';
  readonly code = 'invalid_sweep';
}

/** Parses `bots=3,5,20,100` into `{ key: 'bots', values: [3, 5, 20, 100] }`. */
export function parseSweep(text: string): Sweep {
  const shown = JSON.stringify(text);
  const m = /^\s*([A-Za-z]+)\s*=\s*(.*)$/.exec(text);
  if (!m) throw new SweepParseError(`sweep ${shown} is not of the form key=v1,v2,… (e.g. bots=3,5,20,100)`);
  const key = (m[1] ?? '').toLowerCase();
  if (!(SWEEP_KEYS as readonly string[]).includes(key)) {
    throw new SweepParseError(`sweep key ${JSON.stringify(m[1])} is not one of ${SWEEP_KEYS.join(', ')}`);
  }
  const parts = (m[2] ?? '').split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.every((p) => p === '')) throw new SweepParseError(`sweep ${shown} has no values`);
  const values: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part) || Number(part) < 1) {
      throw new SweepParseError(`sweep value ${JSON.stringify(part)} in ${shown} is not a whole number ≥ 1`);
    }
    const v = Number(part);
    if (values.includes(v)) throw new SweepParseError(`sweep value ${v} appears twice in ${shown}`);
    values.push(v);
  }
  if (values.length < 2) throw new SweepParseError(`sweep ${shown} needs at least 2 values to show scaling`);
  if (values.length > MAX_SWEEP_VALUES) {
    throw new SweepParseError(`sweep ${shown} has ${values.length} values; at most ${MAX_SWEEP_VALUES} are allowed`);
  }
  return { key: key as SweepKey, values };
}

/** One run of the sweep. */
export interface SweepRow {
  runId: string;
  value: number;
  figures: RunFigures;
}

/** Scaling table + chart of a sweep. */
export interface SweepReport {
  key: SweepKey;
  rows: SweepRow[];
  /** Spec differences other than the swept key, runs that failed, etc. */
  warnings: string[];
  chart: ChartSet;
}

/** Builds the scaling report from the sweep's finished runs (any order). */
export function buildSweep(results: readonly RunResult[], key: SweepKey = 'bots'): SweepReport {
  if (results.length === 0) throw new SweepParseError('a sweep report needs at least one run');
  const rows = [...results]
    .sort((x, y) => x.spec[key] - y.spec[key])
    .map((r) => ({ runId: r.runId, value: r.spec[key], figures: runFigures(r) }));
  const warnings: string[] = [];
  const first = results[0];
  const fixed = ['nodes', 'bots', 'durationS', 'behaviour', 'rampPerS'].filter((k) => k !== key) as (
    'nodes' | 'bots' | 'durationS' | 'behaviour' | 'rampPerS'
  )[];
  for (const r of results) {
    if (!first) break;
    const diffs = fixed.filter((k) => r.spec[k] !== first.spec[k]).map((k) => `${k} ${first.spec[k]} → ${r.spec[k]}`);
    if (diffs.length) warnings.push(`${r.runId} differs from ${first.runId} in more than ${key}: ${diffs.join(', ')}`);
    if (r.state !== 'completed') warnings.push(`${r.runId} (${key}=${r.spec[key]}) did not complete: ${r.state}`);
    else if (r.warnings.length)
      warnings.push(`${r.runId} (${key}=${r.spec[key]}): ${r.warnings.map((w) => w.code).join(', ')}`);
  }
  return { key, rows, warnings, chart: sweepChart(key, rows, warnings) };
}

const opt = (v: number | null, f: (x: number) => string) => (v === null ? '–' : f(v));

/** The scaling table as aligned text. */
export function formatSweepTable(report: SweepReport): string {
  const header = [
    report.key,
    'run',
    'joined',
    'cpu/bot %core',
    'server cpu+',
    'bot node cpu+',
    'step p95',
    'over budget',
  ];
  const rows = report.rows.map((r) => [
    String(r.value),
    r.runId,
    `${r.figures.botsJoined}`,
    opt(r.figures.coresPerBot, (v) => `${(v * 100).toFixed(2)} %`),
    opt(r.figures.serverCpuAboveMean, (v) => `${(v * 100).toFixed(1)} %`),
    opt(r.figures.botNodeCpuAboveMean, (v) => `${(v * 100).toFixed(1)} %`),
    opt(r.figures.stepP95Ms, (v) => `${v.toFixed(1)} ms`),
    opt(r.figures.overBudgetShare, (v) => `${(v * 100).toFixed(1)} %`),
  ]);
  const lines = [alignTable([header, ...rows])];
  if (report.warnings.length) lines.push('', ...report.warnings.map((w) => `WARN ${w}`));
  return lines.join('\n');
}

function scalingPanel(title: string, yTitle: string, key: SweepKey, datasets: PanelDataset[]): PanelConfig {
  let xMax = 1;
  let yMax = 0;
  for (const d of datasets) {
    for (const p of d.data) {
      xMax = Math.max(xMax, p.x);
      if (p.y !== null) yMax = Math.max(yMax, p.y);
    }
  }
  return linePanel({ title, xTitle: key, yTitle, datasets, xMin: 0, xMax: niceMax(xMax), yMax: niceMax(yMax) });
}

function series(label: string, colour: string, rows: SweepRow[], pick: (f: RunFigures) => number | null): PanelDataset {
  return {
    label,
    data: rows.map((r) => {
      const y = pick(r.figures);
      return { x: r.value, y: y === null ? null : Number(y.toPrecision(4)) };
    }),
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 3,
    pointRadius: 6,
    spanGaps: true,
    fill: false,
  };
}

function sweepChart(key: SweepKey, rows: SweepRow[], warnings: string[]): ChartSet {
  const BOT = '#1f77b4';
  return {
    title: `Sweep over ${key}: ${rows.map((r) => r.value).join(', ')}`,
    subtitle: `runs ${rows.map((r) => r.runId).join(', ')} · CPU above each node's idle baseline`,
    legend: [
      { label: 'server node', colour: SERVER_COLOUR },
      { label: 'bot nodes (mean)', colour: BOT },
    ],
    warnings,
    panels: [
      scalingPanel('CPU per bot (all nodes)', '% of a core', key, [
        series('cpu per bot', '#333333', rows, (f) => (f.coresPerBot === null ? null : f.coresPerBot * 100)),
      ]),
      scalingPanel('Server step p95', 'ms', key, [series('step p95', SERVER_COLOUR, rows, (f) => f.stepP95Ms)]),
      scalingPanel('Bots joined', 'bots', key, [
        series('joined', '#333333', rows, (f) => f.botsJoined),
        { ...series('requested', '#999999', rows, (f) => f.botsRequested), borderDash: [6, 4], pointRadius: 3 },
      ]),
      scalingPanel('Node CPU above idle', '% of the node', key, [
        series('server', SERVER_COLOUR, rows, (f) =>
          f.serverCpuAboveMean === null ? null : f.serverCpuAboveMean * 100,
        ),
        series('bot nodes', BOT, rows, (f) => (f.botNodeCpuAboveMean === null ? null : f.botNodeCpuAboveMean * 100)),
      ]),
    ],
  };
}
