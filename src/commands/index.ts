import type { Config } from '../config.js';
import type { SlashCommand } from '../discord/interaction-router.js';
import { benchCommand } from './bench.js';
import { runsCommand } from './runs.js';

/** Every slash command, for the router and for `deploy-commands`. */
export function allCommands(config: Config): SlashCommand[] {
  return [benchCommand(config), runsCommand()];
}
