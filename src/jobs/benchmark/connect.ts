import { splitBots } from '../run-spec.js';
import type { NodeState, RunContext } from './run-context.js';
import { BenchmarkError } from './errors.js';
import { removeRunDirectory } from './run-directory.js';

/** One connection per node for the whole run; node 1 serves, the rest host bots. */
export async function connect(ctx: RunContext): Promise<void> {
  const allocation = ctx.state.allocation;
  if (!allocation) throw new BenchmarkError('connect: no allocation (reserve did not run)');
  const conns = await ctx.backend.connect(allocation, ctx.signal);
  for (const conn of conns) ctx.defer(`close connection to ${conn.name}`, () => conn.close(), 'close');
  if (conns.length !== ctx.spec.nodes) {
    throw new BenchmarkError(`asked for ${ctx.spec.nodes} nodes, the cluster connected ${conns.length}`);
  }
  for (const conn of conns) {
    // Registered before anything runs on the node, so it drains after every process there was stopped.
    ctx.defer(`remove run directory on ${conn.name}`, () => removeRunDirectory(conn, ctx.runId), 'rundir');
  }
  const shares = splitBots(ctx.spec.bots, ctx.spec.nodes);
  ctx.state.nodes = conns.map((conn, i): NodeState => {
    const single = ctx.spec.nodes === 1;
    return {
      index: i + 1,
      name: conn.name,
      host: conn.address,
      role: single ? 'server+bots' : i === 0 ? 'server' : 'bots',
      bots: single ? ctx.spec.bots : i === 0 ? 0 : (shares[i - 1] ?? 0),
      conn,
      facts: null,
      samples: [],
      swarmCores: [],
      samplerNoise: [],
      samplerStartedAt: null,
      samplerStoppedAt: null,
      swarm: [],
      swarmProcess: null,
      swarmExited: false,
      swarmReady: false,
      swarmFailures: {},
      botRuntimeVersion: null,
      swarmBundleRemote: null,
      clockOffsetMs: null,
    };
  });
}
