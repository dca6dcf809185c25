import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fingerprint,
  HostKeyMismatchError,
  HostKeyUnknownError,
  KnownHosts,
} from '../../../src/cluster/known-hosts.js';
import type { NodeConnection } from '../../../src/cluster/node.js';
import {
  SshAuthError,
  SshConnectError,
  SshConnector,
  type SshConnectorOptions,
  type SshEndpoint,
  type SshNode,
} from '../../../src/cluster/ssh.js';
import { clusterSupport, startTestCluster, type TestCluster } from '../../support/cluster/test-cluster.js';
import { testClusterIdentity } from './identity.js';
import { failureOf, processBehaviour } from './process-suite.js';

const support = clusterSupport({ slurm: false });
const workdir = `/tmp/lb-ssh-test-${randomUUID().slice(0, 8)}`;
const scratch = mkdtempSync(join(tmpdir(), 'lb-ssh-'));
let cluster: TestCluster;
let options: SshConnectorOptions;
let connector: SshConnector;
let node1: SshNode;
const extra: { close(): Promise<void> }[] = [];

function endpoint(name: string): SshEndpoint {
  const host = [...cluster.hosts, cluster.login].find((h) => h.name === name);
  if (!host) throw new Error(`no host ${name}`);
  return { name, host: host.address, port: 22, user: cluster.user };
}

function blobOf(publicKey: string): Buffer {
  return Buffer.from(publicKey.split(' ')[1] as string, 'base64');
}

describe.skipIf(!support.ok)(
  `SSH nodes on the test cluster${support.ok ? '' : ` (skipped: ${support.reason})`}`,
  () => {
    beforeAll(async () => {
      cluster = await startTestCluster({ ...testClusterIdentity(), hosts: 3, slurm: false });
      options = {
        knownHosts: await KnownHosts.load(cluster.knownHostsPath),
        privateKey: readFileSync(cluster.userKeyPath),
        connectTimeoutMs: 8000,
        login: endpoint('login'),
        workdir,
      };
      connector = new SshConnector(options);
      node1 = await connector.connect(endpoint('node1'));
    });

    afterAll(async () => {
      await node1?.sweep().catch(() => undefined);
      for (const c of extra) await c.close().catch(() => undefined);
      await node1?.close();
      await connector?.close();
      await cluster?.execIn('node1', ['rm', '-rf', workdir]).catch(() => undefined);
      await cluster?.down();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('runs commands on every node through the login node', async () => {
      const nodes = await connector.connectAll([endpoint('node1'), endpoint('node2'), endpoint('node3')]);
      extra.push(...nodes);
      const addresses = await Promise.all(
        nodes.map((n) => n.exec(['sh', '-c', "ip -4 -o addr show | grep -v ' lo '"])),
      );
      nodes.forEach((n, i) => {
        expect(n.name).toBe(`node${i + 1}`);
        expect(n.workdir).toBe(`${workdir}/node${i + 1}`);
        expect(addresses[i]?.stdout).toContain(cluster.hosts[i]?.address);
      });
    });

    it('runs 20 concurrent execs on one connection (more than MaxSessions) without failures', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => node1.exec(['sh', '-c', 'sleep 0.3; echo "$1"', 'sh', String(i)])),
      );
      expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    });

    it('uploads files over SFTP', async () => {
      const local = join(scratch, 'payload.bin');
      writeFileSync(local, Buffer.alloc(300_000, 7));
      const remote = `${workdir}/files/payload.bin`;
      await node1.upload(local, remote, 0o640);
      const stat = await node1.exec(['stat', '-c', '%s %a', remote]);
      expect(stat.stdout.trim()).toBe('300000 640');
    });

    describe('process scheme over SSH', () => {
      processBehaviour(() => node1 as NodeConnection);
    });

    it('refuses an unknown host key, naming host and fingerprint', async () => {
      const path = join(scratch, 'known_hosts_without_node2');
      const lines = readFileSync(cluster.knownHostsPath, 'utf8').split('\n');
      const node2 = cluster.hosts[1]!;
      writeFileSync(path, lines.filter((l) => !l.includes(node2.hostPublicKey.split(' ')[1] as string)).join('\n'));
      const c = new SshConnector({ ...options, knownHosts: await KnownHosts.load(path) });
      extra.push(c);
      const error = await failureOf(c.connect(endpoint('node2')));
      expect(error).toBeInstanceOf(HostKeyUnknownError);
      expect(error.message).toContain('node2');
      expect(error.message).toContain(fingerprint(blobOf(node2.hostPublicKey)));
    });

    it('refuses a changed host key, naming host, fingerprint and the known_hosts line', async () => {
      const path = join(scratch, 'known_hosts_changed');
      const node2 = cluster.hosts[1]!;
      const other = cluster.hosts[2]!.hostPublicKey;
      const text = readFileSync(cluster.knownHostsPath, 'utf8').replaceAll(node2.hostPublicKey, other);
      writeFileSync(path, text);
      const c = new SshConnector({ ...options, knownHosts: await KnownHosts.load(path) });
      extra.push(c);
      const error = await failureOf(c.connect(endpoint('node2')));
      expect(error).toBeInstanceOf(HostKeyMismatchError);
      expect(error.message).toContain('node2');
      expect(error.message).toContain(fingerprint(blobOf(node2.hostPublicKey)));
      expect(error.message).toMatch(new RegExp(`${path}:\\d+`));
    });

    it('reports a wrong user key as an authentication error naming the host', async () => {
      const keyPath = join(scratch, 'wrong_key');
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
      const c = new SshConnector({ ...options, login: undefined, privateKey: readFileSync(keyPath) });
      extra.push(c);
      const error = await failureOf(c.connect(endpoint('node2')));
      expect(error).toBeInstanceOf(SshAuthError);
      expect(error.message).toContain('node2');
      expect(error.message).toContain(cluster.user);
    });

    it('reports a node whose sshd is down as a connect error naming that node', async () => {
      await cluster.stopSshd('node3');
      try {
        const error = await failureOf(connector.connect(endpoint('node3')));
        expect(error).toBeInstanceOf(SshConnectError);
        expect(error.message.startsWith(`node3 (${cluster.hosts[2]?.address}): `)).toBe(true);
      } finally {
        await cluster.startSshd('node3');
      }
    });

    it('an abort during the handshake stops connecting at once', async () => {
      const controller = new AbortController();
      const pending = connector.connect(endpoint('node2'), controller.signal);
      controller.abort(new Error('run cancelled'));
      expect((await failureOf(pending)).message).toBe('run cancelled');
    });

    it('a spawned process survives the abrupt loss of the connection; a new connection sweeps it', async () => {
      const first = await connector.connect(endpoint('node2'));
      const proc = await first.spawn('run-lost', 'server', ['sleep', '300']);
      first.client.destroy();
      await expect(first.exec(['true'])).rejects.toBeInstanceOf(SshConnectError);
      const second = await connector.connect(endpoint('node2'));
      extra.push(second, first);
      const alive = await second.exec(['kill', '-0', String(proc.pgid)], { allowFailure: true });
      expect(alive.code).toBe(0);
      const report = await second.sweep({ keepRunId: 'run-next' });
      expect(report.killed).toEqual([{ pgid: proc.pgid, runDir: `${workdir}/node2/run-lost`, label: 'server' }]);
      const gone = await second.exec(['kill', '-0', String(proc.pgid)], { allowFailure: true });
      expect(gone.code).not.toBe(0);
    });
  },
);
