import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '../support/discord-emulator/emulator.js';
import { appEnv } from '../support/discord-emulator/processes.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('luanti-bench deploy-commands (CLI process against the emulator)', () => {
  const emulator = new DiscordEmulator();
  beforeAll(async () => {
    await emulator.start();
  });
  afterAll(async () => {
    await emulator.stop();
  });

  const cli = (args: string[]) =>
    run(resolve(ROOT, 'node_modules/.bin/tsx'), [resolve(ROOT, 'src/cli.ts'), 'deploy-commands', ...args], {
      cwd: ROOT,
      env: appEnv(emulator, 'unused', { BENCH_MAX_NODES: '4' }),
    });

  it('registers /bench and /runs in one guild, or globally', async () => {
    const guild = await cli(['--guild', emulator.guildId]);
    expect(guild.stdout).toContain(`Registered /bench, /runs in guild ${emulator.guildId}`);
    const global = await cli([]);
    expect(global.stdout).toContain('globally');
    const routes = emulator.registeredCommands.map((c) => c.route);
    expect(routes).toEqual([
      `/applications/${emulator.appId}/guilds/${emulator.guildId}/commands`,
      `/applications/${emulator.appId}/commands`,
    ]);
    const body = emulator.registeredCommands[0]?.body as {
      name: string;
      options: { name: string; max_value?: number }[];
    }[];
    expect(body.map((c) => c.name)).toEqual(['bench', 'runs']);
    expect(body[0]?.options.find((o) => o.name === 'nodes')?.max_value).toBe(4);
  });

  it('refuses a guild id that is not a snowflake', async () => {
    await expect(cli(['--guild', 'abc'])).rejects.toMatchObject({
      stderr: expect.stringContaining('not a Discord snowflake'),
    });
  });
});
