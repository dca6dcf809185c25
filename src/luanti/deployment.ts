import type { NodeConnection } from '../cluster/node.js';
import { writeTextFiles } from '../cluster/write-text-files.js';
import type { RunSpec } from '../jobs/run-spec.js';
import { probeFilePath, probeModFiles } from './probe-mod.js';
import { serverConfig, stepBudgetMs, worldMt } from './server-config.js';

/** What {@link deployServer} needs. */
export interface ServerDeploymentOptions {
  /** The run's directory on the node (absolute). */
  runDir: string;
  /** UDP port to listen on. */
  port: number;
  /** Address to bind (default `0.0.0.0`). */
  bindAddress?: string;
  bots: number;
  game: string;
  /** Path of the server binary on the node (LUANTI_SERVER_BIN). */
  serverBin: string;
  settings?: RunSpec['serverSettings'];
}

/** Where the deployed files are and how to start the server. */
export interface ServerDeployment {
  configPath: string;
  worldDir: string;
  /** The server's own log file (`--logfile`). */
  logPath: string;
  /** The probe mod's output, for the sampler's probe argument. */
  probePath: string;
  port: number;
  /** `dedicated_server_step` in ms. */
  budgetMs: number;
  /** argv to start the server; the pipeline spawns it (its own process group, pid file). */
  argv: string[];
}

/** The paths of a deployment under a run directory (pure; used by {@link deployServer}). */
export function deploymentPaths(
  runDir: string,
): Pick<ServerDeployment, 'configPath' | 'worldDir' | 'logPath' | 'probePath'> {
  if (!runDir.startsWith('/')) throw new RangeError(`runDir "${runDir}" must be an absolute path`);
  const dir = runDir.replace(/\/+$/, '');
  const worldDir = `${dir}/world`;
  return {
    configPath: `${dir}/minetest.conf`,
    worldDir,
    logPath: `${dir}/server-debug.txt`,
    probePath: probeFilePath(worldDir),
  };
}

/**
 * The argv that starts the server. `--port` is passed besides the config because Debian's
 * `/usr/games/minetestserver` wrapper prepends its own `--config /etc/minetest/minetest.conf`
 * and `--logfile`; the later options win, and an explicit port leaves no doubt.
 */
export function serverArgv(
  serverBin: string,
  paths: ReturnType<typeof deploymentPaths>,
  game: string,
  port: number,
): string[] {
  return [
    serverBin,
    '--config',
    paths.configPath,
    '--world',
    paths.worldDir,
    '--gameid',
    game,
    '--port',
    String(port),
    '--logfile',
    paths.logPath,
  ];
}

/**
 * Writes `minetest.conf`, a fresh world's `world.mt` and the probe mod to the node, and
 * returns how to start the server. Validates everything before writing anything.
 */
export async function deployServer(node: NodeConnection, options: ServerDeploymentOptions): Promise<ServerDeployment> {
  const paths = deploymentPaths(options.runDir);
  const config = serverConfig({
    port: options.port,
    bots: options.bots,
    game: options.game,
    settings: options.settings,
    ...(options.bindAddress !== undefined ? { bindAddress: options.bindAddress } : {}),
  });
  const world = worldMt(options.game);
  await writeTextFiles(node, [
    { path: paths.configPath, content: config },
    { path: `${paths.worldDir}/world.mt`, content: world },
    ...probeModFiles().map((file) => ({ path: `${paths.worldDir}/${file.path}`, content: file.content })),
  ]);
  return {
    ...paths,
    port: options.port,
    budgetMs: stepBudgetMs(options.settings),
    argv: serverArgv(options.serverBin, paths, options.game, options.port),
  };
}
