import type { Config } from '../../config.js';
import { TOOL_VERSION } from '../../version.js';
import type { RunSpec } from '../run-spec.js';
import { coverage, inWindow, lostAt, type TimeWindow } from '../../metrics/coverage.js';
import { summarizeNode } from '../../metrics/node-summary.js';
import { max, mean, percentile } from '../../metrics/stats.js';
import { stepStats } from '../../metrics/step-stats.js';
import type { NodeState, RunContext } from './run-context.js';
import type { NodeResult, NodeSummary, RunResult, Sample, SwarmSample, Warning } from './run-result.js';

/** Below this share of expected samples a node's figures are flagged. */
export const COVERAGE_WARN = 0.95;
/** Bot-node CPU (whole node) above this means the load generator itself was the bottleneck. */
export const SATURATION_CPU = 0.9;
/** Share of steps over 2× budget above which the server is called overloaded. */
const OVERLOAD_SHARE = 0.05;
/**
 * Whole-node CPU during load this far below the idle baseline (a share of the node) means
 * the baseline caught load that was not ours (a shared machine): "above baseline" is then
 * negative and meaningless for that node, and the result says so instead of hiding it.
 */
export const NOISY_BASELINE_CPU = 0.02;
/** A node silent for this long before its sampler was stopped counts as lost. */
const LOST_AFTER_MS = 5000;
const DEFAULT_BUDGET_MS = 90;

/** A result with nothing measured: the skeleton failed runs start from. */
export function emptyResult(runId: string, spec: RunSpec, requestedBy: string | null, config: Config): RunResult {
  const now = Date.now();
  return {
    version: 1,
    runId,
    requestedBy,
    spec,
    state: 'failed',
    manifest: {
      toolVersion: TOOL_VERSION,
      luantiVersion: null,
      game: config.LUANTI_GAME,
      botRuntime: spec.botRuntime.kind === 'builtin' ? 'luanti-bench swarm' : (spec.botRuntime.argv[0] ?? 'command'),
      botRuntimeVersion: null,
      cluster: config.CLUSTER,
      slurmJobId: null,
      nodes: [],
      createdAt: now,
      startedAt: now,
      endedAt: now,
    },
    windows: { baseline: null, load: null },
    nodes: [],
    server: { series: [], budgetMs: DEFAULT_BUDGET_MS, step: null },
    swarm: {
      requested: spec.bots,
      joined: 0,
      failedByReason: {},
      rttP50Ms: null,
      rttP95Ms: null,
      cpuMsPerBotSecond: null,
    },
    phases: [],
    warnings: [],
    teardown: [],
  };
}

/** Turn what the run accumulated into its RunResult (state and error are set by the pipeline). */
export function collect(ctx: RunContext): RunResult {
  const { state, spec, config } = ctx;
  const result = emptyResult(ctx.runId, spec, ctx.requestedBy, config);
  const { baseline, load } = state.windows;
  result.windows = { baseline, load };
  result.phases = [...state.phases];
  result.manifest = {
    ...result.manifest,
    luantiVersion: state.server?.versionLine ?? null,
    botRuntimeVersion: botRuntimeVersion(ctx),
    cluster: state.allocation?.cluster ?? config.CLUSTER,
    slurmJobId: state.allocation?.slurmJobId ?? null,
    nodes: state.nodes.map((n) => ({
      name: n.name,
      hostname: n.facts?.hostname ?? n.host,
      cpuModel: n.facts?.cpuModel ?? 'unknown',
      cores: n.facts?.cores ?? 0,
      memTotal: n.facts?.memTotal ?? n.samples.at(-1)?.memTotal ?? 0,
      kernel: n.facts?.kernel ?? 'unknown',
    })),
    createdAt: state.createdAt,
    startedAt: state.startedAt,
    endedAt: Date.now(),
  };

  result.nodes = state.nodes.map((node) => nodeResult(node, baseline, load));
  const warnings: Warning[] = [...state.warnings];
  for (const node of result.nodes) {
    const { received, expected } = node.coverage;
    if (expected > 0 && received / expected < COVERAGE_WARN) {
      warnings.push({
        code: 'low_coverage',
        node: node.name,
        message: `${node.name} delivered ${Math.floor((100 * received) / expected)} % of samples (${received}/${expected})`,
      });
    }
    if (node.lostAt !== null) {
      warnings.push({
        code: 'node_lost',
        node: node.name,
        message: `${node.name} stopped delivering samples at ${new Date(node.lostAt).toISOString()}`,
      });
    }
    const below = node.summary ? -node.summary.aboveBaseline.cpuMean : 0;
    if (node.summary && node.summary.baseline.samples > 0 && below > NOISY_BASELINE_CPU) {
      const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
      warnings.push({
        code: 'noisy_baseline',
        node: node.name,
        message: `${node.name} CPU under load (mean ${pct(node.summary.cpu.mean)}) was ${(below * 100).toFixed(1)} points below its idle baseline (${pct(node.summary.baseline.cpu)}): something else was busy during the baseline, so its "above baseline" figures are not meaningful`,
      });
    }
    if (node.role === 'bots' && node.summary && node.summary.cpu.mean > SATURATION_CPU) {
      warnings.push({
        code: 'generator_saturated',
        node: node.name,
        message: `bot node CPU > ${Math.round(SATURATION_CPU * 100)} % on ${node.name} (mean ${Math.round(node.summary.cpu.mean * 100)} %): generator saturated, results unreliable`,
      });
    }
  }

  const server = state.server;
  if (server) {
    result.server.series = server.series;
    result.server.budgetMs = server.budgetMs;
    const inLoad = load ? server.steps.filter((s) => s.t >= load.start && s.t <= load.end) : server.steps;
    result.server.step = stepStats(
      inLoad.map((s) => s.ms),
      server.budgetMs,
    );
    if (result.server.step) {
      const over = result.server.step.overBudgetShare;
      if (over > OVERLOAD_SHARE) {
        warnings.push({
          code: 'server_overloaded',
          node: state.nodes[0]?.name,
          message: `${Math.round(over * 100)} % of server steps took longer than 2 × ${server.budgetMs} ms`,
        });
      }
    }
  }

  result.swarm = swarmResult(ctx, load);
  // Warnings raised while running come first; keep one of each code+node.
  const seen = new Set<string>();
  result.warnings = warnings.filter((w) => {
    const key = `${w.code}|${w.node ?? ''}|${w.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return result;
}

function botRuntimeVersion(ctx: RunContext): string | null {
  const botNode = ctx.state.nodes.find((n) => n.role !== 'server');
  const version = botNode?.botRuntimeVersion ?? null;
  return version;
}

type Window = { start: number; end: number } | null;

/** One node's figures; exported for tests on synthetic sample streams. */
export function nodeResult(node: NodeState, baseline: Window, load: Window): NodeResult {
  const span = sampledSpan(node, baseline, load);
  return {
    index: node.index,
    name: node.name,
    host: node.host,
    role: node.role,
    bots: node.bots,
    samples: node.samples,
    swarm: node.swarm,
    summary: summarize(node.samples, baseline, load),
    coverage: coverage(
      node.samples.map((s) => s.t),
      span,
    ),
    lostAt: span ? lostAt(node.samples, span, LOST_AFTER_MS) : null,
  };
}

/**
 * The span a node should have delivered samples over: from when every node's
 * sampler had to be running (the gate passed = baseline start) to the end of the
 * load (what the figures are about), or to when the sampler was stopped if the
 * run ended earlier.
 */
function sampledSpan(node: NodeState, baseline: Window, load: Window): TimeWindow | null {
  const start = baseline?.start ?? node.samplerStartedAt;
  const end = load?.end ?? node.samplerStoppedAt ?? baseline?.end ?? null;
  if (start === null || end === null || end <= start) return null;
  return { start, end };
}

/** Load-window figures and the idle floor before load; null without load samples. */
export function summarize(samples: Sample[], baseline: Window, load: Window): NodeSummary | null {
  if (!load || !samples.some((s) => inWindow(s.t, load))) return null;
  return summarizeNode(samples, baseline, load);
}

function swarmResult(ctx: RunContext, load: Window): RunResult['swarm'] {
  const { state, spec } = ctx;
  const botNodes = state.nodes.filter((n) => n.role !== 'server');
  const inLoad = (series: SwarmSample[]): SwarmSample[] =>
    load ? series.filter((s) => s.t >= load.start - 1000 && s.t <= load.end + 1000) : series;
  let joined = 0;
  let failed = 0;
  let reporting = 0;
  const p50s: number[] = [];
  const p95s: number[] = [];
  for (const node of botNodes) {
    const window = inLoad(node.swarm);
    const last = window.at(-1) ?? node.swarm.at(-1);
    if (!last) continue;
    reporting++;
    joined += max((window.length > 0 ? window : [last]).map((s) => s.joined));
    failed += last.failed;
    for (const s of window) {
      if (s.rttP50Ms !== null) p50s.push(s.rttP50Ms);
      if (s.rttP95Ms !== null) p95s.push(s.rttP95Ms);
    }
  }
  if (reporting === 0) {
    // Foreign bots print nothing we understand: count them by the server's player list.
    const series = state.server?.series ?? [];
    const players = (load ? series.filter((s) => inWindow(s.t, load)) : series).map((s) => s.players);
    joined = max(players);
  }
  const failedByReason: Record<string, number> = {};
  for (const node of botNodes) {
    for (const [reason, count] of Object.entries(node.swarmFailures)) {
      failedByReason[reason] = (failedByReason[reason] ?? 0) + count;
    }
  }
  const explained = Object.values(failedByReason).reduce((a, b) => a + b, 0);
  if (failed > explained) failedByReason.unknown = (failedByReason.unknown ?? 0) + failed - explained;

  // Per-bot generator cost from process accounting of the swarm groups alone (so server+bots nodes count too).
  let cpuMsPerBotSecond: number | null = null;
  const hosting = botNodes.filter((n) => n.bots > 0 && n.swarmCores.length > 0);
  if (load && hosting.length > 0) {
    const cores = hosting.map((n) => mean(n.swarmCores.filter((s) => inWindow(s.t, load)).map((s) => s.cores)));
    const bots = hosting.reduce((a, n) => a + n.bots, 0);
    cpuMsPerBotSecond = (cores.reduce((a, b) => a + b, 0) * 1000) / bots;
  }
  return {
    requested: spec.bots,
    joined: Math.min(joined, spec.bots),
    failedByReason,
    rttP50Ms: p50s.length > 0 ? percentile(p50s, 50) : null,
    rttP95Ms: p95s.length > 0 ? percentile(p95s, 95) : null,
    cpuMsPerBotSecond,
  };
}
