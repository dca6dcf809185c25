import type { NodeConnection } from '../../cluster/node.js';

const removed = new WeakMap<NodeConnection, Promise<void>>();

/**
 * Remove the run's directory on a node, at most once per connection. The sampler's
 * teardown does it (the sampler ends on its own once the directory is gone, so no
 * separate kill command is needed); the cleanup registered at connect covers runs
 * that failed before a sampler started. A failed removal is tried again by the next caller.
 */
export function removeRunDirectory(conn: NodeConnection, runId: string): Promise<void> {
  let removal = removed.get(conn);
  if (!removal) {
    removal = conn.exec(['rm', '-rf', '--', `${conn.workdir}/${runId}`], { timeoutMs: 30_000 }).then(() => undefined);
    removed.set(conn, removal);
    removal.catch(() => removed.delete(conn));
  }
  return removal;
}
