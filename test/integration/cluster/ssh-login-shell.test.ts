import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownHosts } from '../../../src/cluster/known-hosts.js';
import { SshConnector, type SshEndpoint, type SshNode } from '../../../src/cluster/ssh.js';
import { clusterSupport, startTestCluster, type TestCluster } from '../../support/cluster/test-cluster.js';
import { testClusterIdentity } from './identity.js';

const support = clusterSupport({ slurm: false });
const workdir = `/tmp/lb-ssh-sh-test-${randomUUID().slice(0, 8)}`;
let cluster: TestCluster;
let connector: SshConnector;
let node1: SshNode;

function endpoint(host: { name: string; address: string }): SshEndpoint {
  return { name: host.name, host: host.address, port: 22, user: cluster.user };
}

/**
 * Nodes whose login shell is dash: sshd runs each command through `/bin/sh -c`, which starts
 * in about a millisecond, so a quick command's output, exit status and close often reach
 * the client in one read together with the exec's confirmation, and many channels close
 * at once. Both used to fail commands ("the channel closed without an exit status", and
 * "open failed" from sshd's MaxSessions).
 */
describe.skipIf(!support.ok)(
  `SSH nodes whose login shell is /bin/sh${support.ok ? '' : ` (skipped: ${support.reason})`}`,
  () => {
    beforeAll(async () => {
      cluster = await startTestCluster({ ...testClusterIdentity(), hosts: 1, slurm: false, loginShell: '/bin/sh' });
      connector = new SshConnector({
        knownHosts: await KnownHosts.load(cluster.knownHostsPath),
        privateKey: readFileSync(cluster.userKeyPath),
        connectTimeoutMs: 8000,
        login: endpoint(cluster.login),
        workdir,
      });
      node1 = await connector.connect(endpoint(cluster.hosts[0]!));
    });

    afterAll(async () => {
      await node1?.close();
      await connector?.close();
      await cluster?.execIn('node1', ['rm', '-rf', workdir]).catch(() => undefined);
      await cluster?.down();
    });

    it("root's shell is /bin/sh inside the cluster only; this machine's passwd is untouched", async () => {
      const shell = await node1.exec(['sh', '-c', 'getent passwd root | cut -d: -f7']);
      expect(shell.stdout.trim()).toBe('/bin/sh');
      expect(readFileSync('/etc/passwd', 'utf8')).not.toMatch(/^root:(?:[^:\n]*:){5}\/bin\/sh$/m);
    });

    it('400 quick commands at once on one connection (8 channels at a time) all report their exit status', async () => {
      const results = await Promise.all(
        Array.from({ length: 400 }, async (_, i) => {
          // half of them killable (own session, pgid line first), as preflight and sweeps are
          const options = i % 2 === 0 ? { timeoutMs: 30_000, allowFailure: true } : { allowFailure: true };
          const result = await node1.exec(['sh', '-c', 'echo "$1"; exit $(($1 % 7))', 'sh', String(i)], options);
          return { i, code: result.code, stdout: result.stdout };
        }),
      );
      for (const { i, code, stdout } of results) {
        expect({ i, code, stdout }).toEqual({ i, code: i % 7, stdout: `${i}\n` });
      }
    });

    it('files written over SFTP while commands run alongside all arrive', async () => {
      const writes = Array.from({ length: 20 }, (_, i) => node1.writeFile(`${workdir}/f${i}`, `file ${i}\n`));
      const commands = Array.from({ length: 20 }, () => node1.exec(['true']));
      await Promise.all([...writes, ...commands]);
      const listing = await node1.exec(['sh', '-c', 'cat "$1"/f*', 'sh', workdir]);
      expect(listing.stdout.split('\n').filter(Boolean)).toHaveLength(20);
    });
  },
);
