import type { NodeResult, RunResult } from '../jobs/benchmark/run-result.js';

/**
 * Headline figures of one run, derived from the per-node summaries (load window,
 * above each node's idle baseline). Shared by comparisons and sweeps so that both
 * compute "CPU per bot" and friends the same way.
 */
export interface RunFigures {
  nodes: number;
  botsRequested: number;
  botsJoined: number;
  /** The node hosting the server (role server or server+bots). */
  serverCpuAboveMean: number | null;
  serverCpuAboveP95: number | null;
  /** Cores used by this run's processes on the server node (mean). */
  serverCores: number | null;
  serverMemMean: number | null;
  /** Mean over bot-only nodes of their CPU share above baseline; null when there are none. */
  botNodeCpuAboveMean: number | null;
  /** Sum over nodes of cores used by this run's processes (mean). */
  totalCores: number | null;
  /** totalCores / bots joined: share of one core per bot, as measured by the samplers. */
  coresPerBot: number | null;
  /** From the swarm's process accounting (cpuMsPerBotSecond / 1000). */
  swarmCoresPerBot: number | null;
  stepP50Ms: number | null;
  stepP95Ms: number | null;
  stepP99Ms: number | null;
  stepMaxMs: number | null;
  overBudgetShare: number | null;
  netRxTotal: number | null;
  netTxTotal: number | null;
  rttP95Ms: number | null;
}

function sum(values: (number | undefined)[]): number | null {
  const xs = values.filter((v): v is number => v !== undefined);
  return xs.length ? xs.reduce((a, b) => a + b, 0) : null;
}

/** The server node of a run (node 1 by design; found by role to be safe). */
export function serverNode(result: RunResult): NodeResult | undefined {
  return result.nodes.find((n) => n.role !== 'bots');
}

export function runFigures(result: RunResult): RunFigures {
  const server = serverNode(result)?.summary ?? null;
  const botNodes = result.nodes.filter((n) => n.role === 'bots' && n.summary);
  const measured = result.nodes.filter((n) => n.summary);
  const totalCores = sum(measured.map((n) => n.summary?.cpuProc.mean));
  const step = result.server.step;
  const botMean = sum(botNodes.map((n) => n.summary?.aboveBaseline.cpuMean));
  return {
    nodes: result.spec.nodes,
    botsRequested: result.swarm.requested,
    botsJoined: result.swarm.joined,
    serverCpuAboveMean: server?.aboveBaseline.cpuMean ?? null,
    serverCpuAboveP95: server?.aboveBaseline.cpuP95 ?? null,
    serverCores: server?.cpuProc.mean ?? null,
    serverMemMean: server?.memUsed.mean ?? null,
    botNodeCpuAboveMean: botMean === null ? null : botMean / botNodes.length,
    totalCores,
    coresPerBot: totalCores !== null && result.swarm.joined > 0 ? totalCores / result.swarm.joined : null,
    swarmCoresPerBot: result.swarm.cpuMsPerBotSecond === null ? null : result.swarm.cpuMsPerBotSecond / 1000,
    stepP50Ms: step?.p50Ms ?? null,
    stepP95Ms: step?.p95Ms ?? null,
    stepP99Ms: step?.p99Ms ?? null,
    stepMaxMs: step?.maxMs ?? null,
    overBudgetShare: step?.overBudgetShare ?? null,
    netRxTotal: sum(measured.map((n) => n.summary?.netRx.mean)),
    netTxTotal: sum(measured.map((n) => n.summary?.netTx.mean)),
    rttP95Ms: result.swarm.rttP95Ms,
  };
}
