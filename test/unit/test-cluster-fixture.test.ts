import { describe, expect, it } from 'vitest';
import { isClusterNamespace, planHosts } from '../support/cluster/network.js';
import { withDescendants, type ProcessInfo } from '../support/cluster/processes.js';
import { describeExit, lastLines } from '../support/cluster/run-command.js';
import { knownHostsLines } from '../support/cluster/sshd.js';
import { fixtureDirPrefix, stateFilePath } from '../support/cluster/state-file.js';
import { startTestCluster } from '../support/cluster/test-cluster.js';

describe('test cluster plan', () => {
  it('gives node k the address 10.X.k.2 behind 10.X.k.1, and the login host k = 100', () => {
    const plan = planHosts('lbt', 213, 3);
    expect(plan.map((h) => [h.name, h.namespace, h.address, h.gateway, h.veth])).toEqual([
      ['node1', 'lbt-n1', '10.213.1.2', '10.213.1.1', 'lbt-v1'],
      ['node2', 'lbt-n2', '10.213.2.2', '10.213.2.1', 'lbt-v2'],
      ['node3', 'lbt-n3', '10.213.3.2', '10.213.3.1', 'lbt-v3'],
      ['login', 'lbt-login', '10.213.100.2', '10.213.100.1', 'lbt-v100'],
    ]);
  });

  it('keeps veth names within the 15 characters Linux allows, for the longest id', () => {
    for (const host of planHosts('abcdefghij', 1, 99)) expect(host.veth.length).toBeLessThanOrEqual(15);
  });

  it("recognises only its own id's namespaces", () => {
    expect(isClusterNamespace('lbt', 'lbt-n12')).toBe(true);
    expect(isClusterNamespace('lbt', 'lbt-login')).toBe(true);
    expect(isClusterNamespace('lbt', 'lbs-n1')).toBe(false);
    expect(isClusterNamespace('lbt', 'lbt-n1-n1')).toBe(false);
    expect(isClusterNamespace('lb', 'lbt-n1')).toBe(false);
  });

  it("never lets one id's dir prefix match another id's dirs or its own state file", () => {
    expect(`${fixtureDirPrefix('lb-x')}abc`.startsWith(fixtureDirPrefix('lb'))).toBe(false);
    expect(stateFilePath('lb').startsWith(fixtureDirPrefix('lb'))).toBe(false);
  });

  it('writes a known_hosts line by name and one by address for every host', () => {
    expect(
      knownHostsLines([
        { name: 'node1', address: '10.213.1.2', hostPublicKey: 'ssh-ed25519 AAAA1' },
        { name: 'login', address: '10.213.100.2', hostPublicKey: 'ssh-ed25519 AAAA2' },
      ]),
    ).toBe(
      'node1 ssh-ed25519 AAAA1\n10.213.1.2 ssh-ed25519 AAAA1\nlogin ssh-ed25519 AAAA2\n10.213.100.2 ssh-ed25519 AAAA2\n',
    );
  });
});

describe('test cluster options', () => {
  it.each([
    [{ id: 'Bad.Id' }, /id 'Bad.Id' is not allowed: use 1-10 lowercase letters/],
    [{ id: 'waytoolongid' }, /id 'waytoolongid' is not allowed/],
    [{ hosts: 0 }, /hosts 0 is not allowed: use a whole number from 1 to 99/],
    [{ hosts: 2.5 }, /hosts 2.5 is not allowed/],
    [{ octet: 300 }, /octet 300 is not allowed: use a whole number from 1 to 254/],
  ])('rejects %o before touching anything', async (options, message) => {
    await expect(startTestCluster(options)).rejects.toThrow(message);
  });
});

describe('test cluster helpers', () => {
  it('decodes exit statuses a person asks about', () => {
    expect(describeExit(127)).toBe('exit 127 (command not found)');
    expect(describeExit(137)).toBe('exit 137 (killed)');
    expect(describeExit(143)).toBe('exit 143 (terminated)');
    expect(describeExit(1)).toBe('exit 1');
  });

  it('keeps the last non-empty lines of output', () => {
    expect(lastLines('a\n\nb\nc\n\n', 2)).toBe('b\nc');
  });

  it('finds every descendant of a daemon, however deep', () => {
    const p = (pid: number, ppid: number): ProcessInfo => ({ pid, ppid, cmdline: '', netnsInode: null });
    const table = [p(10, 1), p(11, 10), p(12, 11), p(20, 1), p(21, 20)];
    expect(withDescendants(table, [10]).sort()).toEqual([10, 11, 12]);
  });
});
