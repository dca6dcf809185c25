import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNamespaces } from '../support/cluster/network.js';
import { listProcesses } from '../support/cluster/processes.js';
import { runCommand } from '../support/cluster/run-command.js';
import { acceptsTcp } from '../support/cluster/sshd.js';
import { fixtureDirPrefix, readState, stateFilePath } from '../support/cluster/state-file.js';
import {
  cleanupLeftovers,
  clusterSupport,
  startTestCluster,
  type TestCluster,
  type TestHost,
} from '../support/cluster/test-cluster.js';

const support = clusterSupport();
const skipReason = support.ok ? '' : ` (skipped: ${support.reason})`;

// ids and octets of their own, so these tests never meet a cluster a person or another suite started
const SMOKE = { id: 'lbfx', octet: 231 };
const CRASH = { id: 'lbcr', octet: 232 };

interface SshOptions {
  knownHosts?: string;
  /** Check the host key against this known_hosts name instead of the address. */
  alias?: string;
}

/**
 * Runs a command on a host through the real OpenSSH client with host-key checking on, from
 * the root namespace. Like ssh itself, joins `command` with spaces for the remote shell.
 */
function ssh(cluster: TestCluster, host: TestHost, command: string[], options: SshOptions = {}) {
  const argv = ['ssh', '-F', '/dev/null', '-i', cluster.userKeyPath];
  const sshOptions = [
    'BatchMode=yes',
    'StrictHostKeyChecking=yes',
    `UserKnownHostsFile=${options.knownHosts ?? cluster.knownHostsPath}`,
    'ConnectTimeout=20',
    ...(options.alias ? [`HostKeyAlias=${options.alias}`] : []),
  ];
  for (const o of sshOptions) argv.push('-o', o);
  return runCommand([...argv, `${cluster.user}@${host.address}`, '--', ...command], { timeoutMs: 60_000 });
}

/** eth0 received and sent bytes from /proc/net/dev text. */
function eth0Bytes(procNetDev: string): { rx: number; tx: number } {
  const line = procNetDev.split('\n').find((l) => l.trim().startsWith('eth0:'));
  if (!line) throw new Error(`no eth0 in /proc/net/dev:\n${procNetDev}`);
  const fields = line.split(':')[1]?.trim().split(/\s+/).map(Number) ?? [];
  return { rx: fields[0] ?? NaN, tx: fields[8] ?? NaN };
}

/** Everything of cluster `id` that is still there: namespaces, live processes, dirs, state file. */
async function remnants(id: string, dir: string | null): Promise<string[]> {
  const found: string[] = [];
  for (const ns of await listNamespaces())
    if (ns === `${id}-login` || ns.startsWith(`${id}-n`)) found.push(`netns ${ns}`);
  const marker = dir ?? fixtureDirPrefix(id);
  for (const p of listProcesses()) {
    if (p.cmdline.includes(marker) || p.cmdline.includes(fixtureDirPrefix(id)))
      found.push(`pid ${p.pid}: ${p.cmdline}`);
  }
  if (dir && existsSync(dir)) found.push(`dir ${dir}`);
  if (existsSync(stateFilePath(id))) found.push(`state ${stateFilePath(id)}`);
  const links = await runCommand(['ip', '-o', 'link', 'show']);
  for (const line of links.stdout.split('\n')) if (line.includes(` ${id}-v`)) found.push(`link ${line.trim()}`);
  return found;
}

/** A long-running node script inside a host's namespace; resolves once it printed its first line. */
async function startInHost(cluster: TestCluster, host: string, script: string): Promise<ChildProcess> {
  const namespace = [...cluster.hosts, cluster.login].find((h) => h.name === host)?.namespace ?? host;
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`script in ${host} exited with ${code}`)));
  });
  return child;
}

describe.skipIf(!support.ok)(`test cluster${skipReason}`, () => {
  let cluster: TestCluster | undefined;
  const up = (): TestCluster => {
    if (!cluster) throw new Error('cluster did not start (see beforeAll)');
    return cluster;
  };

  beforeAll(async () => {
    cluster = await startTestCluster({ ...SMOKE, hosts: 3 });
  });
  afterAll(async () => {
    await cluster?.down();
  });

  it('every host and the login host accept the key with host-key checking on, by address and by name', async () => {
    const c = up();
    for (const host of [...c.hosts, c.login]) {
      const byAddress = await ssh(c, host, ['cat', '/proc/sys/kernel/hostname']);
      expect(byAddress.code, `${host.name}: ${byAddress.stderr}`).toBe(0);
      // the name line of known_hosts, checked with the name as alias for the address
      const byName = await ssh(c, host, ['true'], { alias: host.name });
      expect(byName.code, `${host.name} by name: ${byName.stderr}`).toBe(0);
    }
    // host-key checking is really on: with an empty known_hosts the client refuses
    const refused = await ssh(c, c.hosts[0] as TestHost, ['true'], { knownHosts: '/dev/null' });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Host key verification failed/);
  });

  it('the login host works as jump host to a node by name, and sftp works', async () => {
    const c = up();
    const client = ['ssh', '-F', '/dev/null', '-i', c.userKeyPath, '-o', 'BatchMode=yes'];
    const checking = ['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${c.knownHostsPath}`];
    // "node2" is resolved by the login host's sshd (direct-tcpip) and checked against the name line
    const proxy = [...client, ...checking, '-W', '%h:%p', `${c.user}@${c.login.address}`].join(' ');
    const jumped = await runCommand(
      [...client, ...checking, '-o', `ProxyCommand=${proxy}`, `${c.user}@node2`, 'ip -4 -o addr show eth0'],
      { timeoutMs: 60_000 },
    );
    expect(jumped.code, jumped.stderr).toBe(0);
    expect(jumped.stdout).toContain(`${c.hosts[1]?.address}/24`);

    const sftp = await runCommand(
      [
        'sftp',
        '-F',
        '/dev/null',
        '-i',
        c.userKeyPath,
        '-o',
        'BatchMode=yes',
        ...checking,
        '-b',
        '-',
        `${c.user}@${c.hosts[0]?.address}`,
      ],
      { stdin: `ls ${c.knownHostsPath}\n`, timeoutMs: 60_000 },
    );
    expect(sftp.code, sftp.stderr).toBe(0);
    expect(sftp.stdout).toContain(c.knownHostsPath);
  });

  it('each host has its own /proc/net/dev, and a TCP and a UDP port in node1 are reachable from node2', async () => {
    const c = up();
    const node1 = c.hosts[0] as TestHost;
    const devs = await Promise.all(c.hosts.map((h) => ssh(c, h, ['cat', '/proc/net/dev'])));
    for (const dev of devs) {
      expect(dev.code).toBe(0);
      // only the host's own interfaces, not the root namespace's veth ends of the whole cluster
      const interfaces = dev.stdout
        .split('\n')
        .slice(2)
        .map((line) => line.split(':')[0]?.trim())
        .filter((name) => name);
      expect(interfaces.sort()).toEqual(['eth0', 'lo']);
    }

    const before = await Promise.all(c.hosts.map((h) => c.execIn(h.name, ['cat', '/proc/net/dev'])));
    const payload = 300_000;
    const server = await startInHost(
      c,
      'node1',
      `const net = require('node:net'); const dgram = require('node:dgram');
       let tcp = 0;
       net.createServer((s) => { s.on('data', (d) => (tcp += d.length)); s.on('end', () => s.end(String(tcp))); })
         .listen(40001, '${node1.address}');
       const u = dgram.createSocket('udp4');
       u.on('message', (m, r) => u.send('pong:' + m, r.port, r.address));
       u.bind(40002, '${node1.address}', () => console.log('ready'));`,
    );
    try {
      const client = await c.execIn('node2', [
        process.execPath,
        '-e',
        `const net = require('node:net'); const dgram = require('node:dgram');
         const s = net.connect(40001, '${node1.address}', () => s.end(Buffer.alloc(${payload}, 120)));
         let got = ''; s.on('data', (d) => (got += d));
         s.on('end', () => {
           const u = dgram.createSocket('udp4');
           u.on('message', (m) => { console.log(got + ' ' + m); process.exit(0); });
           u.send('ping', 40002, '${node1.address}');
           setTimeout(() => { console.log(got + ' no-udp-reply'); process.exit(1); }, 10000);
         });`,
      ]);
      expect(client.stdout.trim()).toBe(`${payload} pong:ping`);
    } finally {
      server.kill('SIGKILL');
    }
    const after = await Promise.all(c.hosts.map((h) => c.execIn(h.name, ['cat', '/proc/net/dev'])));
    const delta = c.hosts.map((_, i) => {
      const a = eth0Bytes(after[i]?.stdout ?? '');
      const b = eth0Bytes(before[i]?.stdout ?? '');
      return { rx: a.rx - b.rx, tx: a.tx - b.tx };
    });
    // the traffic shows on node1's and node2's own counters and not on node3's
    expect(delta[0]?.rx).toBeGreaterThanOrEqual(payload);
    expect(delta[1]?.tx).toBeGreaterThanOrEqual(payload);
    expect(delta[2]?.rx).toBeLessThan(payload);
  });

  it('through the login host, sbatch gets 3 nodes RUNNING, hostnames resolve to node1..3, scancel empties the queue', async () => {
    const c = up();
    // one string: the remote shell of the login host parses it, as with `ssh login 'cmd'`
    const onLogin = (command: string) => ssh(c, c.login, [command]);
    const env = await onLogin('echo "$SLURM_CONF"');
    expect(env.stdout.trim()).toBe(c.slurmConfPath);

    const submit = await onLogin("sbatch --parsable -N 3 --time=2 -J luanti-bench-smoke --wrap 'sleep 100'");
    expect(submit.code, submit.stderr).toBe(0);
    const jobId = submit.stdout.trim().split(';')[0] ?? '';
    expect(jobId).toMatch(/^\d+$/);

    let state = '';
    for (let i = 0; i < 120 && !state.startsWith('RUNNING'); i++) {
      state = (await onLogin(`squeue -h -j ${jobId} -o '%T %N'`)).stdout.trim();
      if (!state.startsWith('RUNNING')) await sleep(250);
    }
    expect(state).toMatch(/^RUNNING /);
    // job output lands in the fixture dir (SBATCH_OUTPUT), not in root's home on the shared filesystem
    expect(existsSync(`${c.dir}/slurm/job-${jobId}.out`)).toBe(true);
    const nodeList = state.split(' ')[1] ?? '';
    const hostnames = await onLogin(`scontrol show hostnames '${nodeList}'`);
    expect(hostnames.stdout.trim().split('\n')).toEqual(['node1', 'node2', 'node3']);
    const node2 = await onLogin('scontrol show node node2');
    expect(node2.stdout).toContain(`NodeAddr=${c.hosts[1]?.address}`);
    // the names resolve inside the cluster, as on a real one
    const resolved = await onLogin('getent hosts node3');
    expect(resolved.stdout).toContain(c.hosts[2]?.address);

    expect((await onLogin(`scancel ${jobId}`)).code).toBe(0);
    let queue = 'x';
    for (let i = 0; i < 120 && queue !== ''; i++) {
      queue = (await onLogin('squeue -h')).stdout.trim();
      if (queue !== '') await sleep(250);
    }
    expect(queue).toBe('');
  });

  it('execIn runs inside the host namespace; stopSshd drops a host and startSshd brings it back', async () => {
    const c = up();
    const node2 = c.hosts[1] as TestHost;
    const addr = await c.execIn('node2', ['ip', '-4', '-o', 'addr', 'show', 'eth0']);
    expect(addr.stdout).toContain(`${node2.address}/24`);
    expect((await c.execIn('login', ['sh', '-c', 'exit 3'])).code).toBe(3);
    await expect(c.execIn('node9', ['true'])).rejects.toThrow(/no host 'node9'.*node1, node2, node3, login/);

    await c.stopSshd('node2');
    const dead = await ssh(c, node2, ['true']);
    expect(dead.code).toBe(255);
    expect(dead.stderr).toMatch(/Connection refused/);
    await c.startSshd('node2');
    expect((await ssh(c, node2, ['true'])).code).toBe(0);
  });

  it('down() leaves no namespace, process, directory or state file, and is idempotent', async () => {
    const c = up();
    const dir = c.dir;
    expect(await remnants(c.id, dir)).not.toEqual([]);
    await c.down();
    expect(await remnants(c.id, dir)).toEqual([]);
    for (const ns of [...c.hosts, c.login].map((h) => h.namespace)) expect(existsSync(`/etc/netns/${ns}`)).toBe(false);
    await c.down();
    cluster = undefined;
  });
});

describe.skipIf(!support.ok)(`test cluster after a crash${skipReason}`, () => {
  const tsxImport = createRequire(import.meta.url).resolve('tsx');
  const cli = new URL('../support/cluster/cli.ts', import.meta.url).pathname;
  let child: ChildProcess | undefined;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await cleanupLeftovers(CRASH.id);
  });

  /**
   * Runs `cluster up` in a child process (a single process: node --import tsx, so the kill
   * hits the starter itself) and SIGKILLs it as soon as `when` says so.
   */
  async function crashUp(hosts: number, when: (output: string) => boolean): Promise<void> {
    const proc = spawn(
      process.execPath,
      ['--import', tsxImport, cli, 'up', '--id', CRASH.id, '--octet', String(CRASH.octet), '--hosts', String(hosts)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    let output = '';
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    for (let i = 0; i < 6000 && proc.exitCode === null && !when(output); i++) await sleep(5);
    proc.kill('SIGKILL');
    await exited;
    child = undefined;
    expect(output).not.toMatch(/TestClusterError/);
  }

  it('a bring-up killed half-way is cleaned up by the next startTestCluster with the same id', async () => {
    // kill as soon as the first daemon is recorded: namespaces exist, SLURM is not up yet
    await crashUp(16, () => (readState(CRASH.id)?.pids.length ?? 0) > 0);
    const leftover = readState(CRASH.id);
    expect(leftover?.namespaces.length).toBe(17);
    expect(await remnants(CRASH.id, leftover?.dir ?? null)).not.toEqual([]);

    const cluster = await startTestCluster({ ...CRASH, hosts: 2 });
    try {
      expect(leftover?.dir && existsSync(leftover.dir)).toBe(false);
      expect((await listNamespaces()).filter((ns) => ns.startsWith(`${CRASH.id}-`)).sort()).toEqual([
        `${CRASH.id}-login`,
        `${CRASH.id}-n1`,
        `${CRASH.id}-n2`,
      ]);
      const sinfo = await cluster.execIn('login', ['sinfo', '-h', '-o', '%D %t'], { env: cluster.slurmEnv });
      expect(sinfo.stdout.trim()).toBe('2 idle');
    } finally {
      await cluster.down();
    }
    expect(await remnants(CRASH.id, leftover?.dir ?? null)).toEqual([]);
  });

  it('down() of a cluster that a newer one with the same id replaced leaves the newer one alone', async () => {
    const first = await startTestCluster({ ...CRASH, hosts: 1, slurm: false });
    const second = await startTestCluster({ ...CRASH, hosts: 1, slurm: false });
    try {
      expect(existsSync(first.dir)).toBe(false);
      await first.down();
      expect(await acceptsTcp(second.hosts[0]?.address ?? '', 22)).toBe(true);
      expect(readState(CRASH.id)?.dir).toBe(second.dir);
    } finally {
      await second.down();
    }
    expect(await remnants(CRASH.id, second.dir)).toEqual([]);
  });

  it('a cluster whose starter died after up is removed by cleanupLeftovers, which touches no other id', async () => {
    const other = await startTestCluster({ id: 'lbot', octet: 233, hosts: 1, slurm: false });
    try {
      // 16 hosts: the size the fixture must handle, brought fully up (SLURM idle) by the child
      await crashUp(16, (output) => output.includes('is up'));
      const leftover = readState(CRASH.id);
      expect(leftover?.pids.map((p) => p.label)).toContain('slurmd node16');
      expect(readFileSync(stateFilePath(CRASH.id), 'utf8')).toContain(CRASH.id);

      await cleanupLeftovers(CRASH.id);
      expect(await remnants(CRASH.id, leftover?.dir ?? null)).toEqual([]);
      // the other cluster's address range stays taken while it runs
      await expect(startTestCluster({ id: 'lbo2', octet: 233, hosts: 1, slurm: false })).rejects.toThrow(
        /octet 233 is in use: interface lbot-v\d+ already has an address in 10\.233\.0\.0\/16/,
      );
      // the other cluster is untouched
      const alive = await other.execIn('node1', ['ip', '-4', '-o', 'addr', 'show', 'eth0']);
      expect(alive.stdout).toContain(other.hosts[0]?.address);
      expect(existsSync(other.dir)).toBe(true);
    } finally {
      await other.down();
    }
  });
});
