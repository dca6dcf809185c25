import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** One entry of the process table, as far as the fixture cares. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** argv joined with spaces. */
  cmdline: string;
  /** Inode of the process's network namespace (null when it could not be read). */
  netnsInode: number | null;
}

/** The live (non-zombie) processes of the machine. Processes that vanish while reading are skipped. */
export function listProcesses(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue;
      const ppid = Number(fields[1]);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      let netnsInode: number | null = null;
      try {
        const link = readlinkSync(`/proc/${pid}/ns/net`);
        const match = /\[(\d+)\]/.exec(link);
        netnsInode = match?.[1] ? Number(match[1]) : null;
      } catch {
        // kernel threads and exiting processes have no readable namespace link
      }
      found.push({ pid, ppid, cmdline, netnsInode });
    } catch {
      // gone while we looked
    }
  }
  return found;
}

/** The state letter of /proc/PID/stat ('R', 'S', 'Z', …), or null when the process does not exist. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name is in parentheses and may itself contain spaces or ')'
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) || null;
  } catch {
    return null;
  }
}

/** Alive means: exists and is not a zombie (PID 1 here reaps orphans only every few seconds). */
export function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== 'Z';
}

/** Base name of the executable of a process (`sshd`, `slurmd`, …), or null when it is gone or unreadable. */
export function exeName(pid: number): string | null {
  try {
    return (
      readlinkSync(`/proc/${pid}/exe`)
        .split('/')
        .pop()
        ?.replace(/ \(deleted\)$/, '') ?? null
    );
  } catch {
    return null;
  }
}

/** Inode of a named network namespace (/run/netns/NAME), or null when it does not exist. */
export function netnsInode(namespace: string): number | null {
  try {
    return statSync(`/run/netns/${namespace}`).ino;
  } catch {
    return null;
  }
}

/** The given pids plus all their descendants (daemons fork helpers such as slurmscriptd). */
export function withDescendants(processes: readonly ProcessInfo[], pids: Iterable<number>): number[] {
  const result = new Set(pids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of processes) {
      if (!result.has(p.pid) && result.has(p.ppid)) {
        result.add(p.pid);
        grew = true;
      }
    }
  }
  return [...result];
}

/**
 * SIGKILLs the given processes and waits until none is alive (up to `timeoutMs`).
 * Daemons of a throwaway fixture need no graceful stop, and SIGKILL cannot be ignored.
 * Returns the pids that were still alive at the end.
 */
export async function killAndWait(pids: Iterable<number>, timeoutMs = 10_000): Promise<number[]> {
  const targets = [...new Set(pids)].filter((pid) => pid > 1 && pid !== process.pid && pid !== process.ppid);
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + timeoutMs;
  let alive = targets.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(20);
    alive = alive.filter(isAlive);
  }
  return alive;
}

/** Waits until the pid file names a live process (returns its pid) or `timeoutMs` passes (returns null). */
export async function waitForPidFile(path: string, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return pid;
    } catch {
      // not written yet
    }
    if (Date.now() >= deadline) return null;
    await sleep(20);
  }
}
