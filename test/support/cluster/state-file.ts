import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Everything one test cluster made, written BEFORE each thing is made, so that
 * `cleanupLeftovers` finds it even when the process that started the cluster
 * was killed half-way. Lives at a fixed path derived from the id.
 */
export interface ClusterState {
  id: string;
  octet: number;
  /** The fixture directory (null until created). */
  dir: string | null;
  /** Network namespaces, recorded before they are created. */
  namespaces: string[];
  /** /etc/netns/<ns> directories (per-namespace /etc/hosts). */
  etcDirs: string[];
  /** Daemons started, with what they are. */
  pids: { pid: number; label: string }[];
  /** Pid of the process that started the cluster. */
  owner: number;
}

/** Base directory of fixture dirs and state files: fixed (not $TMPDIR) so a later run finds them. */
export const FIXTURE_BASE = '/tmp';

/** `/tmp/luanti-bench-testcluster-<id>.json` */
export function stateFilePath(id: string): string {
  return `${FIXTURE_BASE}/luanti-bench-testcluster-${id}.json`;
}

/**
 * Every fixture dir of cluster `id` starts with this. Ids cannot contain '.', so no id's
 * prefix matches another id's dirs, nor the state file.
 */
export function fixtureDirPrefix(id: string): string {
  return `${FIXTURE_BASE}/luanti-bench-testcluster-${id}.dir-`;
}

/** The recorded state, or null when there is none or it is unreadable. */
export function readState(id: string): ClusterState | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(stateFilePath(id), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null) return null;
    const state = parsed as Partial<ClusterState>;
    return {
      id,
      octet: typeof state.octet === 'number' ? state.octet : 0,
      dir: typeof state.dir === 'string' ? state.dir : null,
      namespaces: Array.isArray(state.namespaces) ? state.namespaces.filter((n) => typeof n === 'string') : [],
      etcDirs: Array.isArray(state.etcDirs) ? state.etcDirs.filter((n) => typeof n === 'string') : [],
      pids: Array.isArray(state.pids) ? state.pids.filter((p) => typeof p?.pid === 'number') : [],
      owner: typeof state.owner === 'number' ? state.owner : 0,
    };
  } catch {
    return null;
  }
}

/** Writes atomically (rename), so a crash never leaves half a file. */
export function writeState(state: ClusterState): void {
  const path = stateFilePath(state.id);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, path);
}

export function removeState(id: string): void {
  rmSync(stateFilePath(id), { force: true });
}
