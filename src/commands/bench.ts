import { SlashCommandBuilder, type ChatInputCommandInteraction } from 'discord.js';
import type { Config } from '../config.js';
import { enqueueRun, QueueLimitError } from '../jobs/queue.js';
import { BEHAVIOURS } from '../jobs/run-spec.js';
import { assertMayBench } from '../discord/access.js';
import { MAX_LABEL_LENGTH, parseBenchOptions } from '../discord/bench-options.js';
import type { BotContext } from '../discord/bot-context.js';
import type { SlashCommand } from '../discord/interaction-router.js';
import { invokerOf } from '../discord/invoker.js';
import { etaSeconds } from '../discord/queue-view.js';
import { buildQueuedReply } from '../discord/queued-reply.js';
import { UserError } from '../discord/user-error.js';

/** `/bench nodes:<int> bots:<int> [duration] [behaviour] [ramp] [label]`, limits from config. */
export function benchCommand(config: Config): SlashCommand {
  const data = new SlashCommandBuilder()
    .setName('bench')
    .setDescription('Run a load benchmark of the Luanti server on the cluster')
    .addIntegerOption((o) =>
      o
        .setName('nodes')
        .setDescription('Nodes: node 1 runs the server, the others the bots')
        .setRequired(true)
        .setMinValue(1)
        .setMaxValue(config.BENCH_MAX_NODES),
    )
    .addIntegerOption((o) =>
      o
        .setName('bots')
        .setDescription('Simulated players in total')
        .setRequired(true)
        .setMinValue(1)
        .setMaxValue(config.BENCH_MAX_BOTS),
    )
    .addIntegerOption((o) =>
      o
        .setName('duration')
        .setDescription('Load phase in seconds (default 120)')
        .setMinValue(5)
        .setMaxValue(config.BENCH_MAX_DURATION_S),
    )
    .addStringOption((o) =>
      o
        .setName('behaviour')
        .setDescription('What the bots do (default walk)')
        .addChoices(...BEHAVIOURS.map((b) => ({ name: b, value: b }))),
    )
    .addNumberOption((o) =>
      o.setName('ramp').setDescription('Joins per second (default 10)').setMinValue(0.1).setMaxValue(30),
    )
    .addStringOption((o) =>
      o.setName('label').setDescription('Free text shown in the report').setMaxLength(MAX_LABEL_LENGTH),
    )
    .toJSON();
  return { data, execute: (interaction, ctx) => executeBench(interaction, ctx) };
}

async function executeBench(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const invoker = invokerOf(interaction);
  assertMayBench(invoker, ctx.config);
  const spec = parseBenchOptions(
    interaction.options.data.map((o) => ({ name: o.name, type: o.type, value: o.value })),
    ctx.config,
  );
  let queued: Awaited<ReturnType<typeof enqueueRun>>;
  try {
    queued = await enqueueRun(
      ctx.queue,
      {
        spec,
        requester: { id: invoker.id, name: invoker.name },
        channelId: invoker.channelId ?? '',
        guildId: invoker.guildId,
      },
      { maxQueuedPerUser: ctx.config.BENCH_MAX_QUEUED_PER_USER, nextRunNumber: () => ctx.nextRunNumber() },
    );
  } catch (error) {
    if (error instanceof QueueLimitError) {
      throw new UserError(
        'too_many_queued',
        `You already have ${error.queued} run(s) queued or running; the limit is ${error.limit}. Wait for one to finish or cancel one.`,
      );
    }
    throw error;
  }
  ctx.logger.info({ run: queued.runId, position: queued.position, user: invoker.id }, 'run queued');
  const eta = etaSeconds(queued.ahead, queued.ahead.length, ctx.now(), ctx.config.BASELINE_S);
  const reply = buildQueuedReply({ runId: queued.runId, position: queued.position, spec, etaS: eta });
  await interaction.reply({
    content: reply.content,
    components: reply.components ?? [],
    allowedMentions: { parse: [] },
  });
}
