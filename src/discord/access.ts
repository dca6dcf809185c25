import type { Config } from '../config.js';
import { UserError } from './user-error.js';

/** Who sent an interaction, reduced to what access checks need. */
export interface Invoker {
  id: string;
  name: string;
  roles: readonly string[];
  channelId: string | null;
  guildId: string | null;
}

export type AccessConfig = Pick<Config, 'DISCORD_ALLOWED_ROLES' | 'DISCORD_ALLOWED_CHANNELS' | 'DISCORD_ADMIN_ROLES'>;

/** Throws a {@link UserError} unless the invoker may start runs here. Empty lists allow everyone/everywhere. */
export function assertMayBench(invoker: Invoker, config: AccessConfig): void {
  if (invoker.guildId === null || invoker.channelId === null) {
    throw new UserError('not_in_guild', 'Benchmarks run from a server channel, not from direct messages.');
  }
  const channels = config.DISCORD_ALLOWED_CHANNELS;
  if (channels.length > 0 && !channels.includes(invoker.channelId)) {
    throw new UserError(
      'not_allowed_channel',
      `/bench is not enabled in this channel; use ${channels.map((c) => `<#${c}>`).join(', ')}.`,
    );
  }
  const roles = config.DISCORD_ALLOWED_ROLES;
  if (roles.length > 0 && !invoker.roles.some((r) => roles.includes(r) || config.DISCORD_ADMIN_ROLES.includes(r))) {
    throw new UserError(
      'not_allowed_role',
      `You need one of the roles ${roles.map((r) => `<@&${r}>`).join(', ')} to start benchmarks.`,
    );
  }
}

/** Whether the invoker may cancel a run requested by `requesterId`. */
export function mayCancel(invoker: Invoker, requesterId: string, config: AccessConfig): boolean {
  return invoker.id === requesterId || invoker.roles.some((r) => config.DISCORD_ADMIN_ROLES.includes(r));
}
