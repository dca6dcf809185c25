import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** VictoriaMetrics accepts InfluxDB's /api/v2/write line protocol; it stands in for InfluxDB in tests. */
export const VM_BIN = '/usr/bin/victoria-metrics';

/** A running VictoriaMetrics on a free loopback port, with its own storage directory. */
export interface VictoriaMetrics {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** TERM, KILL after 10 s, then remove the storage directory. Idempotent. */
  stop(): Promise<void>;
}

/** Start one and wait (up to 60 s) until /health answers; a failed start is stopped and cleaned up. */
export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'luanti-bench-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const vm = spawn(VM_BIN, [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=ERROR'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  vm.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  vm.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    if (vm.exitCode === null && vm.signalCode === null) {
      const exited = new Promise((r) => vm.once('exit', r));
      vm.kill('SIGTERM');
      const timer = setTimeout(() => vm.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (vm.exitCode !== null) break;
    const healthy = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) return { url, stop };
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`VictoriaMetrics did not answer on ${url}: ${output.slice(-500)}`);
}
