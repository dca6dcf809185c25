import { readdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  LOGIN_INDEX,
  deleteNamespaces,
  isClusterNamespace,
  listNamespaces,
  listVeths,
  vethOfNamespace,
} from './network.js';
import { exeName, killAndWait, listProcesses, netnsInode, withDescendants } from './processes.js';
import { runCommand, TestClusterError } from './run-command.js';
import { FIXTURE_BASE, fixtureDirPrefix, readState, removeState, stateFilePath } from './state-file.js';

/** What to tear down. */
export interface TeardownTarget {
  id: string;
  /**
   * Processes whose command line contains one of these strings are the cluster's: every daemon gets
   * paths in the fixture dir on its command line.
   */
  markers: readonly string[];
  /**
   * Recorded daemons (label starts with the program name). Killed when that program still
   * runs under the pid, so a pid reused by an unrelated process is spared.
   */
  pids?: readonly { pid: number; label: string }[];
  namespaces: readonly string[];
  /** Directories to remove (fixture dirs, /etc/netns/<ns>). */
  dirs: readonly string[];
}

/**
 * Kills every process of the target (by pid, by marker, and everything inside its
 * namespaces), deletes the namespaces, waits for their veth ends to vanish, and
 * removes the directories. Runs every step even when one fails; returns the failures.
 */
export async function teardown(target: TeardownTarget): Promise<string[]> {
  const failures: string[] = [];
  const step = async (label: string, fn: () => Promise<void> | void): Promise<void> => {
    try {
      await fn();
    } catch (error) {
      failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  await step('kill processes', async () => {
    const inodes = new Set(target.namespaces.map(netnsInode).filter((ino): ino is number => ino !== null));
    const processes = listProcesses();
    const matched = processes
      .filter(
        (p) =>
          (p.netnsInode !== null && inodes.has(p.netnsInode)) ||
          target.markers.some((marker) => marker !== '' && p.cmdline.includes(marker)),
      )
      .map((p) => p.pid);
    for (const { pid, label } of target.pids ?? []) {
      if (exeName(pid) === label.split(' ')[0]) matched.push(pid);
    }
    const alive = await killAndWait(withDescendants(processes, matched));
    if (alive.length > 0) throw new Error(`pids ${alive.join(', ')} survived SIGKILL`);
  });

  await step('delete namespaces', async () => {
    const errors = await deleteNamespaces(target.namespaces);
    if (errors.length > 0) throw new Error(errors.join('; '));
  });

  // a namespace is destroyed asynchronously; its veth ends (and their addresses) linger briefly,
  // and a new cluster with the same id would trip over them
  await step('remove veth pairs', async () => {
    const ours = new Set(target.namespaces.map((ns) => vethOfNamespace(target.id, ns)));
    const remaining = async (): Promise<string[]> => (await listVeths(target.id)).filter((v) => ours.has(v));
    const deadline = Date.now() + 5_000;
    let left = await remaining();
    while (left.length > 0 && Date.now() < deadline) {
      await sleep(50);
      left = await remaining();
    }
    for (const veth of left) await runCommand(['ip', 'link', 'del', veth]);
    left = await remaining();
    if (left.length > 0) throw new Error(`veth ${left.join(', ')} still present`);
  });

  await step('remove directories', () => {
    for (const dir of target.dirs) rmSync(dir, { recursive: true, force: true });
  });
  return failures;
}

/**
 * Removes whatever an earlier (crashed) cluster with this id left: processes,
 * namespaces, veth pairs, fixture dirs and the state file. Touches nothing of other ids.
 * Throws a {@link TestClusterError} listing the steps that failed, after running all of them.
 */
export async function cleanupLeftovers(id = 'lbt'): Promise<void> {
  const state = readState(id);
  const namespaces = new Set(state?.namespaces ?? []);
  for (const ns of await listNamespaces()) if (isClusterNamespace(id, ns)) namespaces.add(ns);
  // a veth end whose namespace is gone still blocks its name and address: cover it too
  for (const veth of await listVeths(id)) {
    const k = veth.slice(`${id}-v`.length);
    namespaces.add(k === String(LOGIN_INDEX) ? `${id}-login` : `${id}-n${k}`);
  }
  const prefix = fixtureDirPrefix(id);
  const dirs = new Set<string>([...(state?.etcDirs ?? [])]);
  if (state?.dir) dirs.add(state.dir);
  for (const entry of readdirSync(FIXTURE_BASE)) {
    const path = `${FIXTURE_BASE}/${entry}`;
    if (path.startsWith(prefix)) dirs.add(path);
  }
  for (const ns of namespaces) dirs.add(`/etc/netns/${ns}`);
  const failures = await teardown({
    id,
    markers: state?.dir ? [prefix, state.dir] : [prefix],
    pids: state?.pids ?? [],
    namespaces: [...namespaces],
    dirs: [...dirs],
  });
  if (failures.length > 0) {
    throw new TestClusterError(
      `cleanup of test cluster '${id}' incomplete (${stateFilePath(id)} kept):\n${failures.join('\n')}`,
    );
  }
  removeState(id);
}
