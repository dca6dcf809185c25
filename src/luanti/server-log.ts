/**
 * Parses Luanti server log lines (`YYYY-MM-DD HH:MM:SS: LEVEL[Thread]: message`) into the
 * events the pipeline waits for or reports. Pure. The formats were checked on 5.6.1 and 5.10
 * (facts/luanti.md §3); Luanti ≥5.9 prints the same lines.
 */

/** One thing the server said that matters to a run. */
export type ServerLogEvent =
  /** The server opened its socket (on 5.6 printed even when the bind then fails: wait for steps too). */
  | { type: 'listening'; gameid: string; address: string; port: number }
  | { type: 'join'; name: string; ip: string | null; players: string[] }
  | { type: 'leave'; name: string; players: string[] }
  | { type: 'timeout'; name: string; players: string[] }
  /** A client was refused because `max_users` was reached. */
  | { type: 'full'; name: string }
  | { type: 'bind_failed'; message: string }
  | { type: 'shutdown' }
  | { type: 'error'; message: string };

/** A parsed log line: its time (as written, server local time) and level, plus the event if any. */
export interface ServerLogLine {
  time: string | null;
  level: string | null;
  thread: string | null;
  message: string;
}

const LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): (?:([A-Z]+)\[([^\]]*)\]|\[([^\]]*)\]): (.*)$/;

/** Splits a log line into time, level, thread and message; lines without the prefix are all message. */
export function splitLogLine(line: string): ServerLogLine {
  const m = LINE.exec(line.trimEnd());
  if (!m) return { time: null, level: null, thread: null, message: line.trimEnd() };
  return { time: m[1] ?? null, level: m[2] ?? null, thread: m[3] ?? m[4] ?? null, message: m[5] ?? '' };
}

function playerList(rest: string | undefined): string[] {
  return (rest ?? '').trim().split(/\s+/).filter(Boolean);
}

/** The event a log line reports, or null for lines that do not matter. */
export function parseServerLogLine(line: string): ServerLogEvent | null {
  const { level, message } = splitLogLine(line);
  let m = /^Server for gameid="([^"]*)" listening on (.+):(\d+)\.?$/.exec(message);
  if (m)
    return { type: 'listening', gameid: m[1] ?? '', address: (m[2] ?? '').replace(/^\[|\]$/g, ''), port: Number(m[3]) };
  m = /^(\S+) \[([^\]]*)\] joins game\. List of players: ?(.*)$/.exec(message);
  if (m) return { type: 'join', name: m[1] ?? '', ip: m[2] || null, players: playerList(m[3]) };
  m = /^(\S+) joins game\. List of players: ?(.*)$/.exec(message);
  if (m) return { type: 'join', name: m[1] ?? '', ip: null, players: playerList(m[2]) };
  m = /^(\S+) leaves game\. List of players: ?(.*)$/.exec(message);
  if (m) return { type: 'leave', name: m[1] ?? '', players: playerList(m[2]) };
  m = /^(\S+) times out\. List of players: ?(.*)$/.exec(message);
  if (m) return { type: 'timeout', name: m[1] ?? '', players: playerList(m[2]) };
  m =
    /^Server: (\S+) tried to join from \S+, but (?:there are already max_users=\d+ players|the user limit was reached)/.exec(
      message,
    );
  if (m) return { type: 'full', name: m[1] ?? '' };
  if (/Bind failed|Failed to bind socket/i.test(message)) return { type: 'bind_failed', message };
  if (/^Server: Shutting down$/.test(message)) return { type: 'shutdown' };
  if (level === 'ERROR') return { type: 'error', message };
  return null;
}

/** The engine and version from the first line of `minetestserver --version` (`Minetest 5.6.1 (Linux)`, `Luanti 5.10.0 …`). */
export function parseVersionLine(line: string): { engine: string; version: string } | null {
  const m = /^(Minetest|Luanti)\s+(\d+\.\d+\.\d+\S*)/.exec(line.trim());
  return m ? { engine: m[1] ?? '', version: m[2] ?? '' } : null;
}
