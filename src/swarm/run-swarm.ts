import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { SwarmRunOptions } from './swarm-args.js';
import { Swarm } from './swarm.js';
import type { SwarmLine } from './stats.js';

/** Where a swarm process reads and writes; the real process passes its own streams. */
export interface SwarmIo {
  /** One JSON line per call (stats, ready). */
  writeLine(line: string): void;
  /** Human messages (the final summary). */
  writeError(line: string): void;
  stdin: Readable;
  version: string;
  /** Install SIGTERM/SIGINT handlers (the real process; tests drive stop otherwise). Default true. */
  handleSignals?: boolean;
}

function emit(io: SwarmIo, line: SwarmLine): void {
  io.writeLine(JSON.stringify(line));
}

/** Resolves on a line "go" on stdin; rejects if stdin ends first. */
function waitForGo(stdin: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stdin });
    rl.on('line', (line) => {
      if (line.trim() === 'go') {
        // Resolve first: close() emits 'close' synchronously.
        resolve();
        rl.close();
      }
    });
    rl.on('close', () => reject(new Error('stdin closed before "go"')));
  });
}

/**
 * Run one swarm process: optional barrier, ramped joins, a stats line every second, leave after the
 * duration or on SIGTERM/SIGINT, then a final line and a summary. Returns the exit code: 1 when every
 * bot failed, else 0. Shared by `luanti-bench swarm` and the bundled `swarm.bundle.mjs`.
 */
export async function runSwarm(options: SwarmRunOptions, io: SwarmIo): Promise<number> {
  const swarm = new Swarm(options.swarm);
  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((r) => (stopRequested = r));
  const onSignal = (): void => stopRequested();
  if (io.handleSignals !== false) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  try {
    if (options.waitForGo) {
      emit(io, { kind: 'ready', t: Date.now(), bots: options.swarm.bots, version: io.version });
      const go = waitForGo(io.stdin);
      const early = await Promise.race([go.then(() => false), stopped.then(() => true)]);
      if (early) {
        emit(io, { ...swarm.statsLine(), final: true, summary: 'stopped before "go"' });
        return 0;
      }
    }
    swarm.start();
    const statsTimer = setInterval(() => emit(io, swarm.statsLine()), 1000);
    const durationTimer = options.durationS > 0 ? setTimeout(stopRequested, options.durationS * 1000) : null;
    await Promise.race([stopped, swarm.whenAllDone()]);
    clearInterval(statsTimer);
    if (durationTimer) clearTimeout(durationTimer);
    await swarm.stop();
    const summary = swarm.summary();
    emit(io, { ...swarm.statsLine(), final: true, summary });
    io.writeError(summary);
    return swarm.everyBotFailed() ? 1 : 0;
  } finally {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  }
}
