import { mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostPlan } from './network.js';
import { killAndWait, listProcesses, netnsInode, waitForPidFile } from './processes.js';
import { lastLines, mustRun, TestClusterError } from './run-command.js';

export const SSHD = '/usr/sbin/sshd';

/** Files of one host's sshd under the fixture dir. */
export interface SshdFiles {
  hostKeyPath: string;
  pidPath: string;
  logPath: string;
}

export function sshdFiles(dir: string, host: HostPlan): SshdFiles {
  return {
    hostKeyPath: `${dir}/hosts/${host.name}/ssh_host_ed25519_key`,
    pidPath: `${dir}/hosts/${host.name}/sshd.pid`,
    logPath: `${dir}/hosts/${host.name}/sshd.log`,
  };
}

/** A throwaway ed25519 key without passphrase; returns the public key as `type base64` (no comment). */
export async function generateKey(path: string, comment: string): Promise<string> {
  await mustRun('generate key', ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  const [type, key] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/);
  return `${type} ${key}`;
}

/** known_hosts content: one line by name and one by address for every host. */
export function knownHostsLines(hosts: readonly { name: string; address: string; hostPublicKey: string }[]): string {
  return hosts.flatMap((h) => [`${h.name} ${h.hostPublicKey}`, `${h.address} ${h.hostPublicKey}`]).join('\n') + '\n';
}

/**
 * Starts the sshd of one host inside its namespace with OpenSSH's own defaults
 * (MaxSessions 10, MaxStartups 10:30:100): the cluster-access code must cope with
 * those, as on a real cluster. Resolves with the daemon's pid once it accepts TCP.
 */
export async function startSshd(
  host: HostPlan,
  files: SshdFiles,
  authorizedKeysPath: string,
  sessionEnv: Record<string, string>,
  timeoutMs = 30_000,
): Promise<number> {
  // privilege separation needs this directory; the Debian package creates it only through systemd
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const options = [
    'PasswordAuthentication=no',
    'KbdInteractiveAuthentication=no',
    'StrictModes=no',
    `AuthorizedKeysFile=${authorizedKeysPath}`,
    `PidFile=${files.pidPath}`,
    // sftp is configured by Debian's sshd_config, not by sshd's built-in defaults (-f /dev/null)
    'Subsystem=sftp internal-sftp',
    // one SetEnv with every variable: sshd keeps only the first SetEnv directive it reads
    ...(Object.keys(sessionEnv).length > 0
      ? [
          `SetEnv=${Object.entries(sessionEnv)
            .map(([name, value]) => `${name}=${value}`)
            .join(' ')}`,
        ]
      : []),
  ];
  await mustRun(`start sshd on ${host.name}`, [
    'ip',
    'netns',
    'exec',
    host.namespace,
    SSHD,
    '-f',
    '/dev/null',
    '-h',
    files.hostKeyPath,
    '-E',
    files.logPath,
    ...options.flatMap((o) => ['-o', o]),
  ]);
  const deadline = Date.now() + timeoutMs;
  const pid = await waitForPidFile(files.pidPath, timeoutMs);
  if (pid === null) throw new TestClusterError(`sshd on ${host.name} wrote no pid file:\n${logTail(files.logPath)}`);
  while (!(await acceptsTcp(host.address, 22))) {
    if (Date.now() > deadline) {
      throw new TestClusterError(
        `sshd on ${host.name} (${host.address}:22) does not accept connections:\n${logTail(files.logPath)}`,
      );
    }
    await sleep(20);
  }
  return pid;
}

/**
 * Kills every sshd process of one host: the listener and the per-connection
 * processes, so open SSH connections drop as when a node dies. Processes those
 * sessions started keep running, as they would on a real host.
 */
export async function stopSshd(host: HostPlan): Promise<void> {
  const inode = netnsInode(host.namespace);
  if (inode === null)
    throw new TestClusterError(`stopSshd: namespace ${host.namespace} of ${host.name} does not exist`);
  const pids = listProcesses()
    .filter((p) => p.netnsInode === inode && /^(\/usr\/sbin\/)?sshd\b/.test(p.cmdline))
    .map((p) => p.pid);
  const alive = await killAndWait(pids);
  if (alive.length > 0) throw new TestClusterError(`stopSshd ${host.name}: pids ${alive.join(', ')} survived SIGKILL`);
}

/** True when a TCP connection to address:port opens within a second. */
export function acceptsTcp(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 1000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export function logTail(path: string, n = 5): string {
  try {
    return lastLines(readFileSync(path, 'utf8'), n) || `(${path} is empty)`;
  } catch {
    return `(no log at ${path})`;
  }
}
