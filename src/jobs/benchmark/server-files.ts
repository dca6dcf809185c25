import type { RunSpec } from '../run-spec.js';

/**
 * The probe mod: one line per server step with wall seconds, monotonic µs,
 * the engine's dtime, players online and max lag. Buffered and flushed about
 * once a second so the probe does not itself load the server.
 */
export const PROBE_MOD_INIT = `local path = core.get_worldpath() .. "/benchprobe.log"
local f = io.open(path, "w")
-- last = 0: the first step is flushed at once, which tells the pipeline the server steps.
local buf, n, last = {}, 0, 0
core.register_globalstep(function(dtime)
  local now = core.get_us_time()
  n = n + 1
  buf[n] = os.time() .. " " .. now .. " " .. dtime .. " " .. #core.get_connected_players() .. " " .. core.get_server_max_lag() .. "\\n"
  if now - last >= 1000000 and f then
    f:write(table.concat(buf, "", 1, n))
    f:flush()
    buf, n, last = {}, 0, now
  end
end)
core.register_on_shutdown(function()
  if f then f:write(table.concat(buf, "", 1, n)); f:close(); f = nil end
end)
`;

export const PROBE_MOD_CONF = 'name = benchprobe\ndescription = luanti-bench step probe\n';

/** minetest.conf for one run: the tool's fixed settings, then the user's whitelisted ones. */
export function serverConfig(spec: RunSpec, port: number): string {
  const settings: Record<string, string | number | boolean> = {
    port,
    server_announce: false,
    max_users: spec.bots + 10,
    enable_damage: false,
    creative_mode: true,
    disallow_empty_password: false,
    default_password: '',
    ipv6_server: false,
    // Bots may move faster than anticheat expects when the server lags; that is not what we measure.
    disable_anticheat: true,
    server_name: 'luanti-bench',
    motd: '',
    ...spec.serverSettings,
  };
  return `${Object.entries(settings)
    .map(([k, v]) => `${k} = ${String(v)}`)
    .join('\n')}\n`;
}

/** dedicated_server_step of a spec, ms (Luanti default 0.09 s). */
export function stepBudgetMs(spec: RunSpec): number {
  return (spec.serverSettings.dedicated_server_step ?? 0.09) * 1000;
}
