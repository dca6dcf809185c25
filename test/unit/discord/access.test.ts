import { describe, expect, it } from 'vitest';
import { assertMayBench, mayCancel, type Invoker } from '../../../src/discord/access.js';

const base: Invoker = { id: 'u1', name: 'alice', roles: [], channelId: 'c1', guildId: 'g1' };
const open = { DISCORD_ALLOWED_ROLES: [], DISCORD_ALLOWED_CHANNELS: [], DISCORD_ADMIN_ROLES: [] };

describe('access checks', () => {
  it('empty lists allow everyone everywhere, but not direct messages', () => {
    expect(() => assertMayBench(base, open)).not.toThrow();
    expect(() => assertMayBench({ ...base, guildId: null }, open)).toThrow(
      expect.objectContaining({ code: 'not_in_guild' }),
    );
  });

  it('refuses users without an allowed role and channels not listed; admins pass the role check', () => {
    const config = {
      ...open,
      DISCORD_ALLOWED_ROLES: ['r1'],
      DISCORD_ALLOWED_CHANNELS: ['c1'],
      DISCORD_ADMIN_ROLES: ['admin'],
    };
    expect(() => assertMayBench(base, config)).toThrow(expect.objectContaining({ code: 'not_allowed_role' }));
    expect(() => assertMayBench({ ...base, roles: ['r1'] }, config)).not.toThrow();
    expect(() => assertMayBench({ ...base, roles: ['admin'] }, config)).not.toThrow();
    expect(() => assertMayBench({ ...base, roles: ['r1'], channelId: 'c2' }, config)).toThrow(
      expect.objectContaining({ code: 'not_allowed_channel' }),
    );
  });

  it('lets the requester or an admin cancel', () => {
    const config = { ...open, DISCORD_ADMIN_ROLES: ['admin'] };
    expect(mayCancel(base, 'u1', config)).toBe(true);
    expect(mayCancel(base, 'u2', config)).toBe(false);
    expect(mayCancel({ ...base, roles: ['admin'] }, 'u2', config)).toBe(true);
  });
});
