import { samplerArgv } from '../../metrics/sampler-script.js';
import { MetricsGateError } from './errors.js';
import { deploymentPaths } from '../../luanti/deployment.js';
import { createProbeFeed } from './probe-feed.js';
import { influxTags, sleep, type NodeState, type RunContext } from './run-context.js';
import { createSamplerFeed } from './sampler-feed.js';
import { removeRunDirectory } from './run-directory.js';
import { within } from '../../cluster/abort.js';

const NOISE_KEEP = 20;
const POLL_MS = 200;
/** The sampler notices its run directory is gone at its next frame (1 s apart); then it is killed. */
const SAMPLER_END_MS = 2500;

/**
 * Start the sampler on every node (one long exec each), then the METRICS GATE:
 * every node must deliver a sample within METRICS_GATE_S or the run stops here,
 * before any bot starts, naming the silent nodes and what their sampler said.
 * Then the idle baseline (BASELINE_S) that load figures are compared against.
 */
export async function sample(ctx: RunContext): Promise<void> {
  const finished = new Map<NodeState, string>();
  for (const node of ctx.state.nodes) startSampler(ctx, node, (why) => finished.set(node, why));

  const gateStart = Date.now();
  const deadline = gateStart + ctx.config.METRICS_GATE_S * 1000;
  const reported = new Set<NodeState>();
  while (Date.now() < deadline) {
    for (const node of ctx.state.nodes) {
      if (node.samples.length > 0 && !reported.has(node)) {
        reported.add(node);
        ctx.progress({
          type: 'node',
          node: node.name,
          index: node.index,
          role: node.role,
          ok: true,
          message: `sampling (first sample after ${((Date.now() - gateStart) / 1000).toFixed(1)} s)`,
        });
      }
    }
    if (reported.size === ctx.state.nodes.length) break;
    if (ctx.state.nodes.every((n) => n.samples.length > 0 || finished.has(n))) break;
    await sleep(POLL_MS, ctx.signal);
  }
  const silent = ctx.state.nodes.filter((n) => n.samples.length === 0);
  if (silent.length > 0) {
    const details = silent.map((n) => {
      const said = n.samplerNoise.slice(-3).join(' | ');
      const ended = finished.get(n);
      const reason = [
        ended ? `sampler ended: ${ended}` : `no sample within ${ctx.config.METRICS_GATE_S} s`,
        said && `output: ${said}`,
      ]
        .filter(Boolean)
        .join('; ');
      ctx.progress({
        type: 'node',
        node: n.name,
        index: n.index,
        role: n.role,
        ok: false,
        message: `no metrics: ${reason}`,
      });
      return { node: n.name, reason };
    });
    throw new MetricsGateError(
      `metrics gate: ${silent.length} of ${ctx.state.nodes.length} nodes delivered no samples within ${ctx.config.METRICS_GATE_S} s, so no bot was started: ${details.map((d) => `${d.node} (${d.reason})`).join('; ')}`,
      details,
    );
  }

  void ctx.influx?.flush();
  const start = Date.now();
  await sleep(ctx.config.BASELINE_S * 1000, ctx.signal);
  ctx.state.windows.baseline = { start, end: Date.now() };
}

function startSampler(ctx: RunContext, node: NodeState, onEnd: (why: string) => void): void {
  const runDir = `${node.conn.workdir}/${ctx.runId}`;
  const log = ctx.log(node.name);
  const probe = node.index === 1 ? deploymentPaths(runDir).probePath : undefined;
  const argv = samplerArgv(runDir, 1, probe);
  const shell = ctx.hooks.samplerShell?.(node.name);
  if (shell) argv[0] = shell;
  const serverFeed =
    node.index === 1 ? createProbeFeed(ctx, (s) => ctx.influx?.writeServer(influxTags(node), s)) : null;
  // Node clocks more than half a second off would misplace samples against the worker's windows.
  const shiftMs = node.clockOffsetMs !== null && Math.abs(node.clockOffsetMs) > 500 ? node.clockOffsetMs : 0;
  const noise = (line: string): void => {
    node.samplerNoise.push(line);
    if (node.samplerNoise.length > NOISE_KEEP) node.samplerNoise.shift();
    log.debug({ line }, 'sampler output');
  };
  const feed = createSamplerFeed(
    {
      sample: (s, byLabel) => {
        node.samples.push(s);
        ctx.influx?.writeSample(influxTags(node), s);
        if (byLabel.swarm !== undefined) node.swarmCores.push({ t: s.t, cores: byLabel.swarm });
      },
      facts: (f) => {
        node.facts = f;
      },
      probe: (line) => serverFeed?.line(line),
      noise: (line) => noise(line),
    },
    { clockOffsetMs: shiftMs },
  );
  const controller = new AbortController();
  node.samplerStartedAt = Date.now();
  // Preflight created the run directory; the sampler lists pid files there.
  const running = node.conn
    .exec(argv, {
      signal: controller.signal,
      onLine: (line, stream) => (stream === 'stderr' ? noise(line) : feed.line(line)),
      allowFailure: true,
      // Lines are consumed as they arrive; keep only the tail for the error report.
      keepBytes: 8192,
    })
    .then(
      (r) => {
        for (const l of r.stderr.split('\n').filter(Boolean).slice(-3)) node.samplerNoise.push(l);
        onEnd(`exit status ${r.code}`);
      },
      (error: unknown) => {
        if (!controller.signal.aborted) onEnd((error as Error).message);
      },
    );
  ctx.defer(
    `stop sampler and remove run directory on ${node.name}`,
    async () => {
      node.samplerStoppedAt = Date.now();
      // Every process writing there was stopped before this runs (registered later, drained earlier).
      // The sampler ends by itself within a frame of its directory going: one command, not two.
      const removal = removeRunDirectory(node.conn, ctx.runId);
      await removal.catch(() => undefined);
      await within(running, SAMPLER_END_MS);
      controller.abort(new Error('run over'));
      await running;
      await removal;
    },
    'sampler',
  );
}
