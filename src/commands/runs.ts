import {
  MessageFlags,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ChatInputCommandInteraction,
} from 'discord.js';
import { listQueue, normaliseRunId } from '../jobs/queue.js';
import type { BotContext } from '../discord/bot-context.js';
import { cancelRun } from '../discord/cancel-run.js';
import { renderHistory } from '../discord/history-view.js';
import { clipText } from '../discord/format.js';
import { comparabilityWarnings, compareRuns, formatComparison } from '../report/compare.js';
import type { SlashCommand } from '../discord/interaction-router.js';
import { invokerOf } from '../discord/invoker.js';
import { basicSummary, basicVerdict, buildReportMessage, hasData } from '../discord/report-message.js';
import { renderQueue } from '../discord/queue-view.js';
import { UserError } from '../discord/user-error.js';
import type { RunResult } from '../jobs/benchmark/run-result.js';

/** `/runs queue|show|cancel|history|compare`. */
export function runsCommand(): SlashCommand {
  const data = new SlashCommandBuilder()
    .setName('runs')
    .setDescription('Benchmark runs: queue, reports, history')
    .addSubcommand((s) => s.setName('queue').setDescription('Running and waiting runs, with positions and ETAs'))
    .addSubcommand((s) =>
      s
        .setName('show')
        .setDescription('Post the report of a run again')
        .addStringOption((o) => o.setName('run').setDescription('Run id').setRequired(true).setAutocomplete(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('cancel')
        .setDescription('Cancel a queued or running run (yours, or any as admin)')
        .addStringOption((o) => o.setName('run').setDescription('Run id').setRequired(true).setAutocomplete(true)),
    )
    .addSubcommand((s) =>
      s
        .setName('history')
        .setDescription('Recent runs')
        .addIntegerOption((o) =>
          o.setName('count').setDescription('How many (default 10)').setMinValue(1).setMaxValue(25),
        ),
    )
    .addSubcommand((s) =>
      s
        .setName('compare')
        .setDescription('Two runs side by side')
        .addStringOption((o) => o.setName('a').setDescription('First run').setRequired(true).setAutocomplete(true))
        .addStringOption((o) => o.setName('b').setDescription('Second run').setRequired(true).setAutocomplete(true)),
    )
    .toJSON();
  return { data, execute: executeRuns, autocomplete: autocompleteRuns };
}

async function executeRuns(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void> {
  const sub = interaction.options.getSubcommand(true);
  if (sub === 'queue') {
    const entries = await listQueue(ctx.queue);
    await interaction.reply({
      content: renderQueue(entries, ctx.now(), ctx.config.BASELINE_S),
      flags: MessageFlags.Ephemeral,
      allowedMentions: { parse: [] },
    });
    return;
  }
  if (sub === 'cancel') {
    const outcome = await cancelRun(ctx, runIdOption(interaction, 'run'), invokerOf(interaction));
    await interaction.reply({ content: outcome.message, allowedMentions: { parse: [] } });
    return;
  }
  if (sub === 'history') {
    const count = interaction.options.getInteger('count') ?? 10;
    await interaction.reply({ content: renderHistory(await ctx.runs.list(count)), allowedMentions: { parse: [] } });
    return;
  }
  if (sub === 'compare') {
    const a = await storedRun(ctx, runIdOption(interaction, 'a'));
    const b = await storedRun(ctx, runIdOption(interaction, 'b'));
    const warnings = comparabilityWarnings(a, b).map((w) => `⚠️ ${w}`);
    const table = `\`\`\`\n${clipText(formatComparison(compareRuns(a, b)), 1400)}\n\`\`\``;
    await interaction.reply({ content: clipText([table, ...warnings].join('\n')), allowedMentions: { parse: [] } });
    return;
  }
  if (sub === 'show') {
    const result = await storedRun(ctx, runIdOption(interaction, 'run'));
    // Rendering a chart can take longer than the 3 s Discord allows for a reply.
    await interaction.deferReply();
    const summary = ctx.report ? ctx.report.summary(result) : basicSummary(result);
    const verdict = ctx.report ? ctx.report.verdict(result) : basicVerdict(result);
    let chart: Buffer | null = null;
    let chartError: string | undefined;
    if (hasData(result) && ctx.report) {
      chart = await ctx.report.renderChart(result).catch((e: unknown) => {
        chartError = e instanceof Error ? e.message : String(e);
        return null;
      });
    }
    const message = buildReportMessage(
      result,
      { summary, verdict, chart, ...(chartError ? { chartError } : {}) },
      { requesterId: null },
    );
    await interaction.editReply({
      content: message.content,
      files: message.files.map((f) => ({ attachment: f.data, name: f.name })),
      allowedMentions: { parse: [] },
    });
  }
}

function runIdOption(interaction: ChatInputCommandInteraction, name: string): string {
  const raw = interaction.options.getString(name, true);
  const runId = normaliseRunId(raw);
  if (!runId)
    throw new UserError('unknown_run', `\`${raw.slice(0, 40)}\` is not a run id; use a number like 7 or run-7.`);
  return runId;
}

async function storedRun(ctx: BotContext, runId: string): Promise<RunResult> {
  const result = await ctx.runs.get(runId);
  if (!result) throw new UserError('unknown_run', `No finished run \`${runId}\` is stored. See \`/runs history\`.`);
  return result;
}

/** Suggest queued runs first (for cancel), then recent stored runs. */
async function autocompleteRuns(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const typed = String(interaction.options.getFocused()).toLowerCase().replace(/^run-/, '');
  const sub = interaction.options.getSubcommand(false);
  const choices: { name: string; value: string }[] = [];
  const entries = await listQueue(ctx.queue).catch(() => []);
  for (const e of entries) {
    choices.push({
      name: `${e.runId} (${e.state}) ${e.data.spec.nodes} nodes, ${e.data.spec.bots} bots`,
      value: e.runId,
    });
  }
  if (sub !== 'cancel') {
    for (const r of await ctx.runs.list(25).catch(() => [])) {
      choices.push({ name: `${r.runId} (${r.state}) ${r.spec.nodes} nodes, ${r.spec.bots} bots`, value: r.runId });
    }
  }
  const filtered = choices.filter((c) => c.value.replace(/^run-/, '').startsWith(typed)).slice(0, 25);
  await interaction.respond(filtered.map((c) => ({ name: c.name.slice(0, 100), value: c.value })));
}
