import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostPlan } from './network.js';
import { isAlive, waitForPidFile } from './processes.js';
import { mustRun, runCommand, TestClusterError } from './run-command.js';
import { logTail } from './sshd.js';

/** Paths of the cluster's private munge and SLURM files under the fixture dir. */
export interface SlurmFiles {
  confPath: string;
  mungeSocket: string;
  mungeKey: string;
  mungePid: string;
  mungeLog: string;
  ctldPid: string;
  ctldLog: string;
  slurmdLog: (node: string) => string;
  slurmdPid: (node: string) => string;
}

export function slurmFiles(dir: string): SlurmFiles {
  return {
    confPath: `${dir}/slurm/slurm.conf`,
    mungeSocket: `${dir}/munge/munge.socket`,
    mungeKey: `${dir}/munge/munge.key`,
    mungePid: `${dir}/munge/munged.pid`,
    mungeLog: `${dir}/munge/munged.log`,
    ctldPid: `${dir}/slurm/slurmctld.pid`,
    ctldLog: `${dir}/slurm/slurmctld.log`,
    slurmdLog: (node) => `${dir}/slurm/slurmd-${node}.log`,
    slurmdPid: (node) => `${dir}/slurm/slurmd-${node}.pid`,
  };
}

/** Port of every slurmd; each listens in its own namespace, so they never collide. */
const SLURMD_PORT = 6818;

/**
 * Writes slurm.conf and cgroup.conf. slurmctld runs in the root namespace and is
 * reached at `controllerAddress` (a root-namespace address every host routes to).
 * `AuthInfo=socket=` points every daemon and client command at this cluster's own
 * munged, so clusters and the machine's own munge never mix.
 */
export function writeSlurmConfig(options: {
  id: string;
  dir: string;
  files: SlurmFiles;
  nodes: readonly HostPlan[];
  controllerAddress: string;
  ctldPort: number;
}): void {
  const { dir, files, nodes } = options;
  mkdirSync(`${dir}/slurm/state`, { recursive: true });
  for (const node of nodes) mkdirSync(`${dir}/slurm/spool-${node.name}`, { recursive: true });
  const lines = [
    `ClusterName=${options.id}`,
    `SlurmctldHost=${hostname().split('.')[0]}(${options.controllerAddress})`,
    'SlurmUser=root',
    `SlurmctldPort=${options.ctldPort}`,
    `SlurmdPort=${SLURMD_PORT}`,
    'AuthType=auth/munge',
    'CredType=cred/munge',
    `AuthInfo=socket=${files.mungeSocket}`,
    `StateSaveLocation=${dir}/slurm/state`,
    `SlurmdSpoolDir=${dir}/slurm/spool-%n`,
    `SlurmctldPidFile=${files.ctldPid}`,
    `SlurmdPidFile=${dir}/slurm/slurmd-%n.pid`,
    `SlurmctldLogFile=${files.ctldLog}`,
    `SlurmdLogFile=${dir}/slurm/slurmd-%n.log`,
    'ProctrackType=proctrack/linuxproc',
    'TaskPlugin=task/none',
    'SchedulerType=sched/backfill',
    'SelectType=select/linear',
    'ReturnToService=2',
    'MpiDefault=none',
    ...nodes.map((n) => `NodeName=${n.name} NodeAddr=${n.address} CPUs=1 State=UNKNOWN`),
    `PartitionName=defq Nodes=${nodes.map((n) => n.name).join(',')} Default=YES MaxTime=60 State=UP`,
  ];
  writeFileSync(options.files.confPath, lines.join('\n') + '\n');
  // without a cgroup.conf naming v1, slurmd refuses to start ("Unable to initialize cgroup plugin")
  writeFileSync(`${dir}/slurm/cgroup.conf`, 'CgroupPlugin=cgroup/v1\n');
}

/** Starts the cluster's private munged (as root, hence --force) and returns its pid. */
export async function startMunged(dir: string, files: SlurmFiles): Promise<number> {
  mkdirSync(`${dir}/munge`, { recursive: true, mode: 0o755 });
  chmodSync(`${dir}/munge`, 0o755);
  await mustRun('create munge key', ['mungekey', '--create', `--keyfile=${files.mungeKey}`]);
  await mustRun('start munged', [
    'munged',
    '--force',
    `--socket=${files.mungeSocket}`,
    `--key-file=${files.mungeKey}`,
    `--pid-file=${files.mungePid}`,
    `--log-file=${files.mungeLog}`,
    `--seed-file=${dir}/munge/munged.seed`,
  ]);
  const pid = await waitForPidFile(files.mungePid, 10_000);
  if (pid === null) throw new TestClusterError(`munged wrote no pid file:\n${logTail(files.mungeLog)}`);
  return pid;
}

/** Starts slurmctld in the root namespace and returns its pid. */
export async function startSlurmctld(files: SlurmFiles): Promise<number> {
  await mustRun('start slurmctld', ['slurmctld', '-f', files.confPath]);
  const pid = await waitForPidFile(files.ctldPid, 20_000);
  if (pid === null) throw new TestClusterError(`slurmctld did not start:\n${logTail(files.ctldLog)}`);
  return pid;
}

/** Starts the slurmd of one node inside its namespace and returns its pid. */
export async function startSlurmd(node: HostPlan, files: SlurmFiles): Promise<number> {
  await mustRun(`start slurmd on ${node.name}`, [
    'ip',
    'netns',
    'exec',
    node.namespace,
    'slurmd',
    '-f',
    files.confPath,
    '-N',
    node.name,
  ]);
  const pid = await waitForPidFile(files.slurmdPid(node.name), 20_000);
  if (pid === null) {
    throw new TestClusterError(`slurmd on ${node.name} did not start:\n${logTail(files.slurmdLog(node.name))}`);
  }
  return pid;
}

/**
 * Waits until `sinfo` shows every node idle. Fails early when slurmctld dies, and
 * on timeout names the nodes that are not idle with the tails of their logs.
 */
export async function waitNodesIdle(
  nodes: readonly HostPlan[],
  files: SlurmFiles,
  ctldPid: number,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let states = new Map<string, string>();
  for (;;) {
    const result = await runCommand(['sinfo', '-h', '-N', '-o', '%N %t'], { env: { SLURM_CONF: files.confPath } });
    if (result.code === 0) {
      states = new Map(
        result.stdout
          .trim()
          .split('\n')
          .map((line) => line.trim().split(/\s+/) as [string, string]),
      );
      if (nodes.every((n) => states.get(n.name) === 'idle')) return;
    }
    if (!isAlive(ctldPid)) throw new TestClusterError(`slurmctld exited:\n${logTail(files.ctldLog)}`);
    if (Date.now() > deadline) {
      const waiting = nodes.filter((n) => states.get(n.name) !== 'idle');
      const detail = waiting
        .slice(0, 3)
        .map((n) => `${n.name} (${states.get(n.name) ?? 'unknown'}):\n${logTail(files.slurmdLog(n.name), 3)}`)
        .join('\n');
      throw new TestClusterError(
        `SLURM nodes not idle after ${timeoutMs} ms: ${waiting.map((n) => n.name).join(', ')}\n` +
          `slurmctld:\n${logTail(files.ctldLog, 3)}\n${detail}`,
      );
    }
    await sleep(200);
  }
}
