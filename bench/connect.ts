/**
 * How long connecting to 1, 4 and 16 nodes through the login node takes, in
 * parallel, on a 16-host namespace test cluster (needs root). Medians of 3.
 * Goal: 16 nodes within 2× the time of 1 node.
 *
 *   npm run bench:connect   (LB_BENCH_CLUSTER_ID / LB_BENCH_CLUSTER_OCTET to move it,
 *                            LB_BENCH_HANDSHAKES to change the handshakes in flight, default 8)
 *
 * "with login" starts from nothing (a fresh connector: login handshake, then the
 * nodes through it); "nodes only" reuses an open login connection, as a worker
 * does for its second and later runs.
 */
import { readFileSync } from 'node:fs';
import { KnownHosts } from '../src/cluster/known-hosts.js';
import { SshConnector, type SshConnectorOptions, type SshEndpoint } from '../src/cluster/ssh.js';
import { clusterSupport, startTestCluster } from '../test/support/cluster/test-cluster.js';

const COUNTS = [1, 4, 16];
const REPEATS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const support = clusterSupport({ slurm: false });
  if (!support.ok) {
    console.error(`bench:connect needs the namespace test cluster: ${support.reason}`);
    process.exitCode = 2;
    return;
  }
  const cluster = await startTestCluster({
    id: process.env.LB_BENCH_CLUSTER_ID ?? 'lbc',
    octet: Number(process.env.LB_BENCH_CLUSTER_OCTET ?? 216),
    hosts: 16,
    slurm: false,
  });
  try {
    const options: SshConnectorOptions = {
      knownHosts: await KnownHosts.load(cluster.knownHostsPath),
      privateKey: readFileSync(cluster.userKeyPath),
      connectTimeoutMs: 30_000,
      login: { name: 'login', host: cluster.login.address, port: 22, user: cluster.user },
      workdir: '/tmp/lb-bench-connect',
      // Default 8 (under sshd's MaxStartups 10); LB_BENCH_HANDSHAKES to compare.
      handshakesPerJumpHost: Number(process.env.LB_BENCH_HANDSHAKES ?? 8),
    };
    const endpoints: SshEndpoint[] = cluster.hosts.map((h) => ({
      name: h.name,
      host: h.address,
      port: 22,
      user: cluster.user,
    }));

    const withLogin = new Map<number, number[]>();
    const nodesOnly = new Map<number, number[]>();
    for (let r = 0; r < REPEATS; r++) {
      for (const n of COUNTS) {
        const connector = new SshConnector(options);
        const t0 = performance.now();
        const nodes = await connector.connectAll(endpoints.slice(0, n));
        const t1 = performance.now();
        await Promise.all(nodes.map((node) => node.close()));
        const t2 = performance.now();
        const again = await connector.connectAll(endpoints.slice(0, n));
        const t3 = performance.now();
        await Promise.all(again.map((node) => node.close()));
        await connector.close();
        withLogin.set(n, [...(withLogin.get(n) ?? []), t1 - t0]);
        nodesOnly.set(n, [...(nodesOnly.get(n) ?? []), t3 - t2]);
      }
    }

    const base = median(withLogin.get(1) ?? []);
    const baseNodes = median(nodesOnly.get(1) ?? []);
    console.log(
      `connect through the login node, parallel, median of ${REPEATS}, ${options.handshakesPerJumpHost} handshakes in flight`,
    );
    console.log('nodes | with login (ms) | ×1 node | nodes only (ms) | ×1 node');
    console.log('------+-----------------+---------+-----------------+--------');
    for (const n of COUNTS) {
      const a = median(withLogin.get(n) ?? []);
      const b = median(nodesOnly.get(n) ?? []);
      console.log(
        `${String(n).padStart(5)} | ${a.toFixed(0).padStart(15)} | ${(a / base).toFixed(2).padStart(7)} | ${b
          .toFixed(0)
          .padStart(15)} | ${(b / baseNodes).toFixed(2).padStart(6)}`,
      );
    }
    const ratio = median(withLogin.get(16) ?? []) / base;
    console.log(`goal: 16 nodes ≤ 2× 1 node (with login): ${ratio.toFixed(2)}× → ${ratio <= 2 ? 'met' : 'NOT met'}`);
  } finally {
    await cluster.down();
  }
}

await main();
