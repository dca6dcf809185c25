import { BOT_COMMAND_PLACEHOLDERS } from '../run-spec.js';
import { BotCommandError } from './errors.js';

/** Values substituted into an external bot command template, one swarm's share. */
export type BotCommandValues = Record<(typeof BOT_COMMAND_PLACEHOLDERS)[number], string | number>;

const PLACEHOLDER = /\{([a-z]*)\}/g;

/**
 * Substitute `{host} {port} {count} {prefix} {duration}` in each argv element.
 * The result is passed as argv, never through a shell, so a value can not
 * split into words or inject commands. Unknown placeholders are an error
 * naming the element and what is allowed.
 */
export function substituteBotCommand(template: readonly string[], values: BotCommandValues): string[] {
  return template.map((element, i) =>
    element.replace(PLACEHOLDER, (whole, key: string) => {
      if ((BOT_COMMAND_PLACEHOLDERS as readonly string[]).includes(key)) {
        return String(values[key as keyof BotCommandValues]);
      }
      throw new BotCommandError(
        `bot command element ${i} (${JSON.stringify(element)}) uses ${whole}; allowed placeholders: ${BOT_COMMAND_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`,
      );
    }),
  );
}
