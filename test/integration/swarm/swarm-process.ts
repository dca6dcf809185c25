import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseSwarmLine, type SwarmLine } from '../../../src/swarm/stats.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A swarm child process (`src/swarm/main.ts` under tsx, or the bundle under plain node) and what it printed. */
export interface SwarmProcess {
  proc: ChildProcess;
  lines: SwarmLine[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

export function spawnSwarm(args: string[], opts: { bundle?: boolean } = {}): SwarmProcess {
  const argv = opts.bundle ? ['dist/swarm.bundle.mjs', ...args] : ['--import', 'tsx', 'src/swarm/main.ts', ...args];
  const proc = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: SwarmLine[] = [];
  let err = '';
  let buf = '';
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = parseSwarmLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (line) lines.push(line);
    }
  });
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal })),
  );
  return {
    proc,
    lines,
    stderr: () => err,
    exited,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** Poll until `check` is true or `ms` passed; returns the last value of `check`. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number, stepMs = 250): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
