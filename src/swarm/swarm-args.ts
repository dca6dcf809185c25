import { MAX_WALK_SPEED } from './behaviour/walk.js';
import type { SwarmBehaviour, SwarmOptions } from './swarm.js';

/** Luanti's PLAYERNAME_SIZE is 20, but a 20-character name fails at CLIENT_READY on 5.6.1: 19 is the real limit. */
export const MAX_NAME_LENGTH = 19;
/** Luanti ≥5.9 drops new peers beyond 30 per second. */
export const MAX_RAMP_PER_S = 30;
const BEHAVIOURS: readonly SwarmBehaviour[] = ['idle', 'walk', 'build'];

/** The swarm's command-line values as strings/flags, before validation (shared by the CLI and the bundle). */
export interface RawSwarmArgs {
  server?: string;
  bots?: string;
  prefix?: string;
  behaviour?: string;
  ramp?: string;
  duration?: string;
  password?: string;
  waitForGo?: boolean;
  viewRange?: string;
  startIndex?: string;
  speed?: string;
}

/** Validated settings of one swarm process. */
export interface SwarmRunOptions {
  swarm: Partial<SwarmOptions> & Pick<SwarmOptions, 'host' | 'port' | 'bots'>;
  /** Seconds from the start (after `go`) until the swarm leaves by itself; 0 = until a signal. Default 60. */
  durationS: number;
  waitForGo: boolean;
}

/** A bad command-line value; the message names the value and what is allowed. */
export class SwarmUsageError extends Error {
  override readonly name = 'SwarmUsageError';
  readonly code = 'swarm_usage';
}

function number(
  flag: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  int: boolean,
): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min || v > max) {
    throw new SwarmUsageError(
      `${flag} "${raw}" is not allowed: use ${int ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  }
  return v;
}

/** Parse `HOST:PORT` (IPv6 as `[::1]:30000`). */
export function parseServer(raw: string | undefined): { host: string; port: number } {
  if (!raw) throw new SwarmUsageError('--server is required: give HOST:PORT, e.g. 127.0.0.1:30000');
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new SwarmUsageError(`--server "${raw}" is not HOST:PORT with a port from 1 to 65535 (e.g. 127.0.0.1:30000)`);
  }
  return { host: (m[1] ?? m[2])!, port };
}

/** Validate everything up front, including every bot name the swarm will use. */
export function parseSwarmArgs(raw: RawSwarmArgs): SwarmRunOptions {
  const { host, port } = parseServer(raw.server);
  if (raw.bots === undefined) throw new SwarmUsageError('--bots is required: how many bots this process runs');
  const bots = number('--bots', raw.bots, 1, 1, 100_000, true);
  const prefix = raw.prefix ?? 'bot';
  if (!/^[a-z0-9_-]+$/.test(prefix)) {
    throw new SwarmUsageError(`--prefix "${prefix}" is not allowed: use lowercase letters, digits, _ or -`);
  }
  const startIndex = number('--start-index', raw.startIndex, 1, 0, 1_000_000_000, true);
  const longest = `${prefix}${startIndex + bots - 1}`;
  if (longest.length > MAX_NAME_LENGTH) {
    throw new SwarmUsageError(
      `bot name "${longest}" (--prefix "${prefix}", --start-index ${startIndex}, --bots ${bots}) has ${longest.length} characters; Luanti accepts at most ${MAX_NAME_LENGTH}`,
    );
  }
  const behaviour = (raw.behaviour ?? 'walk') as SwarmBehaviour;
  if (!BEHAVIOURS.includes(behaviour)) {
    throw new SwarmUsageError(`--behaviour "${raw.behaviour}" is not allowed: use ${BEHAVIOURS.join(', ')}`);
  }
  return {
    swarm: {
      host,
      port,
      bots,
      prefix,
      startIndex,
      behaviour,
      rampPerS: number('--ramp', raw.ramp, 10, 0.1, MAX_RAMP_PER_S, false),
      password: raw.password ?? '',
      viewRangeNodes: number('--view-range', raw.viewRange, 80, 16, 1000, true),
      walkSpeed: number('--speed', raw.speed, 3, 0.1, MAX_WALK_SPEED, false),
    },
    durationS: number('--duration', raw.duration, 60, 0, 86_400 * 7, false),
    waitForGo: raw.waitForGo ?? false,
  };
}

/** Help text of the swarm's options, shared by `luanti-bench swarm --help` and the bundle. */
export const SWARM_USAGE = `Options:
  --server HOST:PORT      Luanti server (required)
  --bots N                bots in this process (required)
  --prefix P              name prefix, lowercase (default bot); names are P + index, at most 19 characters
  --start-index K         first index (default 1), so several nodes use distinct names
  --behaviour B           idle | walk | build (default walk)
  --ramp R                joins per second, at most 30 (default 10)
  --duration S            seconds until the bots leave, 0 = until SIGTERM/SIGINT (default 60)
  --password PW           account password (default empty)
  --wait-for-go           print a ready line, then wait for "go" on stdin before joining
  --view-range N          view range in nodes (default 80)
  --speed V               walk speed in nodes per second, at most 4 (default 3)`;
