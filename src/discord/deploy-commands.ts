import type { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';

/** Register (overwrite) the slash commands for one guild, or globally when `guildId` is null. */
export async function deployCommands(
  rest: REST,
  appId: string,
  guildId: string | null,
  commands: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
): Promise<{ id: string; name: string }[]> {
  const route = guildId ? Routes.applicationGuildCommands(appId, guildId) : Routes.applicationCommands(appId);
  return (await rest.put(route, { body: commands })) as { id: string; name: string }[];
}
