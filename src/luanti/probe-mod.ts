/**
 * The probe: a tiny world mod that records every server step, so server performance is
 * measured even where the engine has no Prometheus (Debian's 5.6.1). Its output lives in the
 * world directory but outside `worldmods/`, the only place mod security lets a plain mod
 * write (`io.open` elsewhere throws and would abort the server).
 *
 * Output format (parsed by `probe-parser.ts`): a header line, then one CSV line per step
 * ```
 * # luanti-bench probe v1 wall_s,us,dtime_s,players,max_lag_s
 * 1733333333,123456789,0.09,0,0.0999
 * ```
 * `wall_s` is `os.time()` (whole seconds of wall clock) and `us` is `core.get_us_time()`
 * (monotonic µs, not wall time): the parser combines the two to put steps on the wall clock.
 * `dtime_s` is what the engine passed to the globalstep (a multiple of the nominal step on
 * 5.6; the measured wall time of the step from 5.9). Lines are buffered and written about once
 * a second so the probe itself does not load the server.
 */

/** Mod name (the directory under `worldmods/`). */
export const PROBE_MOD_NAME = 'luanti_bench_probe';

/** File name of the probe output inside the world directory. */
export const PROBE_FILE_NAME = 'luanti-bench-probe.csv';

/** First line of the probe output; the version lets the parser refuse a format it does not know. */
export const PROBE_HEADER = '# luanti-bench probe v1 wall_s,us,dtime_s,players,max_lag_s';

/** `init.lua` of the probe mod. */
export const PROBE_INIT_LUA = `-- luanti-bench probe: one line per server step, flushed about once a second.
local path = core.get_worldpath() .. "/${PROBE_FILE_NAME}"
local file, err = io.open(path, "w")
if not file then
  core.log("error", "[${PROBE_MOD_NAME}] cannot write " .. path .. ": " .. tostring(err))
  return
end
file:write("${PROBE_HEADER}\\n")
file:flush()

local buf, n = {}, 0
local last_flush = core.get_us_time()
local fmt = string.format
local get_us, get_players, get_lag = core.get_us_time, core.get_connected_players, core.get_server_max_lag

local function flush()
  if n > 0 and file then
    file:write(table.concat(buf, "", 1, n))
    file:flush()
    buf, n = {}, 0
  end
end

core.register_globalstep(function(dtime)
  local now = get_us()
  n = n + 1
  buf[n] = fmt("%d,%d,%.6f,%d,%.6f\\n", os.time(), now, dtime, #get_players(), get_lag() or 0)
  if now - last_flush >= 1000000 then
    flush()
    last_flush = now
  end
end)

core.register_on_shutdown(function()
  flush()
  if file then
    file:close()
    file = nil
  end
end)
`;

/** `mod.conf` of the probe mod. */
export const PROBE_MOD_CONF = `name = ${PROBE_MOD_NAME}
description = luanti-bench step probe: per-step timing, players and max lag
`;

/** The probe mod's files, relative to the world directory. */
export function probeModFiles(): { path: string; content: string }[] {
  return [
    { path: `worldmods/${PROBE_MOD_NAME}/init.lua`, content: PROBE_INIT_LUA },
    { path: `worldmods/${PROBE_MOD_NAME}/mod.conf`, content: PROBE_MOD_CONF },
  ];
}

/** Where the probe writes, for a world directory (absolute). */
export function probeFilePath(worldDir: string): string {
  return `${worldDir.replace(/\/+$/, '')}/${PROBE_FILE_NAME}`;
}
