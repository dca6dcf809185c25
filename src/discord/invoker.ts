import type { Interaction } from 'discord.js';
import type { Invoker } from './access.js';

/**
 * The invoker of an interaction. The member is a cached GuildMember or, when
 * the guild is not cached, the raw API member whose roles are an id array.
 */
export function invokerOf(interaction: Interaction): Invoker {
  const member = interaction.member;
  let roles: string[] = [];
  if (member) roles = Array.isArray(member.roles) ? [...member.roles] : [...member.roles.cache.keys()];
  return {
    id: interaction.user.id,
    name: interaction.user.globalName ?? interaction.user.username,
    roles,
    channelId: interaction.channelId,
    guildId: interaction.guildId,
  };
}
