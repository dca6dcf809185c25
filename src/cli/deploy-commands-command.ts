import type { Command } from 'commander';
import { allCommands } from '../commands/index.js';
import { loadConfig, requireSetting } from '../config.js';
import { deployCommands } from '../discord/deploy-commands.js';
import { createRest } from '../discord/notifier.js';

export function registerDeployCommands(program: Command): void {
  program
    .command('deploy-commands')
    .description('Register the slash commands (/bench, /runs) for one guild, or globally without --guild.')
    .option('--guild <id>', 'guild id (default: DISCORD_GUILD_ID; global when neither is set)')
    .action(async (options: { guild?: string }) => {
      const config = loadConfig();
      const token = requireSetting(config, 'DISCORD_TOKEN', 'to register slash commands');
      const appId = requireSetting(config, 'DISCORD_APP_ID', 'to register slash commands');
      const guildId = options.guild ?? config.DISCORD_GUILD_ID ?? null;
      if (guildId !== null && !/^\d{17,20}$/.test(guildId)) {
        throw new Error(`--guild ${JSON.stringify(guildId)} is not a Discord snowflake (17-20 digits)`);
      }
      const registered = await deployCommands(
        createRest(config.DISCORD_API_URL, token),
        appId,
        guildId,
        allCommands(config).map((c) => c.data),
      );
      process.stdout.write(
        `Registered ${registered.map((c) => `/${c.name}`).join(', ')} ${guildId ? `in guild ${guildId}` : 'globally (may take up to an hour to appear)'}.\n`,
      );
    });
}
