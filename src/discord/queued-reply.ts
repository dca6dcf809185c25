import type { APIActionRowComponent, APIButtonComponent } from 'discord-api-types/v10';
import { ButtonStyle, ComponentType } from 'discord-api-types/v10';
import type { RunSpec } from '../jobs/run-spec.js';
import { formatDuration } from './format.js';
import { describeSpec } from './run-description.js';

/** Prefix of the Cancel button's custom id: `cancel:<runId>`. */
export const CANCEL_PREFIX = 'cancel:';

/** A message as the builders return it: plain API JSON, so they stay testable without discord.js. */
export interface MessageBody {
  content: string;
  components?: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions?: { users?: string[]; parse?: [] };
}

export function cancelButtonRow(runId: string, disabled = false): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: 'Cancel',
        custom_id: `${CANCEL_PREFIX}${runId}`,
        disabled,
      },
    ],
  };
}

/** The run id in a Cancel button's custom id, or null. */
export function parseCancelId(customId: string): string | null {
  if (!customId.startsWith(CANCEL_PREFIX)) return null;
  const runId = customId.slice(CANCEL_PREFIX.length);
  return /^run-\d+$/.test(runId) ? runId : null;
}

/** The immediate answer to /bench: run id, position, what will happen, and a Cancel button. */
export function buildQueuedReply(input: { runId: string; position: number; spec: RunSpec; etaS: number }): MessageBody {
  const { runId, position, spec, etaS } = input;
  const when =
    position <= 1
      ? 'It starts now.'
      : `Position **${position}** in the queue (${position - 1} run${position === 2 ? '' : 's'} ahead, starts in about ${formatDuration(etaS)}).`;
  return {
    content: [
      `**${runId}** queued: ${describeSpec(spec)}.`,
      when,
      'Progress and the report will be posted in this channel.',
    ].join('\n'),
    components: [cancelButtonRow(runId)],
    allowed_mentions: { parse: [] },
  };
}
