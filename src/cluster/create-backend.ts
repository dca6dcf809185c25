import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ClusterBackend } from './backend.js';
import { LocalCluster } from './local.js';

/** What {@link createBackend} may use besides the configuration. */
export interface BackendDeps {
  logger: Logger;
  /** Needed by `static` clusters to lock hosts across workers. */
  redis?: Redis;
}

/** The cluster backend that CLUSTER names, built from the SSH_*, STATIC_HOSTS, SLURM_* and REMOTE_WORKDIR settings. */
export function createBackend(config: Config, deps: BackendDeps): ClusterBackend {
  switch (config.CLUSTER) {
    case 'local':
      return new LocalCluster({
        workdir: config.REMOTE_WORKDIR,
        maxNodes: config.BENCH_MAX_NODES,
        logger: deps.logger,
      });
    default:
      throw new Error(`CLUSTER=${config.CLUSTER} is not implemented yet; use CLUSTER=local`);
  }
}
