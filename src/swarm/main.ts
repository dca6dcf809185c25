#!/usr/bin/env node
// The standalone swarm, bundled to dist/swarm.bundle.mjs and shipped to bot nodes, where it runs under
// plain `node` with nothing else installed: no src/config.ts, no pino.
import { parseArgs } from 'node:util';
import { runSwarm } from './run-swarm.js';
import { parseSwarmArgs, SWARM_USAGE, SwarmUsageError } from './swarm-args.js';

declare const __TOOL_VERSION__: string | undefined;
const VERSION = typeof __TOOL_VERSION__ === 'string' ? __TOOL_VERSION__ : '0.0.0-dev';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      server: { type: 'string' },
      bots: { type: 'string' },
      prefix: { type: 'string' },
      behaviour: { type: 'string' },
      ramp: { type: 'string' },
      duration: { type: 'string' },
      password: { type: 'string' },
      'wait-for-go': { type: 'boolean' },
      'view-range': { type: 'string' },
      'start-index': { type: 'string' },
      speed: { type: 'string' },
      version: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (values.help) {
    process.stdout.write(`Usage: node swarm.bundle.mjs --server HOST:PORT --bots N [options]\n${SWARM_USAGE}\n`);
    return 0;
  }
  const options = parseSwarmArgs({
    server: values.server,
    bots: values.bots,
    prefix: values.prefix,
    behaviour: values.behaviour,
    ramp: values.ramp,
    duration: values.duration,
    password: values.password,
    waitForGo: values['wait-for-go'],
    viewRange: values['view-range'],
    startIndex: values['start-index'],
    speed: values.speed,
  });
  return runSwarm(options, {
    writeLine: (line) => process.stdout.write(`${line}\n`),
    writeError: (line) => process.stderr.write(`${line}\n`),
    stdin: process.stdin,
    version: VERSION,
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const e = err as Error;
  const usage = e instanceof SwarmUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`${e.name}: ${e.message}\n`);
  process.exitCode = usage ? 2 : 1;
}
// Stdin may still be open from the barrier; nothing else should keep the process alive.
process.stdin.destroy();
