import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseSweepOutput, SWEEP_GRACE_MS, SWEEP_SCRIPT } from '../../cluster/remote-process.js';
import { defaultSwarmBundlePath } from './swarm.js';
import type { RunContext, NodeState } from './run-context.js';
import { clockOffsetMs } from './clock-offset.js';
import { PreflightError } from './errors.js';

/** Free space a run needs on a node: a fresh world, logs and the swarm bundle. */
const MIN_FREE_KB = 100 * 1024;
/** Clock offsets above this make cross-node series misalign visibly. */
const CLOCK_WARN_MS = 1000;
const MIN_NODE_MAJOR = 18;

/**
 * One fixed script per node, inputs as positional parameters (never pasted), and the whole
 * preflight in this one command (every command costs a login shell on the node):
 * $1 the run's directory (created here, so later phases need no mkdir), $2 server binary or '',
 * $3 node binary or '', $4 bot command or '', $5 game id or '', $6 where to write the swarm
 * bundle arriving on stdin or '', $7 {@link SWEEP_SCRIPT}, $8 the work directory, $9 this run's id,
 * ${10} the sweep's TERM grace in ms.
 * Prints key=value lines the parser below reads, then the sweep's own lines.
 */
const PREFLIGHT_SCRIPT = `
echo "clock=$(date +%s%N)"
if mkdir -p "$1" 2>/dev/null && [ -w "$1" ]; then echo "workdir=ok"; else echo "workdir=fail"; fi
d="$1"; [ -d "$d" ] || d=/
df -Pk "$d" 2>/dev/null | awk 'NR==2{print "freekb=" $4}'
if [ -n "$2" ]; then
  if command -v "$2" >/dev/null 2>&1; then
    echo "server=ok $("$2" --version 2>&1 | head -n 1)"
    if [ -n "$5" ]; then
      if "$2" --gameid list 2>/dev/null | grep -qx "$5"; then echo "game=ok"; else echo "game=missing"; fi
    fi
  else echo "server=missing"; fi
fi
if [ -n "$3" ]; then
  if command -v "$3" >/dev/null 2>&1; then echo "node=ok $("$3" --version 2>&1 | head -n 1)"; else echo "node=missing"; fi
fi
if [ -n "$4" ]; then
  if command -v "$4" >/dev/null 2>&1; then echo "botcmd=ok $("$4" --version 2>/dev/null | head -n 1)"; else echo "botcmd=missing"; fi
fi
if [ -n "$6" ]; then
  if cat > "$6.tmp" 2>/dev/null && chmod 644 "$6.tmp" && mv -f "$6.tmp" "$6"; then echo "bundle=ok"; else echo "bundle=fail"; fi
fi
sh -c "$7" sh "$8" "$9" "\${10}"
`;

/** The swarm bundle read once on the worker and written to each bot node by its preflight command. */
interface SwarmBundle {
  name: string;
  content: Buffer;
}

interface NodeCheck {
  ok: boolean;
  reasons: string[];
  notes: string[];
}

/**
 * Check every node at once before anything starts: reachable, binaries and their
 * versions, free disk, writable work directory, clock offset; sweep leftovers of
 * earlier runs. Any failing node fails the run, naming node and reason.
 */
export async function preflight(ctx: RunContext): Promise<void> {
  let bundle: SwarmBundle | null = null;
  if (ctx.spec.botRuntime.kind === 'builtin') {
    // The one local input: without the bundle no swarm can start, so fail before touching any node.
    const path = ctx.swarmBundlePath ?? defaultSwarmBundlePath();
    const content = await readFile(path).catch((error: NodeJS.ErrnoException) => error);
    if (content instanceof Error) {
      const why = content.code === 'ENOENT' ? 'does not exist on this machine' : `cannot be read (${content.code})`;
      throw new PreflightError(`swarm bundle ${path} ${why}; run \`npm run build\``, [
        { node: 'worker', reason: `${why}: ${path}` },
      ]);
    }
    bundle = { name: basename(path), content };
  }
  const results = await Promise.all(ctx.state.nodes.map((node) => checkNode(ctx, node, bundle)));
  const failures = ctx.state.nodes.flatMap((node, i) =>
    results[i]!.ok ? [] : [{ node: node.name, reason: results[i]!.reasons.join('; ') }],
  );
  if (failures.length > 0) {
    throw new PreflightError(
      `preflight failed on ${failures.length} of ${ctx.state.nodes.length} nodes: ${failures.map((f) => `${f.node}: ${f.reason}`).join(' | ')}`,
      failures,
    );
  }
}

async function checkNode(ctx: RunContext, node: NodeState, bundle: SwarmBundle | null): Promise<NodeCheck> {
  const { config, spec } = ctx;
  const check: NodeCheck = { ok: true, reasons: [], notes: [] };
  const fail = (reason: string): void => {
    check.ok = false;
    check.reasons.push(reason);
  };
  const hostsServer = node.role !== 'bots';
  const hostsBots = node.role !== 'server';
  const builtin = spec.botRuntime.kind === 'builtin';
  const botCommand = spec.botRuntime.kind === 'command' ? (spec.botRuntime.argv[0] ?? '') : '';
  const log = ctx.log(node.name);
  const runDir = `${node.conn.workdir}/${ctx.runId}`;
  const bundleTarget = hostsBots && bundle && node.bots > 0 ? `${runDir}/${bundle.name}` : '';
  try {
    const sentAt = Date.now();
    const { stdout } = await node.conn.exec(
      [
        'sh',
        '-c',
        PREFLIGHT_SCRIPT,
        'sh',
        runDir,
        hostsServer ? config.LUANTI_SERVER_BIN : '',
        hostsBots && builtin ? config.REMOTE_NODE_BIN : '',
        hostsBots && !builtin ? botCommand : '',
        hostsServer ? config.LUANTI_GAME : '',
        bundleTarget,
        SWEEP_SCRIPT,
        node.conn.workdir,
        ctx.runId,
        String(SWEEP_GRACE_MS),
      ],
      // The sweep inside may wait out a leftover's TERM grace.
      { timeoutMs: 60_000, signal: ctx.signal, stdin: bundleTarget && bundle ? bundle.content : undefined },
    );
    const receivedAt = Date.now();
    const kv = parseKeyValues(stdout);

    const clockNs = Number(kv.get('clock'));
    if (Number.isFinite(clockNs) && clockNs > 0) {
      node.clockOffsetMs = clockOffsetMs(clockNs / 1e6, sentAt, receivedAt);
      check.notes.push(
        `clock ${node.clockOffsetMs >= 0 ? '+' : ''}${node.clockOffsetMs} ms (round trip ${receivedAt - sentAt} ms)`,
      );
      if (Math.abs(node.clockOffsetMs) > CLOCK_WARN_MS) {
        ctx.warn({
          code: 'clock_offset',
          node: node.name,
          message: `${node.name} clock is ${node.clockOffsetMs} ms off this worker's; series may misalign`,
        });
      }
    }
    if (kv.get('workdir') !== 'ok') fail(`REMOTE_WORKDIR ${node.conn.workdir} is not writable`);
    const freeKb = Number(kv.get('freekb'));
    if (Number.isFinite(freeKb)) {
      check.notes.push(`${(freeKb / 1024 / 1024).toFixed(1)} GiB free`);
      if (freeKb < MIN_FREE_KB) fail(`only ${Math.round(freeKb / 1024)} MiB free under ${node.conn.workdir}`);
    }
    if (hostsServer) {
      const server = kv.get('server') ?? 'missing';
      if (server === 'missing') fail(`LUANTI_SERVER_BIN ${config.LUANTI_SERVER_BIN} not found`);
      else {
        ctx.state.serverVersion = server.replace(/^ok\s*/, '') || null;
        check.notes.push(ctx.state.serverVersion ?? 'server present');
      }
      if (server !== 'missing' && kv.get('game') === 'missing') {
        fail(`LUANTI_GAME ${config.LUANTI_GAME} is not a game ${config.LUANTI_SERVER_BIN} knows (--gameid list)`);
      }
    }
    if (hostsBots && builtin) {
      const nodeLine = kv.get('node') ?? 'missing';
      if (nodeLine === 'missing') fail(`REMOTE_NODE_BIN ${config.REMOTE_NODE_BIN} not found`);
      else {
        const version = nodeLine.replace(/^ok\s*/, '');
        node.botRuntimeVersion = version;
        const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? NaN);
        if (!(major >= MIN_NODE_MAJOR)) {
          fail(
            `REMOTE_NODE_BIN ${config.REMOTE_NODE_BIN} is ${version || 'of unknown version'}; need Node ≥ ${MIN_NODE_MAJOR}`,
          );
        } else check.notes.push(`node ${version}`);
      }
    }
    if (hostsBots && !builtin) {
      const line = kv.get('botcmd') ?? 'missing';
      if (line === 'missing') fail(`bot command ${botCommand} not found`);
      else node.botRuntimeVersion = line.replace(/^ok\s*/, '') || null;
    }
    if (bundleTarget) {
      if (kv.get('bundle') === 'ok') node.swarmBundleRemote = bundleTarget;
      else fail(`could not write the swarm bundle to ${bundleTarget}`);
    }
    const swept = parseSweepOutput(node.name, stdout);
    if (swept.killed.length > 0 || swept.removedDirs.length > 0) {
      check.notes.push(`swept ${swept.killed.length} leftover processes, ${swept.removedDirs.length} dirs`);
      log.info({ swept }, 'swept leftovers of earlier runs');
    }
  } catch (error) {
    ctx.throwIfAborted();
    fail(`unreachable or check failed: ${(error as Error).message}`);
  }
  ctx.progress({
    type: 'node',
    node: node.name,
    index: node.index,
    role: node.role,
    ok: check.ok,
    message: check.ok ? check.notes.join(', ') : check.reasons.join('; '),
  });
  return check;
}

function parseKeyValues(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) map.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return map;
}
