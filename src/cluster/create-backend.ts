import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, MissingSettingError, requireSetting, type Config } from '../config.js';
import type { ClusterBackend } from './backend.js';
import { KnownHosts } from './known-hosts.js';
import { LocalCluster } from './local.js';
import { SlurmCluster } from './slurm.js';
import { parseHostSpec, SshConnector, type SshConnectorOptions } from './ssh.js';
import { StaticCluster } from './static.js';

/** What {@link createBackend} may use besides the configuration. */
export interface BackendDeps {
  logger: Logger;
  /** Needed by `static` clusters to lock hosts across workers; owned by the caller (not closed here). */
  redis?: Redis;
}

/** The cluster backend that CLUSTER names, built from the SSH_*, STATIC_HOSTS, SLURM_* and REMOTE_WORKDIR settings. */
export function createBackend(config: Config, deps: BackendDeps): ClusterBackend {
  if (!isAbsolute(config.REMOTE_WORKDIR)) {
    throw new ConfigError([`REMOTE_WORKDIR=${JSON.stringify(config.REMOTE_WORKDIR)}: must be an absolute path`]);
  }
  const logger = deps.logger.child({ component: 'cluster' });
  switch (config.CLUSTER) {
    case 'local':
      return new LocalCluster({ workdir: config.REMOTE_WORKDIR, maxNodes: config.BENCH_MAX_NODES, logger });
    case 'static': {
      const defaults = { user: config.SSH_USER, port: config.SSH_PORT };
      if (config.STATIC_HOSTS.length === 0) throw new MissingSettingError('STATIC_HOSTS', 'for CLUSTER=static');
      const hosts = config.STATIC_HOSTS.map((spec) => parseSpec('STATIC_HOSTS', spec, defaults));
      if (!deps.redis) throw new Error('CLUSTER=static needs Redis to lock hosts between workers (REDIS_URL)');
      return new StaticCluster({
        hosts,
        redis: deps.redis,
        keyPrefix: `${config.QUEUE_PREFIX}:cluster`,
        connector: new SshConnector(sshOptions(config, logger, false)),
        waitTimeoutMs: config.SLURM_QUEUE_TIMEOUT_S * 1000,
        logger,
      });
    }
    case 'slurm':
      return new SlurmCluster({
        connector: new SshConnector(sshOptions(config, logger, true)),
        user: config.SSH_USER,
        port: config.SSH_PORT,
        partition: config.SLURM_PARTITION,
        constraint: config.SLURM_CONSTRAINT,
        account: config.SLURM_ACCOUNT,
        slurmConf: config.SLURM_CONF,
        queueTimeoutMs: config.SLURM_QUEUE_TIMEOUT_S * 1000,
        logger,
      });
  }
}

function parseSpec(key: string, spec: string, defaults: { user: string; port: number }) {
  try {
    return parseHostSpec(spec, defaults);
  } catch (error) {
    throw new ConfigError([`${key}=${JSON.stringify(spec)}: ${(error as Error).message}`]);
  }
}

function sshOptions(config: Config, logger: Logger, loginRequired: boolean): SshConnectorOptions {
  if (config.SSH_KEY === undefined && config.SSH_AUTH_SOCK === undefined) {
    throw new MissingSettingError('SSH_KEY', 'to log in to cluster nodes (or set SSH_AUTH_SOCK for an ssh-agent)');
  }
  let privateKey: Buffer | undefined;
  if (config.SSH_KEY !== undefined) {
    try {
      privateKey = readFileSync(config.SSH_KEY);
    } catch (error) {
      throw new ConfigError([
        `SSH_KEY=${JSON.stringify(config.SSH_KEY)}: cannot read it (${(error as Error).message})`,
      ]);
    }
  }
  const defaults = { user: config.SSH_USER, port: config.SSH_PORT };
  const loginSpec = loginRequired
    ? requireSetting(config, 'SSH_LOGIN_HOST', 'for CLUSTER=slurm (the login node that runs sbatch)')
    : config.SSH_LOGIN_HOST;
  // ssh2 reads no ~/.ssh/config; the user's known_hosts is the natural default.
  const knownHostsPath = config.SSH_KNOWN_HOSTS ?? join(homedir(), '.ssh', 'known_hosts');
  return {
    knownHosts: KnownHosts.loadSync(knownHostsPath, { trustOnFirstUse: config.SSH_TRUST_ON_FIRST_USE }),
    privateKey,
    passphrase: config.SSH_KEY_PASSPHRASE,
    agent: config.SSH_AUTH_SOCK,
    connectTimeoutMs: config.SSH_CONNECT_TIMEOUT_MS,
    login: loginSpec === undefined ? undefined : parseSpec('SSH_LOGIN_HOST', loginSpec, defaults),
    workdir: config.REMOTE_WORKDIR,
    logger,
  };
}
