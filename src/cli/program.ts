import { Command } from 'commander';
import { TOOL_VERSION } from '../version.js';
import { registerDeployCommands } from './deploy-commands-command.js';
import { registerCompare } from './compare-command.js';
import { registerDoctor } from './doctor-command.js';
import { registerReport } from './report-command.js';
import { registerSwarm } from './swarm-command.js';
import { registerRun } from './run-command.js';

/** The `luanti-bench` command tree. Each subcommand lives in its own file beside this one. */
export function buildProgram(): Command {
  const program = new Command('luanti-bench')
    .description('Distributed load benchmarks of a Luanti server: every node measured, nothing left running.')
    .version(TOOL_VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerDoctor(program);
  registerSwarm(program);
  registerRun(program);
  registerDeployCommands(program);
  registerReport(program);
  registerCompare(program);
  return program;
}
