import { fileURLToPath } from 'node:url';
import { substituteBotCommand } from './bot-command.js';
import { SwarmStartError } from './errors.js';
import { influxTags, sleep, type NodeState, type RunContext } from './run-context.js';
import { parseSwarmLine } from './swarm-stats-line.js';

/** How long swarms may take to reach the barrier before they are released anyway. */
const BARRIER_BOUND_MS = 30_000;
/** Extra time beyond the ramp for joins to settle (handshakes, retries). */
const SETTLE_MARGIN_MS = 30_000;
/** Bots stay this long beyond ramp + load, so none leave before `stop` ends them. */
const STAY_MARGIN_S = 60;
const POLL_MS = 250;
/** Output lines kept per swarm for its log tail (see `stop`). */
const TAIL_KEEP = 20;
/**
 * Hold swarms at `--wait-for-go` and release them together with "go" on stdin, so
 * every bot node starts its ramp at the same moment. Kept as a switch because a
 * swarm bundle older than the fix in run-swarm.ts (readline closed before resolve)
 * rejects its own "go"; `false` starts swarms within the spawn spread instead.
 */
export const SWARM_BARRIER = true;

/** Default location of the swarm bundle: `dist/swarm.bundle.mjs` of this package. */
export function defaultSwarmBundlePath(): string {
  return fileURLToPath(new URL('../../../dist/swarm.bundle.mjs', import.meta.url));
}

/**
 * Take over the swarms the server phase started (or start them now), held at a barrier,
 * release them together, then wait until the joins settle. Incomplete joins are a warning,
 * not a failure: the result says how many joined and why the rest failed.
 */
export async function swarm(ctx: RunContext): Promise<void> {
  const serverState = ctx.state.server;
  if (!serverState) throw new SwarmStartError('swarm: no server (server phase did not run)');
  const botNodes = swarmNodes(ctx);
  const rampS = ctx.spec.bots / ctx.spec.rampPerS;
  const builtin = ctx.spec.botRuntime.kind === 'builtin';

  const early = ctx.state.swarmLaunch;
  ctx.state.swarmLaunch = null;
  let started = early ? await early.started : null;
  if (early && early.port !== serverState.port) {
    // The server found its first port taken and moved on: these swarms aim at the wrong port.
    ctx.log().info({ expected: early.port, port: serverState.port }, 'server moved port; restarting the swarms');
    await Promise.all(botNodes.map((n) => n.swarmProcess?.stop(2000)));
    for (const node of botNodes) {
      node.swarmProcess = null;
      node.swarmReady = false;
      node.swarmExited = false;
    }
    started = null;
  }
  started ??= await Promise.allSettled(startSwarms(ctx, serverState.port));
  const failed = started.findIndex((s) => s.status === 'rejected');
  if (failed >= 0) throw (started[failed] as PromiseRejectedResult).reason;

  if (builtin && SWARM_BARRIER) {
    await waitFor(ctx, BARRIER_BOUND_MS, () => botNodes.every((n) => n.swarmReady || exitedEarly(n)));
    const notReady = botNodes.filter((n) => !n.swarmReady).map((n) => n.name);
    if (notReady.length > 0) ctx.log().warn({ notReady }, 'released swarms that did not report ready in time');
    // Written back to back so every swarm starts its ramp within a few ms of the others.
    await Promise.all(botNodes.map((n) => n.swarmProcess!.write('go\n')));
    const ready = botNodes.length - notReady.length;
    ctx.progress({
      type: 'wait',
      message: `${ready} of ${botNodes.length} swarms ready at the barrier; released together`,
    });
  }
  const joinStart = Date.now();
  ctx.log().info({ nodes: botNodes.length, bots: ctx.spec.bots }, 'swarms released');

  if (serverState.steps.length === 0) {
    // The server is up but its probe has said nothing yet: the step statistics may stay empty.
    ctx.log(ctx.state.nodes[0]!.name).warn('no probe steps from the server yet; server step figures may be missing');
  }
  const requested = ctx.spec.bots;
  const settled = await waitFor(ctx, rampS * 1000 + SETTLE_MARGIN_MS, () => {
    const { joined, failed: failedJoins } = joinCounts(ctx);
    for (const node of botNodes) reportNode(ctx, node);
    return joined + failedJoins >= requested || botNodes.every(exitedEarly);
  });
  const { joined, failed: failedJoins } = joinCounts(ctx);
  ctx.log().info({ joined, failed: failedJoins, settled, ms: Date.now() - joinStart }, 'joins settled');
  if (joined === 0 && botNodes.every(exitedEarly)) {
    const tails = await Promise.all(botNodes.map((n) => n.swarmProcess!.tail(5).catch(() => [])));
    throw new SwarmStartError(
      `every swarm exited before the load; last output of ${botNodes[0]!.name}: ${tails[0]!.join(' | ') || '(none)'}`,
      { node: botNodes[0]!.name },
    );
  }
  if (joined < requested) {
    ctx.warn({
      code: 'joins_incomplete',
      message: `${joined} of ${requested} bots joined${failedJoins > 0 ? `, ${failedJoins} failed (${describeFailures(ctx)})` : ''}${settled ? '' : '; the rest had not joined when the wait ended'}`,
    });
  }
}

/**
 * Start the built-in swarms while the server is still starting, held at the barrier and
 * aimed at the port the server will try first: their start-up (one command and one Node.js
 * start per bot node) then overlaps the server's instead of following it. The swarm phase
 * takes them over, or restarts them if the server had to move to another port. A foreign
 * bot program has no barrier and connects at once, so it waits for the swarm phase.
 */
export function launchSwarmsEarly(ctx: RunContext, port: number): void {
  if (ctx.spec.botRuntime.kind !== 'builtin' || !SWARM_BARRIER) return;
  ctx.state.swarmLaunch = { port, started: Promise.allSettled(startSwarms(ctx, port)) };
}

/** The nodes that run a swarm: every node hosting bots (node 1 too with `nodes:1`). */
function swarmNodes(ctx: RunContext): NodeState[] {
  return ctx.state.nodes.filter((n) => n.role !== 'server' && n.bots > 0);
}

/** One swarm per bot node with its share of the bots, aimed at node 1 on `port`. */
function startSwarms(ctx: RunContext, port: number): Promise<void>[] {
  const server = ctx.state.nodes[0]!;
  const botNodes = swarmNodes(ctx);
  const stayS = Math.ceil(ctx.spec.bots / ctx.spec.rampPerS) + ctx.spec.durationS + STAY_MARGIN_S;
  let startIndex = 0;
  return botNodes.map((node) => {
    const first = startIndex;
    startIndex += node.bots;
    return startSwarm(ctx, node, {
      host: server.host,
      port,
      first,
      rampPerS: ctx.spec.rampPerS / botNodes.length,
      stayS,
    });
  });
}

interface SwarmTarget {
  host: string;
  port: number;
  first: number;
  rampPerS: number;
  stayS: number;
}

async function startSwarm(ctx: RunContext, node: NodeState, target: SwarmTarget): Promise<void> {
  const { spec, config } = ctx;
  const runDir = `${node.conn.workdir}/${ctx.runId}`;
  let argv: string[];
  if (spec.botRuntime.kind === 'builtin') {
    // Preflight wrote it (its one command per node) or failed the run.
    const remoteBundle = node.swarmBundleRemote;
    if (!remoteBundle)
      throw new SwarmStartError(`no swarm bundle on ${node.name}: preflight did not write it`, { node: node.name });
    argv = [
      config.REMOTE_NODE_BIN,
      remoteBundle,
      '--server',
      `${target.host}:${target.port}`,
      '--bots',
      String(node.bots),
      '--prefix',
      spec.botPrefix,
      '--start-index',
      String(target.first),
      '--behaviour',
      spec.behaviour,
      '--ramp',
      String(target.rampPerS),
      '--duration',
      String(target.stayS),
      ...(SWARM_BARRIER ? ['--wait-for-go'] : []),
    ];
  } else {
    // A foreign bot program: started without a barrier; names must stay unique across nodes.
    argv = substituteBotCommand(spec.botRuntime.argv, {
      host: target.host,
      port: target.port,
      count: node.bots,
      prefix: ctx.spec.nodes > 2 ? `${spec.botPrefix}${node.index}x` : spec.botPrefix,
      duration: target.stayS,
    });
  }
  const log = ctx.log(node.name);
  const tail: string[] = [];
  node.swarmLogTail = tail;
  const proc = await node.conn.spawn(ctx.runId, 'swarm', argv, {
    cwd: runDir,
    onLine: (line) => {
      tail.push(line);
      if (tail.length > TAIL_KEEP) tail.shift();
      const parsed = parseSwarmLine(line);
      if (!parsed) {
        log.debug({ line }, 'swarm output');
        return;
      }
      if (parsed.sample) {
        node.swarm.push(parsed.sample);
        ctx.influx?.writeSwarm(influxTags(node), parsed.sample);
      }
      if (parsed.version) node.botRuntimeVersion = `swarm ${parsed.version}, node ${node.botRuntimeVersion ?? '?'}`;
      // A swarm that says nothing about the barrier is ready once it reports at all.
      node.swarmReady ||= parsed.ready ?? true;
      if (parsed.failedByReason) node.swarmFailures = parsed.failedByReason;
    },
  });
  node.swarmProcess = proc;
  void proc.exited.then(
    () => (node.swarmExited = true),
    () => (node.swarmExited = true),
  );
  ctx.defer(`stop swarm on ${node.name}`, () => proc.stop(), 'swarm');
  log.info({ pgid: proc.pgid, bots: node.bots }, 'swarm started');
}

function exitedEarly(node: NodeState): boolean {
  return node.swarmExited === true;
}

/** Sum of the latest stats line of each swarm; foreign bots that print none count by the server's player list. */
export function joinCounts(ctx: RunContext): { joined: number; failed: number } {
  let joined = 0;
  let failed = 0;
  let reporting = 0;
  for (const node of ctx.state.nodes) {
    const last = node.swarm.at(-1);
    if (!last) continue;
    reporting++;
    joined += last.joined;
    failed += last.failed;
  }
  if (reporting === 0) {
    const players = ctx.state.server?.series.at(-1)?.players ?? 0;
    return { joined: players, failed: 0 };
  }
  return { joined, failed };
}

function describeFailures(ctx: RunContext): string {
  const total: Record<string, number> = {};
  for (const node of ctx.state.nodes) {
    for (const [reason, count] of Object.entries(node.swarmFailures)) total[reason] = (total[reason] ?? 0) + count;
  }
  const parts = Object.entries(total).map(([reason, count]) => `${count} ${reason}`);
  return parts.length > 0 ? parts.join(', ') : 'reasons not reported';
}

const lastReported = new WeakMap<NodeState, string>();

function reportNode(ctx: RunContext, node: NodeState): void {
  const last = node.swarm.at(-1);
  if (!last) return;
  const message = `${last.joined}/${node.bots} joined${last.failed > 0 ? `, ${last.failed} failed` : ''}`;
  if (lastReported.get(node) === message) return;
  lastReported.set(node, message);
  ctx.progress({
    type: 'node',
    node: node.name,
    index: node.index,
    role: node.role,
    ok: last.joined >= node.bots ? true : null,
    message,
  });
}

/** Poll `done` until it holds or `boundMs` passes; returns whether it held. Aborts with the run. */
async function waitFor(ctx: RunContext, boundMs: number, done: () => boolean): Promise<boolean> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    if (done()) return true;
    await sleep(POLL_MS, ctx.signal);
  }
  return done();
}
