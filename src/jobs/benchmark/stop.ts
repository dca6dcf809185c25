import { setTimeout as delay } from 'node:timers/promises';
import type { RunContext } from './run-context.js';

/** Grace for swarms to disconnect their bots cleanly after TERM. */
const SWARM_GRACE_MS = 8000;
const SERVER_GRACE_MS = 10_000;
const TAIL_LINES = 20;
/** TERM reaches every swarm (one remote exec) and their DISCOs reach the server well within this. */
const DISCO_MS = 1000;

/**
 * Stop the swarms (TERM: bots send DISCO, so the server logs clean leaves),
 * then, once the DISCOs are out, the server; keep the log tails for the result.
 * The same stops are also deferred, so a failed or cancelled run gets them in
 * teardown; stop() is idempotent.
 */
export async function stop(ctx: RunContext): Promise<void> {
  const swarms = ctx.state.nodes.filter((n) => n.swarmProcess);
  const swarmsStopped = Promise.all(swarms.map((node) => node.swarmProcess!.stop(SWARM_GRACE_MS)));
  // Bots send DISCO as soon as their swarm gets TERM; the server handles it within a step or
  // two. Its shutdown (map save) then overlaps the swarms' own exit instead of following it.
  await Promise.race([swarmsStopped, delay(DISCO_MS)]);
  // The swarm tails are only logged: fetch them once each swarm is gone, while the server shuts down.
  const tails = swarmsStopped.then(() =>
    Promise.all(
      swarms.map(async (node) => {
        const tail = await node.swarmProcess!.tail(TAIL_LINES).catch(() => []);
        ctx.log(node.name).info({ tail: tail.slice(-5) }, 'swarm stopped');
      }),
    ),
  );
  const server = ctx.state.server;
  if (server?.process) {
    await server.process.stop(SERVER_GRACE_MS);
    server.logTail = await server.process.tail(TAIL_LINES).catch(() => []);
    ctx.log(ctx.state.nodes[0]?.name).info({ tail: server.logTail.slice(-5) }, 'server stopped');
  }
  await swarmsStopped;
  await tails;
}
