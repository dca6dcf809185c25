/**
 * `npm run bench:pipeline`: where the wall time of a run goes.
 *
 * 1. Phase breakdown of a 3-node, 20-bot, 20 s run.
 * 2. Overhead (total − duration − baseline) at 3, 8 and 16 nodes. Goal: ≤ 15 s at 3 nodes,
 *    ≤ 1.5× that at 16.
 * 3. Sampler CPU per node: the sampler script alone, its own and its children's CPU time.
 *
 * On the SLURM test cluster (id lbp, octet 215) when root, else on the local cluster.
 * Options: `--nodes 3,8,16`, `--reps 1`, `--duration 20`, `--bots 20`, `--cluster auto|local|slurm`,
 * `--warmup 1` (runs at the first node count first, reported apart: the first job after the
 * cluster starts waits for SLURM to register its nodes), `--login-shell PATH` (root's login shell
 * inside the test cluster's namespaces; default: this machine's, i.e. bash with root's ~/.bashrc),
 * `--log FILE` (the runs' debug log as JSON lines, to see where time goes inside a phase).
 * Figures are medians over reps; this machine is shared, so compare runs made together.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { LocalCluster } from '../src/cluster/local.js';
import type { ClusterBackend } from '../src/cluster/backend.js';
import { createBackend } from '../src/cluster/create-backend.js';
import { loadConfig, type Config } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { runBenchmark } from '../src/jobs/benchmark/pipeline.js';
import type { RunResult } from '../src/jobs/benchmark/run-result.js';
import { parseRunSpec } from '../src/jobs/run-spec.js';
import { samplerArgv } from '../src/metrics/sampler-script.js';
import {
  clusterSupport,
  slurmSettings,
  startTestCluster,
  type TestCluster,
} from '../test/support/cluster/test-cluster.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3,8,16' },
    reps: { type: 'string', default: '1' },
    duration: { type: 'string', default: '20' },
    bots: { type: 'string', default: '20' },
    cluster: { type: 'string', default: 'auto' },
    warmup: { type: 'string', default: '1' },
    'login-shell': { type: 'string' },
    log: { type: 'string' },
  },
});
const nodeCounts = values.nodes.split(',').map(Number);
const reps = Number(values.reps);
const durationS = Number(values.duration);
const bots = Number(values.bots);
if (nodeCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 16)) {
  throw new Error(`--nodes '${values.nodes}' is not allowed: comma-separated whole numbers from 1 to 16`);
}
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps '${values.reps}': use a whole number ≥ 1`);
const warmups = Number(values.warmup);
if (!Number.isInteger(warmups) || warmups < 0) throw new Error(`--warmup '${values.warmup}': a whole number ≥ 0`);
if (!Number.isInteger(durationS) || durationS < 5)
  throw new Error(`--duration '${values.duration}': whole seconds ≥ 5`);
if (!Number.isInteger(bots) || bots < 1) throw new Error(`--bots '${values.bots}': a whole number ≥ 1`);
if (!['auto', 'local', 'slurm'].includes(values.cluster)) {
  throw new Error(`--cluster '${values.cluster}' is not allowed: auto, local or slurm`);
}

const BASELINE_S = 3;
const logger = values.log
  ? pino({ level: 'debug' }, pino.destination({ dest: values.log, sync: true }))
  : silentLogger();
const bundle = new URL('../dist/swarm.bundle.mjs', import.meta.url).pathname;
const support = clusterSupport();
const useSlurm = values.cluster === 'slurm' || (values.cluster === 'auto' && support.ok);
if (useSlurm && !support.ok) throw new Error(`--cluster slurm needs the test cluster: ${support.reason}`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const workdir = await mkdtemp(join(tmpdir(), 'lbp-bench-'));
let cluster: TestCluster | null = null;
let stopping = false;
const cleanup = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await cluster?.down();
  await rm(workdir, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  if (useSlurm) {
    const hosts = Math.max(...nodeCounts);
    process.stderr.write(`starting a ${hosts}-host SLURM test cluster…\n`);
    cluster = await startTestCluster({
      hosts,
      id: 'lbp',
      octet: 215,
      slurm: true,
      ...(values['login-shell'] ? { loginShell: values['login-shell'] } : {}),
    });
  }
  const config = (): Config =>
    loadConfig({
      REMOTE_WORKDIR: workdir,
      BASELINE_S: String(BASELINE_S),
      LOG_LEVEL: 'silent',
      BENCH_MAX_NODES: '16',
      ...(cluster
        ? {
            ...slurmSettings(cluster),
            // The default budget: 16 nodes' handshakes share 2 cores here.
            SSH_CONNECT_TIMEOUT_MS: '20000',
            REMOTE_NODE_BIN: process.execPath,
          }
        : {}),
    });
  let n = 0;
  const run = async (nodes: number): Promise<{ result: RunResult; totalMs: number }> => {
    const cfg = config();
    const backend: ClusterBackend = cluster
      ? createBackend(cfg, { logger })
      : new LocalCluster({ workdir, maxNodes: 16 });
    const started = Date.now();
    const result = await runBenchmark(
      { runId: `lbpbench-${process.pid}-${++n}`, spec: parseRunSpec({ nodes, bots, durationS }) },
      {
        config: cfg,
        logger: logger.child({ nodes }),
        signal: new AbortController().signal,
        onProgress: () => undefined,
        backend,
        swarmBundlePath: bundle,
      },
    );
    const totalMs = Date.now() - started;
    await backend.close();
    if (result.state !== 'completed')
      throw new Error(`run at ${nodes} nodes ${result.state}: ${result.error?.message}`);
    return { result, totalMs };
  };

  const where = cluster
    ? `SLURM test cluster (network namespaces, SSH through a login node, login shell ${values['login-shell'] ?? "this machine's root shell"})`
    : 'local cluster';
  process.stdout.write(
    `bench:pipeline on the ${where}; ${bots} bots, ${durationS} s load, baseline ${BASELINE_S} s, ${reps} rep(s)\n\n`,
  );
  for (let w = 0; w < warmups; w++) {
    process.stderr.write(`warm-up run: ${nodeCounts[0]} nodes\n`);
    const { result, totalMs } = await run(nodeCounts[0]!);
    const reserve = result.phases.find((p) => p.name === 'reserve');
    process.stdout.write(
      `Warm-up run (not counted): ${nodeCounts[0]} nodes, overhead ${((totalMs - (durationS + BASELINE_S) * 1000) / 1000).toFixed(1)} s, reserve ${reserve ? ((reserve.endedAt - reserve.startedAt) / 1000).toFixed(1) : '?'} s\n\n`,
    );
  }

  // 1. Phase breakdown per node count.
  const phaseMs = new Map<string, Map<number, number[]>>();
  const addPhase = (name: string, nodes: number, ms: number): void => {
    const byNodes = phaseMs.get(name) ?? phaseMs.set(name, new Map()).get(name)!;
    (byNodes.get(nodes) ?? byNodes.set(nodes, []).get(nodes)!).push(ms);
  };
  const overheads = new Map<number, number[]>();
  const coverage = new Map<number, number[]>();
  for (const nodes of nodeCounts) {
    for (let r = 0; r < reps; r++) {
      process.stderr.write(`run: ${nodes} nodes, rep ${r + 1}\n`);
      const { result, totalMs } = await run(nodes);
      (overheads.get(nodes) ?? overheads.set(nodes, []).get(nodes)!).push(totalMs - (durationS + BASELINE_S) * 1000);
      const worst = Math.min(...result.nodes.map((x) => x.coverage.received / Math.max(1, x.coverage.expected)));
      (coverage.get(nodes) ?? coverage.set(nodes, []).get(nodes)!).push(worst);
      for (const p of result.phases) addPhase(p.name, nodes, p.endedAt - p.startedAt);
      // Teardown runs between stop and collect and has no phase entry of its own.
      addPhase('(teardown)', nodes, totalMs - result.phases.reduce((a, p) => a + (p.endedAt - p.startedAt), 0));
    }
  }

  process.stdout.write(`Phase wall time (median ms) by node count\n`);
  process.stdout.write(`  ${'phase'.padEnd(12)}${nodeCounts.map((n) => String(n).padStart(8)).join('')}\n`);
  for (const [name, byNodes] of phaseMs) {
    const cells = nodeCounts.map((n) => String(Math.round(median(byNodes.get(n) ?? [NaN]))).padStart(8));
    process.stdout.write(`  ${name.padEnd(12)}${cells.join('')}\n`);
  }
  process.stdout.write('\nOverhead = total − duration − baseline\n');
  process.stdout.write('  nodes  overhead s  worst coverage   each run (s)\n');
  const base = median(overheads.get(nodeCounts[0]!)!);
  for (const nodes of nodeCounts) {
    const o = median(overheads.get(nodes)!);
    process.stdout.write(
      `  ${String(nodes).padStart(5)}  ${(o / 1000).toFixed(1).padStart(10)}  ${(median(coverage.get(nodes)!) * 100).toFixed(0).padStart(13)} %   ${overheads
        .get(nodes)!
        .map((x) => (x / 1000).toFixed(1))
        .join(' ')}${nodes === nodeCounts[0] ? '' : `   (${(o / base).toFixed(2)}× of ${nodeCounts[0]} nodes)`}\n`,
    );
  }
  process.stdout.write(`  goal: ≤ 15 s at 3 nodes, ≤ 1.5× that at 16\n\n`);

  // 3. Sampler CPU: the script alone for 20 s; its own plus its children's (date, sleep) CPU time.
  const sampleS = 20;
  const child = spawn(samplerArgv(workdir, 1)[0]!, samplerArgv(workdir, 1).slice(1), {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await new Promise((r) => setTimeout(r, sampleS * 1000));
  const stat = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).slice(
    (await readFile(`/proc/${child.pid}/stat`, 'utf8')).lastIndexOf(')') + 2,
  );
  const f = stat.split(' ').map(Number);
  const ticks = f[11]! + f[12]! + f[13]! + f[14]!;
  child.kill('SIGKILL');
  process.stdout.write(
    `Sampler CPU per node: ${((ticks / 100 / sampleS) * 100).toFixed(2)} % of one core (1 Hz, ${sampleS} s, own + children)\n`,
  );
} finally {
  await cleanup();
}
