import { z } from 'zod';

/** Bot behaviours the built-in swarm knows. */
export const BEHAVIOURS = ['idle', 'walk', 'build'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

/**
 * Server settings a user may change. Everything else in the server config is
 * fixed by the tool (port, max_users ≥ bots, damage off, announce off).
 */
export const SERVER_SETTING_WHITELIST = {
  dedicated_server_step: z.coerce.number().min(0.01).max(1),
  max_block_send_distance: z.coerce.number().int().min(1).max(32),
  max_block_generate_distance: z.coerce.number().int().min(1).max(32),
  active_block_range: z.coerce.number().int().min(1).max(16),
  max_simultaneous_block_sends_per_client: z.coerce.number().int().min(1).max(512),
  num_emerge_threads: z.coerce.number().int().min(0).max(32),
  mg_name: z.enum(['v7', 'v6', 'v5', 'flat', 'fractal', 'valleys', 'carpathian', 'singlenode']),
} as const;
export type ServerSettingName = keyof typeof SERVER_SETTING_WHITELIST;

const serverSettingsSchema = z.object(SERVER_SETTING_WHITELIST).partial().strict().default({});

/** Placeholders an external bot command template may use. */
export const BOT_COMMAND_PLACEHOLDERS = ['host', 'port', 'count', 'prefix', 'duration'] as const;

const botRuntimeSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('builtin') }),
    z.object({
      kind: z.literal('command'),
      /**
       * argv template, each element may contain `{host} {port} {count} {prefix} {duration}`.
       * It is never run through a shell; placeholders are substituted per element.
       */
      argv: z.array(z.string().min(1).max(1000)).min(1).max(64),
    }),
  ])
  .default({ kind: 'builtin' });

/** A bot name prefix: lowercase, leaves room for the index within Luanti's 19 usable characters. */
export const botPrefixSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,11}$/, 'lowercase letters, digits, _ or -, starting with a letter, at most 12 characters');

/** What a user asks for. Defaults are filled in by parsing. */
export const runSpecSchema = z.object({
  /** Node count; node 1 runs the server, the others the bots (with 1 node it runs both). */
  nodes: z.number().int().min(1).max(256),
  /** Total bots over all bot nodes. */
  bots: z.number().int().min(1).max(100_000),
  /** Load phase length in seconds. Default 120. */
  durationS: z.number().int().min(5).max(86_400).default(120),
  /** Joins per second per server (Luanti ≥5.9 throttles above 30 new peers/s). Default 10. */
  rampPerS: z.number().min(0.1).max(30).default(10),
  behaviour: z.enum(BEHAVIOURS).default('walk'),
  /** Free text shown in reports. Never passed to a shell. */
  label: z.string().max(200).default(''),
  botPrefix: botPrefixSchema.default('bot'),
  serverSettings: serverSettingsSchema,
  botRuntime: botRuntimeSchema,
});

export type RunSpec = z.infer<typeof runSpecSchema>;
export type RunSpecInput = z.input<typeof runSpecSchema>;

/** Bad spec: a `UserError`-style message naming each value and what is allowed. */
export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
  readonly code = 'invalid_spec';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** Parse and validate a spec, throwing {@link InvalidSpecError} with one message per bad value. */
export function parseRunSpec(input: unknown): RunSpec {
  const parsed = runSpecSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidSpecError(
    parsed.error.issues.map((issue) => {
      const path = issue.path.join('.') || 'spec';
      const given = issue.path.reduce<unknown>(
        (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k as PropertyKey] : undefined),
        input,
      );
      const shown = given === undefined ? '' : ` (got ${truncate(JSON.stringify(given), 60)})`;
      return `${path}${shown}: ${issue.message}`;
    }),
  );
}

function truncate(s: string | undefined, n: number): string {
  if (s === undefined) return 'undefined';
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * How many bots each bot node hosts: as even as possible, earlier nodes take the
 * remainder. With one node the server node hosts them all.
 */
export function splitBots(bots: number, nodes: number): number[] {
  const botNodes = Math.max(1, nodes - 1);
  const base = Math.floor(bots / botNodes);
  const extra = bots % botNodes;
  return Array.from({ length: botNodes }, (_, i) => base + (i < extra ? 1 : 0));
}
