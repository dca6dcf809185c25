import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { formatChecks, runDoctor } from '../doctor.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check this machine and the configuration: Node, Redis, Luanti server, SSH files.')
    .action(async () => {
      const results = await runDoctor(loadConfig());
      process.stdout.write(`${formatChecks(results)}\n`);
      if (results.some((r) => !r.ok)) process.exitCode = 1;
    });
}
