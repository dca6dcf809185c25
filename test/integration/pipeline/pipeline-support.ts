import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { RUN_MARKER } from '../../../src/cluster/remote-process.js';
import { loadConfig, type Config } from '../../../src/config.js';
import type { ProgressEvent } from '../../../src/jobs/benchmark/progress.js';

/** The swarm bundle the pipeline ships; built by `node scripts/bundle-swarm.mjs` (npm run build). */
export const BUNDLE = new URL('../../../dist/swarm.bundle.mjs', import.meta.url).pathname;
export const haveBundle = existsSync(BUNDLE);

/** Settings for a test run: short baseline and gate, our own work directory. */
export function testConfig(workdir: string, extra: Record<string, string> = {}): Config {
  return loadConfig({ REMOTE_WORKDIR: workdir, BASELINE_S: '2', METRICS_GATE_S: '10', LOG_LEVEL: 'silent', ...extra });
}

/** Pids of processes on this machine carrying the run's marker in their environment. */
export async function processesOfRun(runId: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const env = await readFile(`/proc/${pid}/environ`, 'utf8');
      if (env.split('\0').includes(`${RUN_MARKER}=${runId}`)) found.push(pid);
    } catch {
      // Gone or not ours to read.
    }
  }
  return found;
}

/** Collects progress events for assertions. */
export function recorder(): { events: ProgressEvent[]; sink: (e: ProgressEvent) => void } {
  const events: ProgressEvent[] = [];
  return { events, sink: (e) => events.push(e) };
}
