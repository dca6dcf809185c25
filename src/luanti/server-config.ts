import { isIP } from 'node:net';
import { z } from 'zod';
import { SERVER_SETTING_WHITELIST, type RunSpec } from '../jobs/run-spec.js';

/** Inputs of {@link serverConfig}. */
export interface ServerConfigInput {
  /** UDP port, 1..65535. */
  port: number;
  /** Address to bind: an IPv4/IPv6 literal; `0.0.0.0` (default) for all IPv4 interfaces. */
  bindAddress?: string;
  /** Bots the run will connect; `max_users` leaves a margin above it. */
  bots: number;
  /** The user's whitelisted settings (RunSpec.serverSettings), validated again here. */
  settings?: RunSpec['serverSettings'];
  /** Game id (`devtest`, `minetest_game`, …); written as `default_game`. */
  game: string;
}

/** A value the server config cannot take: names the setting, the value and what is allowed. */
export class ServerConfigError extends Error {
  override readonly name = 'ServerConfigError';
}

/** Game ids are directory names under games/: lowercase letters, digits, `_` and `-`. */
export const GAME_ID_PATTERN = /^[a-z0-9_-]{1,64}$/;

/** Bots may exceed `max_users` by a reconnect or two; the margin keeps those from being refused. */
export function maxUsersFor(bots: number): number {
  return bots + Math.max(10, Math.ceil(bots * 0.1));
}

/**
 * The tool's fixed settings. Why each one: announce off (never advertise a test server);
 * damage off and creative on so `build` bots can place and nobody dies (death handling
 * differs between 5.6 and 5.10); empty passwords allowed because bots register with one;
 * anticheat off (both the ≤5.9 and the ≥5.10 names) because a lagging server would otherwise
 * "correct" bots and the benchmark would measure the corrections; a fixed seed so runs map-gen
 * the same terrain; `action` log level because the join/leave lines are at that level.
 */
function fixedSettings(input: ServerConfigInput): [string, string | number | boolean][] {
  const bind = input.bindAddress ?? '0.0.0.0';
  return [
    ['port', input.port],
    ['bind_address', bind],
    ['ipv6_server', isIP(bind) === 6],
    ['server_announce', false],
    ['server_name', 'luanti-bench'],
    ['server_description', 'luanti-bench load test server'],
    ['motd', ''],
    ['max_users', maxUsersFor(input.bots)],
    ['enable_damage', false],
    ['creative_mode', true],
    ['disallow_empty_password', false],
    ['default_password', ''],
    ['strict_protocol_version_checking', false],
    ['disable_anticheat', true],
    ['anticheat_flags', 'nodigging,nointeraction,nomovement'],
    ['fixed_map_seed', 'luanti-bench'],
    ['default_game', input.game],
    ['debug_log_level', 'action'],
    ['secure.enable_security', true],
    ['enable_rollback_recording', false],
  ];
}

function validate(input: ServerConfigInput): RunSpec['serverSettings'] {
  const problems: string[] = [];
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) {
    problems.push(`port ${String(input.port)}: must be an integer from 1 to 65535`);
  }
  if (input.bindAddress !== undefined && isIP(input.bindAddress) === 0) {
    problems.push(`bindAddress "${input.bindAddress}": must be an IPv4 or IPv6 address literal`);
  }
  if (!Number.isInteger(input.bots) || input.bots < 0 || input.bots > 100_000) {
    problems.push(`bots ${String(input.bots)}: must be an integer from 0 to 100000`);
  }
  if (!GAME_ID_PATTERN.test(input.game)) {
    problems.push(`game "${input.game}": must be a game id of lowercase letters, digits, _ or - (e.g. devtest)`);
  }
  const parsed = z
    .object(SERVER_SETTING_WHITELIST)
    .partial()
    .strict()
    .safeParse(input.settings ?? {});
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.') || 'settings';
      const allowed = Object.keys(SERVER_SETTING_WHITELIST).join(', ');
      problems.push(
        issue.code === 'unrecognized_keys'
          ? `settings: ${issue.message}; allowed: ${allowed}`
          : `${key} ${JSON.stringify((input.settings as Record<string, unknown>)[key])}: ${issue.message}`,
      );
    }
  }
  if (problems.length > 0) throw new ServerConfigError(problems.join('; '));
  return parsed.success ? parsed.data : {};
}

/** `minetest.conf` text for one run: the tool's fixed settings, then the user's whitelisted ones. */
export function serverConfig(input: ServerConfigInput): string {
  const settings = validate(input);
  const lines = ['# Written by luanti-bench for one run; the whitelisted user settings come last.'];
  for (const [key, value] of fixedSettings(input)) lines.push(`${key} = ${String(value)}`);
  for (const [key, value] of Object.entries(settings)) {
    if (value !== undefined) lines.push(`${key} = ${String(value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The server step budget in ms: `dedicated_server_step` (Luanti default 0.09 s). */
export function stepBudgetMs(settings: RunSpec['serverSettings'] | undefined): number {
  return (settings?.dedicated_server_step ?? 0.09) * 1000;
}

/** `world.mt` for a fresh world of `game`, everything in SQLite (no extra server packages needed). */
export function worldMt(game: string): string {
  if (!GAME_ID_PATTERN.test(game)) {
    throw new ServerConfigError(`game "${game}": must be a game id of lowercase letters, digits, _ or -`);
  }
  return [
    `gameid = ${game}`,
    'backend = sqlite3',
    'player_backend = sqlite3',
    'auth_backend = sqlite3',
    'mod_storage_backend = sqlite3',
    '',
  ].join('\n');
}
