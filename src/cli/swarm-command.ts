import type { Command } from 'commander';
import { runSwarm } from '../swarm/run-swarm.js';
import { parseSwarmArgs, type RawSwarmArgs } from '../swarm/swarm-args.js';
import { TOOL_VERSION } from '../version.js';

/** `luanti-bench swarm`: the same code as the bundled swarm (src/swarm/main.ts), run from the CLI. */
export function registerSwarm(program: Command): void {
  program
    .command('swarm')
    .description('Run headless Luanti players against a server; prints one JSON stats line per second.')
    .requiredOption('--server <host:port>', 'Luanti server')
    .requiredOption('--bots <n>', 'bots in this process')
    .option('--prefix <p>', 'name prefix, lowercase; names are prefix + index, at most 19 characters', 'bot')
    .option('--start-index <k>', 'first index, so several nodes use distinct names', '1')
    .option('--behaviour <b>', 'idle | walk | build', 'walk')
    .option('--ramp <r>', 'joins per second, at most 30', '10')
    .option('--duration <s>', 'seconds until the bots leave, 0 = until SIGTERM/SIGINT', '60')
    .option('--password <pw>', 'account password', '')
    .option('--wait-for-go', 'print a ready line, then wait for "go" on stdin before joining')
    .option('--view-range <n>', 'view range in nodes', '80')
    .option('--speed <v>', 'walk speed in nodes per second, at most 4', '3')
    .action(async (opts: RawSwarmArgs) => {
      const options = parseSwarmArgs(opts);
      process.exitCode = await runSwarm(options, {
        writeLine: (line) => process.stdout.write(`${line}\n`),
        writeError: (line) => process.stderr.write(`${line}\n`),
        stdin: process.stdin,
        version: TOOL_VERSION,
      });
      // The barrier may have opened stdin; it must not keep the process alive.
      process.stdin.destroy();
    });
}
