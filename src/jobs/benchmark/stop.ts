import { setTimeout as delay } from 'node:timers/promises';
import type { RemoteProcess } from '../../cluster/node.js';
import type { RunContext } from './run-context.js';

/** Grace for swarms to disconnect their bots cleanly after TERM. */
const SWARM_GRACE_MS = 8000;
const SERVER_GRACE_MS = 10_000;
const TAIL_LINES = 20;
/** TERM reaches every swarm (a control line each, no command) and their DISCOs reach the server well within this. */
const DISCO_MS = 1000;

/**
 * Stop the swarms (TERM: bots send DISCO, so the server logs clean leaves),
 * then, once the DISCOs are out, the server; keep the log tails for the result.
 * The same stops are also deferred, so a failed or cancelled run gets them in
 * teardown; stop() is idempotent.
 */
export async function stop(ctx: RunContext): Promise<void> {
  const swarms = ctx.state.nodes.filter((n) => n.swarmProcess);
  const swarmsStopped = Promise.all(
    swarms.map(async (node) => {
      const tail = await stopAndTail(node.swarmProcess!, SWARM_GRACE_MS, node.swarmLogTail);
      ctx.log(node.name).info({ tail: tail.slice(-5) }, 'swarm stopped');
    }),
  );
  // Bots send DISCO as soon as their swarm gets TERM; the server handles it within a step or
  // two. Its shutdown (map save) then overlaps the swarms' own exit instead of following it.
  await Promise.race([swarmsStopped, delay(DISCO_MS)]);
  const server = ctx.state.server;
  if (server?.process) {
    server.logTail = await stopAndTail(server.process, SERVER_GRACE_MS, server.logTail);
    ctx.log(ctx.state.nodes[0]?.name).info({ tail: server.logTail.slice(-5) }, 'server stopped');
  }
  await swarmsStopped;
}

/**
 * Stop `proc` and return its last lines. When its end was read together with the rest of its log
 * (an exit status is known), the lines that arrived are the tail: no further round trip to the node,
 * which on a busy node costs as much as the stop. Otherwise the log file's tail is read.
 */
async function stopAndTail(proc: RemoteProcess, graceMs: number, seen: string[] | undefined): Promise<string[]> {
  let code: number | null | undefined;
  void proc.exited.then((c) => (code = c));
  await proc.stop(graceMs);
  if (seen && typeof code === 'number') return seen.slice(-TAIL_LINES);
  return proc.tail(TAIL_LINES).catch(() => []);
}
