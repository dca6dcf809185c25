import { pino, type Logger } from 'pino';
import { isInteractive, type Config } from './config.js';

export type { Logger } from 'pino';

/** Fields a child logger is bound to, so every line says which run, phase and node it is about. */
export interface LogBindings {
  run?: string;
  phase?: string;
  node?: string;
}

/**
 * The root logger: pretty in a terminal, JSON lines otherwise (for log shippers).
 * Logs go to stderr so that stdout stays free for command output (tables, swarm stats).
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>): Logger {
  const pretty = config.LOG_FORMAT === 'pretty' || (config.LOG_FORMAT === 'auto' && isInteractive());
  if (pretty) {
    return pino({
      level: config.LOG_LEVEL,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ level: config.LOG_LEVEL }, pino.destination(2));
}

/** A child logger bound to run, phase and node. */
export function bindLogger(logger: Logger, bindings: LogBindings): Logger {
  return logger.child(bindings);
}

/** A logger that drops everything: for tests and library callers that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
