#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';

/** Entry point of `luanti-bench`: the pipeline without Discord or Redis, plus helper subcommands. */
async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed help, the version or the usage error.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    const err = error as Error;
    process.stderr.write(`${err.name}: ${err.message}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
