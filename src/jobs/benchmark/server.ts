import { ServerStartError } from './errors.js';
import { sleep, type RunContext } from './run-context.js';
import { deployServer } from '../../luanti/deployment.js';
import { stepBudgetMs } from '../../luanti/server-config.js';
import { launchSwarmsEarly } from './swarm.js';

const START_BOUND_MS = 30_000;
const PORT_ATTEMPTS = 5;
const POLL_MS = 100;
/**
 * Luanti prints "listening" before it learns that the port is taken; the bind error
 * follows within the same step. Listening this long without one counts as bound.
 */
const BIND_CHECK_MS = 1200;
/** Log lines kept for the result's server log tail. */
const TAIL_KEEP = 20;

/** Port for a run: 30000 + (run number % 1000), so concurrent runs rarely collide; retried upwards on bind failure. */
export function basePort(runId: string): number {
  const digits = /(\d+)$/.exec(runId)?.[1];
  if (digits) return 30000 + (Number(digits.slice(-6)) % 1000);
  let h = 0;
  for (const c of runId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 30000 + (h % 1000);
}

/**
 * Write a fresh world, config and the probe mod to node 1, start the server in
 * its own process group and wait until it is up: stepping (the probe's first
 * lines arrived through the sampler) or listening without a bind error for a
 * moment. The probe is checked again before the load starts (swarm phase).
 */
export async function server(ctx: RunContext): Promise<void> {
  const node = ctx.state.nodes[0]!;
  const runDir = `${node.conn.workdir}/${ctx.runId}`;
  const first = basePort(ctx.runId);
  // Swarms start now and wait at the barrier: their start-up overlaps the server's.
  launchSwarmsEarly(ctx, first);
  ctx.state.server = {
    port: first,
    process: null,
    versionLine: ctx.state.serverVersion,
    budgetMs: stepBudgetMs(ctx.spec.serverSettings),
    series: [],
    steps: [],
    logTail: [],
  };
  let lastError = '';
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    ctx.throwIfAborted();
    const port = first + attempt;
    ctx.state.server.port = port;
    // A fresh config (and world files) per attempt: the port is in the config.
    const deployment = await deployServer(node.conn, {
      runDir,
      port,
      bots: ctx.spec.bots,
      game: ctx.config.LUANTI_GAME,
      serverBin: ctx.config.LUANTI_SERVER_BIN,
      settings: ctx.spec.serverSettings,
    });
    let listening = false;
    let listeningAt = 0;
    let bindFailed = false;
    const lines: string[] = [];
    const logTail: string[] = [];
    ctx.state.server.logTail = logTail;
    const proc = await node.conn.spawn(ctx.runId, 'server', deployment.argv, {
      cwd: runDir,
      onLine: (line) => {
        lines.push(line);
        if (lines.length > 50) lines.shift();
        // The same lines, kept for the stop phase: the log tail without another round trip.
        logTail.push(line);
        if (logTail.length > TAIL_KEEP) logTail.shift();
        if (/listening on/.test(line) && !listening) {
          listening = true;
          listeningAt = Date.now();
        }
        if (/Failed to bind|port already in use/i.test(line)) bindFailed = true;
      },
    });
    ctx.state.server.process = proc;
    ctx.defer(`stop Luanti server on ${node.name}`, () => proc.stop());
    let exited = false;
    void proc.exited.then(() => (exited = true));
    const until = Date.now() + START_BOUND_MS;
    const stepping = (): boolean => ctx.state.server!.steps.length > 0;
    // Up: stepping (probe lines arrived), or listening for BIND_CHECK_MS without a bind error.
    const up = (): boolean => stepping() || (listening && Date.now() - listeningAt >= BIND_CHECK_MS);
    while (Date.now() < until && !exited && !bindFailed && !up()) {
      await sleep(POLL_MS, ctx.signal);
    }
    if (up() && !exited && !bindFailed) {
      ctx.log(node.name).info({ port, pgid: proc.pgid, stepping: stepping() }, 'server up');
      ctx.progress({
        type: 'node',
        node: node.name,
        index: 1,
        role: node.role,
        ok: true,
        message: `server on port ${port}`,
      });
      return;
    }
    const tail = await proc.tail(8).catch(() => lines.slice(-8));
    await proc.stop(2000);
    lastError =
      tail
        .filter((l) => /ERROR|error/.test(l))
        .slice(-3)
        .join(' | ') || tail.slice(-3).join(' | ');
    if (bindFailed || /bind/i.test(lastError)) {
      ctx.log(node.name).warn({ port }, 'port busy, trying the next');
      continue;
    }
    const why = exited
      ? 'exited'
      : listening
        ? `listened but did not step within ${START_BOUND_MS / 1000} s`
        : `did not listen within ${START_BOUND_MS / 1000} s`;
    throw new ServerStartError(
      `Luanti server (${ctx.config.LUANTI_SERVER_BIN}) on ${node.name} ${why}; last log lines: ${lastError || '(none)'}`,
      { node: node.name },
    );
  }
  throw new ServerStartError(
    `Luanti server on ${node.name} could not bind ports ${first}..${first + PORT_ATTEMPTS - 1}: ${lastError}`,
    { node: node.name },
  );
}
