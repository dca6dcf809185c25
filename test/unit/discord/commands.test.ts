import { describe, expect, it } from 'vitest';
import { allCommands } from '../../../src/commands/index.js';
import { loadConfig } from '../../../src/config.js';

describe('slash command definitions', () => {
  it('/bench carries the configured limits and the behaviour choices', () => {
    const config = loadConfig({ BENCH_MAX_NODES: '8', BENCH_MAX_BOTS: '300', BENCH_MAX_DURATION_S: '600' });
    const [bench, runs] = allCommands(config);
    expect(bench?.data.name).toBe('bench');
    const opt = (name: string) =>
      bench?.data.options?.find((o) => o.name === name) as unknown as Record<string, unknown>;
    expect(opt('nodes')).toMatchObject({ type: 4, required: true, min_value: 1, max_value: 8 });
    expect(opt('bots')).toMatchObject({ type: 4, required: true, min_value: 1, max_value: 300 });
    expect(opt('duration')).toMatchObject({ type: 4, max_value: 600 });
    expect((opt('behaviour').choices as { value: string }[]).map((c) => c.value)).toEqual(['idle', 'walk', 'build']);
    expect(runs?.data.options?.map((o) => o.name)).toEqual(['queue', 'show', 'cancel', 'history', 'compare']);
  });
});
