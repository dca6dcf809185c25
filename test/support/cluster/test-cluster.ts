/**
 * A real multi-node cluster on one machine for integration tests: every host is a
 * network namespace with its own address and sshd; SLURM (a private munged,
 * slurmctld, one slurmd per host) hands out nodes as on DAS-5/DAS-6; a login host
 * runs sshd and the SLURM client commands. See /work/shared/facts/test-cluster.md.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { freePort } from '../free-port.js';
import { createNetwork, assertOctetFree, planHosts, type HostPlan } from './network.js';
import { runCommand, TestClusterError, type CommandResult } from './run-command.js';
import { slurmFiles, startMunged, startSlurmctld, startSlurmd, waitNodesIdle, writeSlurmConfig } from './slurm.js';
import { generateKey, knownHostsLines, sshdFiles, startSshd, stopSshd } from './sshd.js';
import { fixtureDirPrefix, readState, removeState, writeState, type ClusterState } from './state-file.js';
import { clusterSupport } from './support.js';
import { cleanupLeftovers, teardown } from './teardown.js';

export { clusterSupport } from './support.js';
export { cleanupLeftovers } from './teardown.js';
export { TestClusterError } from './run-command.js';

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  /** Number of compute hosts node1..nodeK (1..99). Default 3. */
  hosts?: number;
  /**
   * Names the cluster's namespaces (`${id}-n${k}`, `${id}-login`), state file and fixture dir,
   * so two clusters coexist. Lowercase letters, digits and '-', at most 10 characters. Default 'lbt'.
   */
  id?: string;
  /** Second octet X of 10.X.0.0/16: host k is 10.X.k.2 (root side 10.X.k.1), login k = 100. Default 213. */
  octet?: number;
  /** Start munged, slurmctld and a slurmd per host. Default true. */
  slurm?: boolean;
  /**
   * root's login shell inside the cluster (an /etc/netns passwd overlay; the machine's own
   * /etc/passwd is untouched), e.g. '/bin/sh' to run remote commands as on a node whose
   * login shell is dash. Default: root's shell on this machine.
   */
  loginShell?: string;
}

/** One host of the test cluster. */
export interface TestHost {
  /** `node1`..`nodeK`, or `login`. */
  name: string;
  /** Its network namespace. */
  namespace: string;
  /** 10.X.k.2, reachable from the root namespace and from every other host. */
  address: string;
  sshPort: 22;
  /** Private host key of its sshd (under the fixture dir). */
  hostKeyPath: string;
  /** `ssh-ed25519 AAAA…` (type and key, no comment). */
  hostPublicKey: string;
}

/** A running test cluster; call {@link TestCluster.down} when done. */
export interface TestCluster {
  id: string;
  /** Fixture dir holding keys, configs, logs and pid files. */
  dir: string;
  /** node1..nodeK. */
  hosts: TestHost[];
  /**
   * Login host (name 'login'): sshd, and the SLURM client commands work there. Every sshd
   * sets `slurmEnv` in its sessions (sshd `SetEnv`), so `ssh root@login sbatch …` works as on a real cluster.
   */
  login: TestHost;
  /** 'root'. */
  user: string;
  /** ed25519 private key without passphrase, accepted by every host including login. */
  userKeyPath: string;
  /** known_hosts with a line by name and a line by address for every host and login. */
  knownHostsPath: string;
  /** null when started with `slurm: false`. */
  slurmConfPath: string | null;
  /**
   * `{ SLURM_CONF, SBATCH_OUTPUT }` for sbatch/squeue/scancel/sinfo (empty without SLURM).
   * SBATCH_OUTPUT keeps job output files (`slurm-<id>.out`) inside the fixture dir; `--output` overrides it.
   */
  slurmEnv: Record<string, string>;
  /** Milliseconds each bring-up step took (additive to the agreed API; for bench/cluster.ts and the CLI). */
  timings: Record<string, number>;
  /** Run a command inside a host's namespace as root, without SSH. Never throws for a non-zero exit. */
  execIn(
    host: string,
    argv: string[],
    opts?: { env?: Record<string, string>; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Kill the sshd of one host, listener and open connections, to simulate a dead node. */
  stopSshd(host: string): Promise<void>;
  /** Start the sshd of one host again (same host key). */
  startSshd(host: string): Promise<void>;
  /** Removes every namespace, process, file and directory this cluster made. Idempotent; runs every step. */
  down(): Promise<void>;
}

const ID_PATTERN = /^[a-z][a-z0-9-]{0,9}$/;

function validate(options: TestClusterOptions): Required<Omit<TestClusterOptions, 'loginShell'>> & {
  loginShell: string | undefined;
} {
  const id = options.id ?? 'lbt';
  const hosts = options.hosts ?? 3;
  const octet = options.octet ?? 213;
  if (!ID_PATTERN.test(id) || id.endsWith('-')) {
    throw new TestClusterError(
      `test cluster id '${id}' is not allowed: use 1-10 lowercase letters, digits or '-', starting with a letter ` +
        `(it names namespaces and veth devices, which are limited to 15 characters)`,
    );
  }
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > 99) {
    throw new TestClusterError(`test cluster hosts ${hosts} is not allowed: use a whole number from 1 to 99`);
  }
  if (!Number.isInteger(octet) || octet < 1 || octet > 254) {
    throw new TestClusterError(`test cluster octet ${octet} is not allowed: use a whole number from 1 to 254`);
  }
  const loginShell = options.loginShell;
  if (loginShell !== undefined && !/^\/[A-Za-z0-9._/-]+$/.test(loginShell)) {
    throw new TestClusterError(`test cluster loginShell '${loginShell}' is not allowed: use an absolute path`);
  }
  return { id, hosts, octet, slurm: options.slurm ?? true, loginShell };
}

/**
 * The tool's settings for using this cluster as a SLURM cluster through its login host,
 * as environment entries for `loadConfig`.
 */
export function slurmSettings(cluster: TestCluster): Record<string, string> {
  return {
    CLUSTER: 'slurm',
    SSH_USER: cluster.user,
    SSH_KEY: cluster.userKeyPath,
    SSH_KNOWN_HOSTS: cluster.knownHostsPath,
    SSH_LOGIN_HOST: `${cluster.user}@${cluster.login.address}:22`,
    SSH_CONNECT_TIMEOUT_MS: '10000',
    SLURM_CONF: cluster.slurmConfPath ?? '',
  };
}

/**
 * Starts a test cluster: first removes whatever an earlier run with the same id left,
 * then builds namespaces, keys, sshd on every host and (by default) SLURM, and waits
 * until every sshd accepts connections and `sinfo` shows every node idle.
 * On failure it tears down what it made and throws {@link TestClusterError}.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const { id, hosts: hostCount, octet, slurm, loginShell } = validate(options);
  const support = clusterSupport({ slurm });
  if (!support.ok) throw new TestClusterError(support.reason);

  const timings: Record<string, number> = {};
  const started = Date.now();
  const time = async <T>(label: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      timings[label] = Date.now() - t0;
    }
  };

  await time('cleanup leftovers', () => cleanupLeftovers(id));
  await time('check addresses', () => assertOctetFree(octet));

  const plans = planHosts(id, octet, hostCount);
  const nodes = plans.filter((p) => p.name !== 'login');
  const state: ClusterState = { id, octet, dir: null, namespaces: [], etcDirs: [], pids: [], owner: process.pid };
  writeState(state);
  const record = (pid: number, label: string): void => {
    state.pids.push({ pid, label });
    writeState(state);
  };

  try {
    const dir = mkdtempSync(fixtureDirPrefix(id));
    // munged warns when the socket's directory is not searchable by everybody
    chmodSync(dir, 0o755);
    state.dir = dir;
    writeState(state);

    const userKeyPath = `${dir}/id_ed25519`;
    const knownHostsPath = `${dir}/known_hosts`;
    const authorizedKeysPath = `${dir}/authorized_keys`;
    const files = new Map(plans.map((p) => [p.name, sshdFiles(dir, p)]));
    const filesOf = (p: HostPlan): ReturnType<typeof sshdFiles> => files.get(p.name) ?? sshdFiles(dir, p);

    const keys = await time('generate keys', async () => {
      for (const p of plans) mkdirSync(`${dir}/hosts/${p.name}`, { recursive: true });
      const [userKey, ...hostKeys] = await Promise.all([
        generateKey(userKeyPath, `luanti-bench-testcluster-${id}`),
        ...plans.map((p) => generateKey(filesOf(p).hostKeyPath, `${p.name}.${id}`)),
      ]);
      writeFileSync(authorizedKeysPath, `${userKey}\n`);
      return hostKeys;
    });
    const testHosts: TestHost[] = plans.map((p, i) => ({
      name: p.name,
      namespace: p.namespace,
      address: p.address,
      sshPort: 22,
      hostKeyPath: filesOf(p).hostKeyPath,
      hostPublicKey: keys[i] ?? '',
    }));
    writeFileSync(knownHostsPath, knownHostsLines(testHosts));

    await time('create network', async () => {
      state.namespaces = plans.map((p) => p.namespace);
      state.etcDirs = plans.map((p) => `/etc/netns/${p.namespace}`);
      writeState(state);
      writeHostsFiles(plans, loginShell);
      await createNetwork(plans);
    });

    const sFiles = slurmFiles(dir);
    // job output files go to the fixture dir, not into whatever directory sbatch ran in (/root over SSH)
    const slurmEnv: Record<string, string> = slurm
      ? { SLURM_CONF: sFiles.confPath, SBATCH_OUTPUT: `${dir}/slurm/job-%j.out` }
      : {};
    const startSshds = time('start sshd', () =>
      Promise.all(
        plans.map(async (p) => record(await startSshd(p, filesOf(p), authorizedKeysPath, slurmEnv), `sshd ${p.name}`)),
      ),
    );
    const startSlurm = async (): Promise<void> => {
      if (!slurm) return;
      const login = plans.find((p) => p.name === 'login');
      mkdirSync(`${dir}/slurm`, { recursive: true });
      writeSlurmConfig({
        id,
        dir,
        files: sFiles,
        nodes,
        controllerAddress: login?.gateway ?? `10.${octet}.100.1`,
        // slurmctld listens in the root namespace, on every address.
        ctldPort: await freePort('0.0.0.0'),
      });
      record(await time('start munged', () => startMunged(dir, sFiles)), 'munged');
      const ctldPid = await time('start slurmctld', () => startSlurmctld(sFiles));
      record(ctldPid, 'slurmctld');
      await time('start slurmd', () =>
        Promise.all(nodes.map(async (n) => record(await startSlurmd(n, sFiles), `slurmd ${n.name}`))),
      );
      await time('wait nodes idle', () => waitNodesIdle(nodes, sFiles, ctldPid));
    };
    const results = await Promise.allSettled([startSshds, startSlurm()]);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    timings.total = Date.now() - started;

    const byName = new Map(plans.map((p) => [p.name, p]));
    const planOf = (name: string): HostPlan => {
      const plan = byName.get(name);
      if (!plan) {
        throw new TestClusterError(
          `test cluster '${id}' has no host '${name}': use one of ${plans.map((p) => p.name).join(', ')}`,
        );
      }
      return plan;
    };
    let downing: Promise<void> | undefined;
    const runDown = async (): Promise<void> => {
      // a later cluster with the same id may have cleaned ours up and reused the namespace
      // names: then only our own directory is ours to remove
      const current = readState(id);
      const stillOurs = current === null || current.dir === dir;
      const failures = await teardown({
        id,
        markers: [dir],
        pids: stillOurs ? state.pids : [],
        namespaces: stillOurs ? state.namespaces : [],
        dirs: stillOurs ? [dir, ...state.etcDirs] : [dir],
      });
      if (failures.length > 0) {
        throw new TestClusterError(`test cluster '${id}' down incomplete:\n${failures.join('\n')}`);
      }
      if (current?.dir === dir) removeState(id);
    };
    const cluster: TestCluster = {
      id,
      dir,
      hosts: testHosts.filter((h) => h.name !== 'login'),
      login: testHosts.find((h) => h.name === 'login') ?? (testHosts[testHosts.length - 1] as TestHost),
      user: 'root',
      userKeyPath,
      knownHostsPath,
      slurmConfPath: slurm ? sFiles.confPath : null,
      slurmEnv,
      timings,
      execIn: async (host, argv, opts = {}): Promise<CommandResult> => {
        const plan = planOf(host);
        return runCommand(['ip', 'netns', 'exec', plan.namespace, ...argv], {
          ...(opts.env ? { env: opts.env } : {}),
          timeoutMs: opts.timeoutMs ?? 120_000,
        });
      },
      stopSshd: async (host) => stopSshd(planOf(host)),
      startSshd: async (host) => {
        const plan = planOf(host);
        const pid = await startSshd(plan, filesOf(plan), authorizedKeysPath, slurmEnv);
        // never overwrite the state of a later cluster that took over this id
        if (readState(id)?.dir === dir) record(pid, `sshd ${plan.name}`);
      },
      down: () => {
        // concurrent calls share one teardown; after a failure the next call tries again
        downing ??= runDown().catch((error: unknown) => {
          downing = undefined;
          throw error;
        });
        return downing;
      },
    };
    return cluster;
  } catch (error) {
    const failures = await teardown({
      id,
      markers: [state.dir ?? fixtureDirPrefix(id)],
      pids: state.pids,
      namespaces: state.namespaces,
      dirs: [...(state.dir ? [state.dir] : []), ...state.etcDirs],
    });
    if (failures.length === 0) removeState(id);
    const message = error instanceof Error ? error.message : String(error);
    throw new TestClusterError(
      `test cluster '${id}' failed to start: ${message}` +
        (failures.length > 0 ? `\nteardown after the failure was incomplete:\n${failures.join('\n')}` : ''),
      { cause: error },
    );
  }
}

/**
 * `ip netns exec` bind-mounts /etc/netns/<ns>/{hosts,resolv.conf} over /etc, so inside the
 * cluster (sshd sessions, slurmd, the login host's port forwarding) node names resolve as on
 * a real cluster, and no DNS query is attempted (it could only time out: hosts have no route
 * beyond the cluster). With `loginShell`, a passwd copy gives root that shell inside the cluster
 * (sshd runs every remote command through the user's shell). The root namespace's /etc is left alone.
 */
function writeHostsFiles(plans: readonly HostPlan[], loginShell: string | undefined): void {
  let base = '';
  try {
    base = readFileSync('/etc/hosts', 'utf8');
  } catch {
    base = '127.0.0.1 localhost\n';
  }
  const content = `${base.trimEnd()}\n# luanti-bench test cluster\n${plans.map((p) => `${p.address} ${p.name}`).join('\n')}\n`;
  const passwd =
    loginShell === undefined
      ? undefined
      : readFileSync('/etc/passwd', 'utf8').replace(/^(root:(?:[^:\n]*:){5})[^:\n]*$/m, `$1${loginShell}`);
  for (const p of plans) {
    mkdirSync(`/etc/netns/${p.namespace}`, { recursive: true });
    writeFileSync(`/etc/netns/${p.namespace}/hosts`, content);
    if (passwd !== undefined) writeFileSync(`/etc/netns/${p.namespace}/passwd`, passwd);
    writeFileSync(
      `/etc/netns/${p.namespace}/resolv.conf`,
      '# luanti-bench test cluster: no DNS, names are in /etc/hosts\n',
    );
  }
}
