import { z } from 'zod';

/**
 * The only reader of `process.env` (design.md). Every setting has a default or a
 * clear error naming the variable; secrets are never printed (see {@link redactConfig}).
 */

const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  )
  .pipe(z.array(z.string()));

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((s) => s === 'true' || s === '1' || s === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Environment variables, with defaults. Names are the variable names themselves. */
export const envSchema = z.object({
  // Discord (bot and worker). Required only by `bot`, `worker` and `deploy-commands`.
  DISCORD_TOKEN: z.string().optional(),
  DISCORD_APP_ID: z
    .string()
    .regex(/^\d{17,20}$/, 'a Discord snowflake (17-20 digits)')
    .optional(),
  DISCORD_GUILD_ID: z
    .string()
    .regex(/^\d{17,20}$/, 'a Discord snowflake (17-20 digits)')
    .optional(),
  /** Base of the REST API, e.g. the emulator's `http://127.0.0.1:PORT/api`. */
  DISCORD_API_URL: z.url().default('https://discord.com/api'),
  /** Role ids allowed to run /bench; empty = everyone. */
  DISCORD_ALLOWED_ROLES: csv.default([]),
  /** Channel ids where /bench may be used; empty = everywhere. */
  DISCORD_ALLOWED_CHANNELS: csv.default([]),
  /** Role ids that may cancel anybody's run. */
  DISCORD_ADMIN_ROLES: csv.default([]),

  // Limits on what a user may ask for.
  BENCH_MAX_NODES: int(1, 256).default(16),
  BENCH_MAX_BOTS: int(1, 100_000).default(1000),
  BENCH_MAX_DURATION_S: int(5, 86_400).default(1800),
  BENCH_MAX_QUEUED_PER_USER: int(1, 1000).default(3),

  // Queue.
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('luanti-bench'),

  // Where nodes come from.
  CLUSTER: z.enum(['local', 'static', 'slurm']).default('local'),
  /** `static`: comma list of `[user@]host[:port]`. */
  STATIC_HOSTS: csv.default([]),
  SSH_USER: z.string().default('root'),
  SSH_PORT: int(1, 65535).default(22),
  SSH_KEY: z.string().optional(),
  SSH_KEY_PASSPHRASE: z.string().optional(),
  /** Use the ssh-agent at this socket instead of (or besides) SSH_KEY. */
  SSH_AUTH_SOCK: z.string().optional(),
  SSH_KNOWN_HOSTS: z.string().optional(),
  /** Trust unknown host keys on first use and append them to SSH_KNOWN_HOSTS. Off by default. */
  SSH_TRUST_ON_FIRST_USE: bool.default(false),
  SSH_CONNECT_TIMEOUT_MS: int(1000, 600_000).default(20_000),
  /** Jump host (`[user@]host[:port]`) for slurm clusters and static hosts behind a gateway. */
  SSH_LOGIN_HOST: z.string().optional(),
  SLURM_PARTITION: z.string().optional(),
  SLURM_CONSTRAINT: z.string().optional(),
  SLURM_ACCOUNT: z.string().optional(),
  /** Path of slurm.conf on the login node, when it is not the default. */
  SLURM_CONF: z.string().optional(),
  SLURM_QUEUE_TIMEOUT_S: int(10, 86_400).default(1800),

  // On the nodes.
  LUANTI_SERVER_BIN: z.string().default('/usr/games/minetestserver'),
  LUANTI_GAME: z.string().default('devtest'),
  REMOTE_NODE_BIN: z.string().default('node'),
  REMOTE_WORKDIR: z.string().default('/tmp/luanti-bench'),

  // Measurement.
  METRICS_GATE_S: int(1, 600).default(15),
  BASELINE_S: int(0, 600).default(10),

  // Optional sinks and renderers.
  INFLUX_URL: z.url().optional(),
  INFLUX_TOKEN: z.string().optional(),
  INFLUX_ORG: z.string().default('luanti-bench'),
  INFLUX_BUCKET: z.string().default('luanti-bench'),
  QUICKCHART_URL: z.url().optional(),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty` in a terminal, `json` otherwise; `auto` picks by whether stderr is a TTY. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
});

export type Config = z.infer<typeof envSchema>;

/** Keys whose values are never printed. */
export const SECRET_KEYS = [
  'DISCORD_TOKEN',
  'INFLUX_TOKEN',
  'SSH_KEY_PASSPHRASE',
] as const satisfies readonly (keyof Config)[];

/** A setting is wrong: names the variable, its value (unless secret) and what is allowed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A setting needed by this entry point is missing. */
export class MissingSettingError extends Error {
  override readonly name = 'MissingSettingError';
  constructor(
    readonly key: keyof Config,
    purpose: string,
  ) {
    super(`${key} is not set; it is needed ${purpose}. See .env.example.`);
  }
}

type Env = Record<string, string | undefined>;

/** Parse settings from `env` (default: `process.env`). Empty strings count as unset. */
export function loadConfig(env: Env = process.env): Config {
  const picked: Env = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const parsed = envSchema.safeParse(picked);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '?');
    const secret = (SECRET_KEYS as readonly string[]).includes(key);
    const shown = secret ? '(hidden)' : JSON.stringify(picked[key]);
    return `${key}=${shown}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}

/** Fail with {@link MissingSettingError} unless `key` is set; returns its value. */
export function requireSetting<K extends keyof Config>(
  config: Config,
  key: K,
  purpose: string,
): NonNullable<Config[K]> {
  const value = config[key];
  if (value === undefined || value === null || value === '') throw new MissingSettingError(key, purpose);
  return value as NonNullable<Config[K]>;
}

/** The configuration with secrets replaced, safe to log or print. */
export function redactConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of SECRET_KEYS) if (out[key] !== undefined) out[key] = '(set)';
  return out;
}

/** Whether stderr is a terminal; read here because config is the one place that looks at the environment. */
export function isInteractive(): boolean {
  return Boolean(process.stderr.isTTY) && process.env.CI !== 'true';
}
