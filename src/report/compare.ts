import type { RunResult } from '../jobs/benchmark/run-result.js';
import {
  chartTitle,
  linePanel,
  niceMax,
  runStart,
  type ChartPoint,
  type ChartSet,
  type LegendEntry,
  type PanelConfig,
  type PanelDataset,
} from './chart-configs.js';
import { splitAtGaps } from './downsample.js';
import { runFigures, type RunFigures } from './figures.js';
import { alignTable, gib, ms, pct, rate } from './format.js';
import { nodeColour, SERVER_COLOUR } from './palette.js';

/**
 * Two runs side by side — typically the team's "single node vs distributed"
 * question — with deltas, warnings when the runs are not comparable, and an
 * overlay chart aligned on the start of the load.
 */

/** How a figure is shown. */
type Kind = 'count' | 'share' | 'cores' | 'corePct' | 'ms' | 'bytes' | 'rate';

/** One row of the comparison table. */
export interface ComparisonRow {
  figure: string;
  kind: Kind;
  a: number | null;
  b: number | null;
  /** b − a; null when either is missing. */
  delta: number | null;
  /** (b − a) / a; null when a is 0 or missing. */
  relative: number | null;
}

export interface Comparison {
  a: { runId: string; title: string };
  b: { runId: string; title: string };
  rows: ComparisonRow[];
  /** Why the two runs may not be comparable (hardware, spec). Empty when they are. */
  warnings: string[];
}

const FIGURES: { figure: string; kind: Kind; pick: (f: RunFigures) => number | null }[] = [
  { figure: 'nodes', kind: 'count', pick: (f) => f.nodes },
  { figure: 'bots joined', kind: 'count', pick: (f) => f.botsJoined },
  { figure: 'server node CPU above idle, mean', kind: 'share', pick: (f) => f.serverCpuAboveMean },
  { figure: 'server node CPU above idle, p95', kind: 'share', pick: (f) => f.serverCpuAboveP95 },
  { figure: 'cores used on server node', kind: 'cores', pick: (f) => f.serverCores },
  { figure: 'bot node CPU above idle, mean', kind: 'share', pick: (f) => f.botNodeCpuAboveMean },
  { figure: 'cores used, all nodes', kind: 'cores', pick: (f) => f.totalCores },
  { figure: 'CPU per bot, % of a core (all nodes)', kind: 'corePct', pick: (f) => f.coresPerBot },
  { figure: 'CPU per bot, % of a core (swarm)', kind: 'corePct', pick: (f) => f.swarmCoresPerBot },
  { figure: 'server step p50', kind: 'ms', pick: (f) => f.stepP50Ms },
  { figure: 'server step p95', kind: 'ms', pick: (f) => f.stepP95Ms },
  { figure: 'server step p99', kind: 'ms', pick: (f) => f.stepP99Ms },
  { figure: 'server step max', kind: 'ms', pick: (f) => f.stepMaxMs },
  { figure: 'steps over 2× budget', kind: 'share', pick: (f) => f.overBudgetShare },
  { figure: 'server node memory, mean', kind: 'bytes', pick: (f) => f.serverMemMean },
  { figure: 'network in, all nodes', kind: 'rate', pick: (f) => f.netRxTotal },
  { figure: 'network out, all nodes', kind: 'rate', pick: (f) => f.netTxTotal },
  { figure: 'bot RTT p95', kind: 'ms', pick: (f) => f.rttP95Ms },
];

function hardware(result: RunResult): string {
  const kinds = new Map<string, number>();
  for (const n of result.manifest.nodes) {
    const k = `${n.cpuModel} (${n.cores} cores)`;
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  return [...kinds.entries()].map(([k, count]) => `${count}× ${k}`).join(', ') || 'unknown hardware';
}

/** Reasons two runs may not be comparable. */
export function comparabilityWarnings(a: RunResult, b: RunResult): string[] {
  const warnings: string[] = [];
  const [ha, hb] = [hardware(a), hardware(b)];
  const modelsA = new Set(a.manifest.nodes.map((n) => `${n.cpuModel}|${n.cores}`));
  const modelsB = new Set(b.manifest.nodes.map((n) => `${n.cpuModel}|${n.cores}`));
  const same = modelsA.size === modelsB.size && [...modelsA].every((m) => modelsB.has(m));
  if (!same) warnings.push(`hardware differs: ${a.runId} ran on ${ha}; ${b.runId} on ${hb}`);
  const diffs: string[] = [];
  const keys = ['nodes', 'bots', 'durationS', 'rampPerS', 'behaviour'] as const;
  for (const k of keys) if (a.spec[k] !== b.spec[k]) diffs.push(`${k} ${a.spec[k]} → ${b.spec[k]}`);
  if (JSON.stringify(a.spec.serverSettings) !== JSON.stringify(b.spec.serverSettings)) diffs.push('server settings');
  if (JSON.stringify(a.spec.botRuntime) !== JSON.stringify(b.spec.botRuntime)) diffs.push('bot runtime');
  if (a.manifest.cluster !== b.manifest.cluster) diffs.push(`cluster ${a.manifest.cluster} → ${b.manifest.cluster}`);
  if (a.manifest.luantiVersion !== b.manifest.luantiVersion) {
    diffs.push(`Luanti ${a.manifest.luantiVersion ?? '?'} → ${b.manifest.luantiVersion ?? '?'}`);
  }
  if (diffs.length) warnings.push(`spec differs: ${diffs.join(', ')}`);
  for (const r of [a, b]) {
    if (r.state !== 'completed') warnings.push(`${r.runId} did not complete (${r.state})`);
    if (r.warnings.length) warnings.push(`${r.runId} has warnings: ${r.warnings.map((w) => w.code).join(', ')}`);
  }
  return warnings;
}

/** Compares two runs figure by figure. */
export function compareRuns(a: RunResult, b: RunResult): Comparison {
  const [fa, fb] = [runFigures(a), runFigures(b)];
  const rows = FIGURES.map(({ figure, kind, pick }) => {
    const [va, vb] = [pick(fa), pick(fb)];
    const delta = va !== null && vb !== null ? vb - va : null;
    const relative = delta !== null && va !== null && va !== 0 ? delta / Math.abs(va) : null;
    return { figure, kind, a: va, b: vb, delta, relative };
  });
  return {
    a: { runId: a.runId, title: chartTitle(a) },
    b: { runId: b.runId, title: chartTitle(b) },
    rows,
    warnings: comparabilityWarnings(a, b),
  };
}

function show(kind: Kind, raw: number | null, signed = false): string {
  if (raw === null) return '–';
  // Differences below display precision read as 0, not "-0.0".
  const tiny = {
    count: 0.5,
    share: 0.0005,
    cores: 0.005,
    corePct: 0.00005,
    ms: 0.05,
    bytes: 0.05 * 1024 ** 3,
    rate: 0.05,
  };
  const v = Math.abs(raw) < tiny[kind] ? 0 : raw;
  const sign = signed && v > 0 ? '+' : '';
  switch (kind) {
    case 'count':
      return `${sign}${Math.round(v)}`;
    case 'share':
      return signed ? `${sign}${(v * 100).toFixed(1)} pp` : pct(v);
    case 'cores':
      return `${sign}${v.toFixed(2)}`;
    case 'corePct':
      return `${sign}${(v * 100).toFixed(2)} %`;
    case 'ms':
      return `${sign}${ms(v)}`;
    case 'bytes':
      return `${sign}${gib(v)}`;
    case 'rate':
      return `${sign}${rate(v)}`;
  }
}

/** The comparison as an aligned text table (terminal, summary, Discord code block). */
export function formatComparison(cmp: Comparison): string {
  const header = ['figure', cmp.a.runId, cmp.b.runId, 'delta', 'change'];
  const rows = cmp.rows.map((r) => [
    r.figure,
    show(r.kind, r.a),
    show(r.kind, r.b),
    show(r.kind, r.delta, true),
    r.relative === null
      ? '–'
      : Math.abs(r.relative) < 0.005
        ? '0 %'
        : `${r.relative > 0 ? '+' : ''}${(r.relative * 100).toFixed(0)} %`,
  ]);
  const lines = [cmp.a.title, cmp.b.title, '', alignTable([header, ...rows])];
  if (cmp.warnings.length) lines.push('', ...cmp.warnings.map((w) => `WARN ${w}`));
  return lines.join('\n');
}

/** Points aligned on the start of the load (x = seconds since load start), with gap breaks. */
function alignedPoints<T extends { t: number }>(rows: readonly T[], origin: number, y: (r: T) => number): ChartPoint[] {
  const points: ChartPoint[] = [];
  for (const segment of splitAtGaps(rows, 1000)) {
    if (points.length) points.push({ x: ((segment[0]?.t ?? origin) - origin) / 1000, y: null });
    // One point per 5 s is plenty for an overlay of two runs.
    const stride = Math.max(1, Math.ceil(segment.length / 400));
    segment.forEach((r, i) => {
      if (i % stride === 0) points.push({ x: Math.round((r.t - origin) / 100) / 10, y: Number(y(r).toPrecision(4)) });
    });
  }
  return points;
}

function overlayPanel(
  title: string,
  yTitle: string,
  datasets: PanelDataset[],
  xMin: number,
  xMax: number,
): PanelConfig {
  let max = 0;
  for (const d of datasets) for (const p of d.data) if (p.y !== null) max = Math.max(max, p.y);
  return linePanel({ title, xTitle: 'seconds since load start', yTitle, datasets, xMin, xMax, yMax: niceMax(max) });
}

/** Overlay chart: CPU of both runs' nodes on one axis, and server step p95; run A solid, run B dashed. */
export function buildOverlayChartSet(a: RunResult, b: RunResult): ChartSet {
  const cpu: PanelDataset[] = [];
  const step: PanelDataset[] = [];
  const legend: LegendEntry[] = [];
  let xMin = 0;
  let xMax = 10;
  [a, b].forEach((run, k) => {
    const origin = run.windows.load?.start ?? runStart(run);
    const dash = k === 0 ? [] : [8, 5];
    const style = k === 0 ? 'solid' : 'dashed';
    for (const node of run.nodes) {
      const colour = nodeColour(node);
      const data = alignedPoints(node.samples, origin, (s) => s.cpu * 100);
      for (const p of data) if (p.y !== null) [xMin, xMax] = [Math.min(xMin, p.x), Math.max(xMax, p.x)];
      cpu.push({
        label: `${run.runId} ${node.name}`,
        data,
        borderColor: colour,
        backgroundColor: colour,
        borderWidth: node.role === 'bots' ? 1.8 : 3.5,
        borderDash: dash,
        pointRadius: 0,
        spanGaps: false,
        fill: false,
      });
    }
    legend.push({ label: `${run.runId} (${style}): ${chartTitle(run).replace(/^run-\d+: /, '')}`, colour: '#333333' });
    step.push({
      label: `${run.runId} step p95`,
      data: alignedPoints(run.server.series, origin, (s) => s.stepP95Ms),
      borderColor: k === 0 ? SERVER_COLOUR : '#1f77b4',
      backgroundColor: k === 0 ? SERVER_COLOUR : '#1f77b4',
      borderWidth: 2.5,
      borderDash: dash,
      pointRadius: 0,
      spanGaps: false,
      fill: false,
    });
  });
  const nodeLegend = new Map<string, LegendEntry>();
  for (const run of [a, b]) {
    for (const n of run.nodes) {
      const label = n.role === 'bots' ? n.name : `${n.name} (${n.role})`;
      if (!nodeLegend.has(label)) nodeLegend.set(label, { label, colour: nodeColour(n) });
    }
  }
  legend.push(...nodeLegend.values());
  legend.push(
    { label: `step p95: ${a.runId}`, colour: SERVER_COLOUR },
    { label: `step p95: ${b.runId}`, colour: '#1f77b4' },
  );
  return {
    title: `${a.runId} vs ${b.runId}`,
    subtitle: 'aligned on the start of the load · CPU is % of each node · solid = first run, dashed = second run',
    legend,
    warnings: comparabilityWarnings(a, b),
    columns: 1,
    panels: [
      overlayPanel('CPU per node (% of the node)', 'CPU %', cpu, Math.floor(xMin), Math.ceil(xMax)),
      overlayPanel('Server step p95 per second', 'ms', step, Math.floor(xMin), Math.ceil(xMax)),
    ],
  };
}
