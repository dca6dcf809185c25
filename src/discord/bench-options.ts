import { ApplicationCommandOptionType } from 'discord-api-types/v10';
import type { Config } from '../config.js';
import { BEHAVIOURS, InvalidSpecError, parseRunSpec, type RunSpec } from '../jobs/run-spec.js';
import { UserError } from './user-error.js';

/** One option as Discord delivers it (`interaction.options.data`); values are untrusted. */
export interface RawOption {
  name: string;
  type: number;
  value?: unknown;
}

/** Limits on /bench, from config. */
export type BenchLimits = Pick<Config, 'BENCH_MAX_NODES' | 'BENCH_MAX_BOTS' | 'BENCH_MAX_DURATION_S'>;

/** Longest label accepted; the spec allows 200 but a Discord line should stay readable. */
export const MAX_LABEL_LENGTH = 100;

const OPTION_TYPES: Record<string, ApplicationCommandOptionType> = {
  nodes: ApplicationCommandOptionType.Integer,
  bots: ApplicationCommandOptionType.Integer,
  duration: ApplicationCommandOptionType.Integer,
  ramp: ApplicationCommandOptionType.Number,
  behaviour: ApplicationCommandOptionType.String,
  label: ApplicationCommandOptionType.String,
};

const TYPE_NAMES: Partial<Record<number, string>> = {
  [ApplicationCommandOptionType.Integer]: 'an integer',
  [ApplicationCommandOptionType.Number]: 'a number',
  [ApplicationCommandOptionType.String]: 'text',
};

/**
 * Turn the raw /bench options into a validated {@link RunSpec}. Discord enforces
 * the option limits in its client, but a forged request does not go through it,
 * so every type, range and character is checked again here.
 */
export function parseBenchOptions(options: readonly RawOption[], limits: BenchLimits): RunSpec {
  const values = new Map<string, unknown>();
  for (const option of options) {
    const expected = OPTION_TYPES[option.name];
    if (expected === undefined) {
      throw new UserError(
        'invalid_option',
        `Unknown option \`${clip(option.name)}\`; allowed: ${Object.keys(OPTION_TYPES).join(', ')}.`,
      );
    }
    if (option.type !== expected || !valueHasType(option.value, expected)) {
      throw new UserError(
        'invalid_option',
        `Option \`${option.name}\` must be ${TYPE_NAMES[expected] ?? 'of another type'} (got ${describe(option.value)}).`,
      );
    }
    values.set(option.name, option.value);
  }
  const problems: string[] = [];
  const nodes = values.get('nodes');
  const bots = values.get('bots');
  const duration = values.get('duration');
  if (nodes === undefined) problems.push('`nodes` is required');
  if (bots === undefined) problems.push('`bots` is required');
  checkRange(problems, 'nodes', nodes, 1, limits.BENCH_MAX_NODES);
  checkRange(problems, 'bots', bots, 1, limits.BENCH_MAX_BOTS);
  checkRange(problems, 'duration', duration, 5, limits.BENCH_MAX_DURATION_S);
  const behaviour = values.get('behaviour');
  if (typeof behaviour === 'string' && !(BEHAVIOURS as readonly string[]).includes(behaviour)) {
    problems.push(`\`behaviour\` ${describe(behaviour)} is not one of ${BEHAVIOURS.join(', ')}`);
  }
  const label = values.get('label');
  if (typeof label === 'string') {
    if (label.length > MAX_LABEL_LENGTH) {
      problems.push(`\`label\` is ${label.length} characters; at most ${MAX_LABEL_LENGTH} are allowed`);
    } else if (!/^[\p{L}\p{N} ._,:()+#/-]*$/u.test(label)) {
      // Labels end up in Discord messages and file names; plain words keep both safe.
      problems.push('`label` may contain letters, digits, spaces and . _ , : ( ) + # / - only');
    }
  }
  if (problems.length > 0) throw new UserError('invalid_spec', capitalise(`${problems.join('; ')}.`));
  try {
    return parseRunSpec({
      nodes,
      bots,
      ...(duration !== undefined ? { durationS: duration } : {}),
      ...(values.has('ramp') ? { rampPerS: values.get('ramp') } : {}),
      ...(behaviour !== undefined ? { behaviour } : {}),
      ...(label !== undefined ? { label: (label as string).trim() } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidSpecError) throw new UserError('invalid_spec', error.message);
    throw error;
  }
}

function valueHasType(value: unknown, type: ApplicationCommandOptionType): boolean {
  if (type === ApplicationCommandOptionType.Integer) return typeof value === 'number' && Number.isSafeInteger(value);
  if (type === ApplicationCommandOptionType.Number) return typeof value === 'number' && Number.isFinite(value);
  return typeof value === 'string';
}

function checkRange(problems: string[], name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number') return;
  if (value < min || value > max) problems.push(`\`${name}\` is ${value}; allowed ${min}–${max}`);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return `${typeof value} ${clip(JSON.stringify(value) ?? String(value))}`;
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
