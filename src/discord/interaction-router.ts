import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { BotContext } from './bot-context.js';
import { cancelRun } from './cancel-run.js';
import { invokerOf } from './invoker.js';
import { cancelButtonRow, parseCancelId } from './queued-reply.js';
import { UserError } from './user-error.js';

/** A slash command: its registration JSON and its handlers. */
export interface SlashCommand {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
}

/**
 * The one place that routes interactions and triages errors: user mistakes are
 * shown ephemerally with their code; anything else is logged with the
 * interaction id, and the user gets that id to quote.
 */
export function createInteractionHandler(
  commands: readonly SlashCommand[],
  ctx: BotContext,
): (interaction: Interaction) => Promise<void> {
  const byName = new Map(commands.map((c) => [c.data.name, c]));
  return async (interaction) => {
    try {
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (!command) throw new UserError('unknown_command', `Unknown command /${interaction.commandName}.`);
        await command.execute(interaction, ctx);
      } else if (interaction.isAutocomplete()) {
        await byName.get(interaction.commandName)?.autocomplete?.(interaction, ctx);
      } else if (interaction.isButton()) {
        await handleButton(interaction, ctx);
      }
    } catch (error) {
      await triage(interaction, error, ctx);
    }
  };
}

async function handleButton(interaction: ButtonInteraction, ctx: BotContext): Promise<void> {
  const runId = parseCancelId(interaction.customId);
  if (!runId) return;
  const outcome = await cancelRun(ctx, runId, invokerOf(interaction));
  // Update the message the button sits on, so everybody sees the cancel and nobody presses twice.
  const previous = interaction.message.content ?? '';
  await interaction.update({
    content: `${previous}\n${outcome.message}`.slice(-2000),
    components: [cancelButtonRow(runId, true)],
    allowedMentions: { parse: [] },
  });
}

async function triage(interaction: Interaction, error: unknown, ctx: BotContext): Promise<void> {
  const log = ctx.logger.child({ interaction: interaction.id, user: interaction.user.id });
  let text: string;
  if (error instanceof UserError) {
    log.info({ code: error.code }, `user error: ${error.message}`);
    text = `⚠️ ${error.message} (\`${error.code}\`)`;
  } else {
    log.error({ err: briefError(error) }, 'interaction failed');
    text = `💥 Something went wrong on our side. Quote \`${interaction.id}\` when you report it.`;
  }
  if (!interaction.isRepliable()) {
    if (interaction.isAutocomplete() && !interaction.responded) await interaction.respond([]).catch(() => undefined);
    return;
  }
  try {
    if (interaction.deferred || interaction.replied) {
      await interaction.followUp({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    } else {
      await interaction.reply({ content: text, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    }
  } catch (replyError) {
    log.warn({ err: replyError }, 'could not tell the user about the error');
  }
}

/** What to log of an error: discord.js REST errors carry the whole request body, attachments included. */
function briefError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const extra = error as Error & { status?: number; code?: unknown; method?: string; url?: string };
  return {
    type: error.name,
    message: error.message,
    stack: error.stack,
    status: extra.status,
    code: extra.code,
    method: extra.method,
    url: extra.url,
  };
}
