import type { ChartConfiguration, ChartDataset } from 'chart.js';
import type { NodeResult, RunResult, Sample } from '../jobs/benchmark/run-result.js';
import { downsampleRows, splitAtGaps } from './downsample.js';
import { nodeColour, SERVER_COLOUR, withAlpha } from './palette.js';

/**
 * Pure builders from a RunResult to Chart.js v4 configs. Configs are plain JSON
 * (no functions, no plugins beyond the built-ins, linear x axis in seconds since
 * the run started) so that the local renderer and a QuickChart server draw the
 * same thing. Legends are drawn once for the whole composite, not per panel.
 */

/** A point of a line; `y: null` breaks the line (a gap in the samples). */
export interface ChartPoint {
  x: number;
  y: number | null;
}

/** A JSON-safe Chart.js line chart config. */
export type PanelConfig = ChartConfiguration<'line', ChartPoint[]>;
export type PanelDataset = ChartDataset<'line', ChartPoint[]>;

/** One legend entry of the composite. */
export interface LegendEntry {
  label: string;
  colour: string;
  /** Shown after the label in the warning colour (e.g. "lost at 75 s"). */
  flag?: string;
}

/** Everything a renderer needs: four panels and the composite's header. */
export interface ChartSet {
  title: string;
  subtitle: string;
  legend: LegendEntry[];
  /** One line per warning; empty when the run was healthy. */
  warnings: string[];
  panels: PanelConfig[];
  /** Panels per row in the composite (default 2). */
  columns?: number;
}

/** Options of {@link buildChartSet}. */
export interface ChartSetOptions {
  /** Points per series at most (default 400: 200 min/max pairs over a ~700 px plot; more is not visible). */
  maxPoints?: number;
}

const FONT = { size: 15 };
const TITLE_FONT = { size: 19, weight: 'bold' as const };
const LOAD_SHADE = 'rgba(255, 200, 0, 0.13)';
const MARK_COLOUR = '#b00020';

/** Significant figures kept in chart data, so QuickChart request bodies stay small. */
function sig(v: number): number {
  if (!Number.isFinite(v) || v === 0) return 0;
  return Number(v.toPrecision(4));
}

function secondsSince(start: number, t: number): number {
  return Math.round((t - start) / 100) / 10;
}

/**
 * Points of one series, downsampled per contiguous segment, with `null` breaks at
 * gaps so that a lost or silent node shows as a break, never as a bridging line.
 */
function toPoints<T extends { t: number }>(
  rows: readonly T[],
  start: number,
  y: (row: T) => number,
  maxPoints: number,
): ChartPoint[] {
  const points: ChartPoint[] = [];
  const segments = splitAtGaps(rows, 1000);
  for (const segment of segments) {
    const first = segment[0];
    if (first === undefined) continue;
    if (points.length > 0) points.push({ x: secondsSince(start, first.t - 500), y: null });
    const values = segment.map((row) => ({ t: row.t, v: y(row) }));
    const budget = Math.max(4, Math.floor((maxPoints * segment.length) / Math.max(1, rows.length)));
    for (const p of downsampleRows(values, budget, ['v'])) points.push({ x: secondsSince(start, p.t), y: sig(p.v) });
  }
  return points;
}

/** A rounded-up axis maximum (1, 2, 2.5, 5 × 10^n) so the load shading can fill the panel. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= value * 1.05) return sig(m * exp);
  return sig(10 * exp);
}

/** The x axis ends at the next round step after the last sample, not at a far-off nice number. */
function axisEnd(seconds: number): number {
  const step = [10, 30, 60, 300, 600, 1800, 3600].find((s) => seconds / s <= 15) ?? 7200;
  return Math.max(step, Math.ceil(seconds / step) * step);
}

function maxOf(datasets: PanelDataset[]): number {
  let max = 0;
  for (const d of datasets) for (const p of d.data) if (p.y !== null && p.y > max) max = p.y;
  return max;
}

/** Byte rate unit that keeps the axis numbers short. */
export function rateUnit(maxBytesPerS: number): { label: string; div: number } {
  if (maxBytesPerS >= 1e6) return { label: 'MB/s', div: 1e6 };
  if (maxBytesPerS >= 1e3) return { label: 'kB/s', div: 1e3 };
  return { label: 'B/s', div: 1 };
}

function lineDataset(label: string, colour: string, data: ChartPoint[], server: boolean): PanelDataset {
  return {
    label,
    data,
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: server ? 3.5 : 1.8,
    pointRadius: 0,
    tension: 0,
    spanGaps: false,
    fill: false,
    order: server ? 0 : 1,
  };
}

/** Full-height shading of the load window and vertical marks for lost nodes. */
function marks(result: RunResult, start: number, yMax: number): PanelDataset[] {
  const out: PanelDataset[] = [];
  const load = result.windows.load;
  if (load) {
    out.push({
      label: 'load',
      data: [
        { x: secondsSince(start, load.start), y: yMax },
        { x: secondsSince(start, load.end), y: yMax },
      ],
      borderColor: 'rgba(0, 0, 0, 0)',
      backgroundColor: LOAD_SHADE,
      borderWidth: 0,
      pointRadius: 0,
      fill: 'origin',
      order: 100,
    });
  }
  for (const node of result.nodes) {
    if (node.lostAt === null) continue;
    const x = secondsSince(start, node.lostAt);
    out.push({
      label: `${node.name} lost`,
      data: [
        { x, y: 0 },
        { x, y: yMax },
      ],
      borderColor: MARK_COLOUR,
      backgroundColor: MARK_COLOUR,
      borderWidth: 3,
      borderDash: [10, 6],
      pointRadius: 0,
      fill: false,
      order: -1,
    });
  }
  return out;
}

/** What a line panel shows; everything else (fonts, axes from 0, no animation) is the house style. */
export interface LinePanelSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  datasets: PanelDataset[];
  xMin: number;
  xMax: number;
  yMax: number;
  /** Most ticks on the y axes (default 8). */
  yTicks?: number;
  /** Tell Chart.js the data is sorted (faster on long series). */
  normalized?: boolean;
  /** A second y axis on the right, for datasets with `yAxisID: 'y1'`. */
  y1?: { title: string; max: number };
}

/** One line panel in the house style, shared by the run report, the overlay and the sweep charts. */
export function linePanel(spec: LinePanelSpec): PanelConfig {
  const yTicks = spec.yTicks ?? 8;
  const scales: NonNullable<PanelConfig['options']>['scales'] = {
    x: {
      type: 'linear',
      min: spec.xMin,
      max: spec.xMax,
      title: { display: true, text: spec.xTitle, font: FONT },
      ticks: { font: FONT, maxTicksLimit: 8 },
    },
    y: {
      type: 'linear',
      min: 0,
      max: spec.yMax,
      title: { display: true, text: spec.yTitle, font: FONT },
      ticks: { font: FONT, maxTicksLimit: yTicks },
    },
  };
  if (spec.y1) {
    scales.y1 = {
      type: 'linear',
      position: 'right',
      min: 0,
      max: spec.y1.max,
      title: { display: true, text: spec.y1.title, font: FONT },
      ticks: { font: FONT, maxTicksLimit: yTicks },
      grid: { drawOnChartArea: false },
    };
  }
  return {
    type: 'line',
    data: { datasets: spec.datasets },
    options: {
      responsive: false,
      animation: false,
      parsing: false,
      ...(spec.normalized ? { normalized: true } : {}),
      plugins: { title: { display: true, text: spec.title, font: TITLE_FONT }, legend: { display: false } },
      scales,
    },
  };
}

function panel(
  title: string,
  yTitle: string,
  datasets: PanelDataset[],
  result: RunResult,
  start: number,
  xMax: number,
  y1?: { title: string; max: number },
): PanelConfig {
  const yMax = niceMax(maxOf(datasets.filter((d) => d.yAxisID !== 'y1')));
  return linePanel({
    title,
    xTitle: 'seconds since run start',
    yTitle,
    datasets: [...datasets, ...marks(result, start, yMax)],
    xMin: 0,
    xMax,
    yMax,
    yTicks: 7,
    normalized: true,
    y1,
  });
}

/** Run start: the manifest's start, else the first sample seen. */
export function runStart(result: RunResult): number {
  const first = Math.min(...result.nodes.map((n) => n.samples[0]?.t ?? Infinity));
  return result.manifest.startedAt > 0 ? result.manifest.startedAt : Number.isFinite(first) ? first : 0;
}

function runEnd(result: RunResult): number {
  let end = result.windows.load?.end ?? 0;
  for (const n of result.nodes) end = Math.max(end, n.samples.at(-1)?.t ?? 0);
  for (const s of result.server.series) end = Math.max(end, s.t);
  return end;
}

/** Human duration: `120 s`, `15 min 30 s`, `1 h`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 120) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', rest ? `${rest} s` : ''].filter(Boolean);
  return parts.join(' ');
}

/** The composite's title line: run id, nodes, bots, duration and label. */
export function chartTitle(result: RunResult): string {
  const { spec } = result;
  const label = spec.label ? ` — ${spec.label}` : '';
  return `${result.runId}: ${spec.nodes} node${spec.nodes === 1 ? '' : 's'}, ${spec.bots} bots, ${formatDuration(spec.durationS)}${label}`;
}

function legendFlag(result: RunResult, node: NodeResult, start: number): string | undefined {
  const flags: string[] = [];
  if (node.lostAt !== null) flags.push(`lost at ${Math.round((node.lostAt - start) / 1000)} s`);
  const cov = node.coverage.expected > 0 ? node.coverage.received / node.coverage.expected : 1;
  if (cov < 0.95) flags.push(`${Math.round(cov * 100)} % samples`);
  const warned = (code: string): boolean => result.warnings.some((w) => w.code === code && w.node === node.name);
  if (warned('generator_saturated')) flags.push('saturated');
  if (warned('noisy_baseline')) flags.push('noisy baseline');
  return flags.length ? flags.join(', ') : undefined;
}

/** `Luanti 5.11.0`, or the version line as the server printed it when it names itself (e.g. `Minetest 5.6.1`). */
function serverVersion(version: string | null): string {
  if (version === null) return 'Luanti version unknown';
  return /^[A-Za-z]/.test(version) ? version : `Luanti ${version}`;
}

/** Builds the four panels and the header of a run's chart. */
export function buildChartSet(result: RunResult, options: ChartSetOptions = {}): ChartSet {
  const maxPoints = options.maxPoints ?? 400;
  const start = runStart(result);
  const xMax = axisEnd(secondsSince(start, runEnd(result)));
  const nodes = [...result.nodes].sort((a, b) => a.index - b.index);
  const rowsOf = (n: NodeResult): readonly Sample[] => n.samples;
  const isServer = (n: NodeResult) => n.role !== 'bots';

  // CPU: % of the node, with each node's idle floor as a dashed line across the run.
  const cpu: PanelDataset[] = [];
  for (const n of nodes) {
    const colour = nodeColour(n);
    cpu.push(
      lineDataset(
        n.name,
        colour,
        toPoints(rowsOf(n), start, (s) => s.cpu * 100, maxPoints),
        isServer(n),
      ),
    );
    if (n.summary && n.summary.baseline.samples > 0) {
      const y = sig(n.summary.baseline.cpu * 100);
      cpu.push({
        ...lineDataset(
          `${n.name} idle`,
          withAlpha(colour, 0.9),
          [
            { x: 0, y },
            { x: xMax, y },
          ],
          false,
        ),
        borderWidth: 1.5,
        borderDash: [6, 5],
      });
    }
  }

  const memory = nodes.map((n) =>
    lineDataset(
      n.name,
      nodeColour(n),
      toPoints(rowsOf(n), start, (s) => s.memUsed / 1024 ** 3, maxPoints),
      isServer(n),
    ),
  );

  let netMax = 0;
  for (const n of nodes) for (const s of rowsOf(n)) netMax = Math.max(netMax, s.netRx, s.netTx);
  const unit = rateUnit(netMax);
  const network: PanelDataset[] = [];
  for (const n of nodes) {
    const colour = nodeColour(n);
    network.push(
      lineDataset(
        `${n.name} in`,
        colour,
        toPoints(rowsOf(n), start, (s) => s.netRx / unit.div, maxPoints),
        isServer(n),
      ),
    );
    network.push({
      ...lineDataset(
        `${n.name} out`,
        colour,
        toPoints(rowsOf(n), start, (s) => s.netTx / unit.div, maxPoints),
        isServer(n),
      ),
      borderDash: [5, 4],
    });
  }

  const serverRows = result.server.series;
  const maxPlayers = Math.max(1, result.spec.bots, ...serverRows.map((s) => s.players));
  const step: PanelDataset[] = [
    lineDataset(
      'step p95',
      SERVER_COLOUR,
      toPoints(serverRows, start, (s) => s.stepP95Ms, maxPoints),
      true,
    ),
    {
      ...lineDataset(
        'step p50',
        '#ff9896',
        toPoints(serverRows, start, (s) => s.stepP50Ms, maxPoints),
        false,
      ),
      borderWidth: 2.5,
    },
    {
      ...lineDataset(
        'budget',
        '#555555',
        [
          { x: 0, y: sig(result.server.budgetMs) },
          { x: xMax, y: sig(result.server.budgetMs) },
        ],
        false,
      ),
      borderDash: [3, 3],
      borderWidth: 1.5,
    },
    {
      ...lineDataset(
        'players',
        '#333333',
        toPoints(serverRows, start, (s) => s.players, maxPoints),
        false,
      ),
      yAxisID: 'y1',
      borderWidth: 2,
      borderDash: [12, 4],
    },
  ];

  const legend: LegendEntry[] = nodes.map((n) => {
    const flag = legendFlag(result, n, start);
    const entry: LegendEntry = { label: `${n.name} (${n.role}, ${n.host})`, colour: nodeColour(n) };
    if (flag !== undefined) entry.flag = flag;
    return entry;
  });

  const started = new Date(start).toISOString().replace('T', ' ').slice(0, 16);
  const subtitle =
    `${started} UTC · ${result.manifest.cluster} · ${serverVersion(result.manifest.luantiVersion)} · ` +
    `${result.swarm.joined}/${result.swarm.requested} bots joined · state ${result.state} · ` +
    `shaded: load window, dashed: idle baseline (CPU) / out (network)`;

  return {
    title: chartTitle(result),
    subtitle,
    legend,
    warnings: result.warnings.map((w) => `${w.code.replace(/_/g, ' ')}: ${w.message}`),
    panels: [
      panel('CPU per node (% of the node)', 'CPU %', cpu, result, start, xMax),
      panel('Memory used per node', 'GiB', memory, result, start, xMax),
      panel('Network per node (solid in, dashed out)', unit.label, network, result, start, xMax),
      panel('Server step p95 (dark) and p50 (light) per second', 'ms (dotted: budget)', step, result, start, xMax, {
        title: 'players (dashed)',
        max: niceMax(maxPlayers),
      }),
    ],
  };
}

/** Downsamples one line's points to about `maxPoints`, keeping `null` breaks and min/max shape. */
export function shrinkPoints(points: readonly ChartPoint[], maxPoints: number): ChartPoint[] {
  if (points.length <= maxPoints) return [...points];
  const out: ChartPoint[] = [];
  let run: { t: number; v: number }[] = [];
  const flush = () => {
    const budget = Math.max(2, Math.floor((maxPoints * run.length) / points.length));
    for (const p of downsampleRows(run, budget, ['v'])) out.push({ x: p.t, y: p.v });
    run = [];
  };
  for (const p of points) {
    if (p.y === null) {
      flush();
      out.push(p);
    } else run.push({ t: p.x, v: p.y });
  }
  flush();
  return out;
}

/** A copy of `config` with every dataset cut to at most about `maxPoints` points. */
export function shrinkPanel(config: PanelConfig, maxPoints: number): PanelConfig {
  const copy = structuredClone(config);
  for (const dataset of copy.data.datasets) dataset.data = shrinkPoints(dataset.data, maxPoints);
  return copy;
}
