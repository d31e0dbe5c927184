/** The CLI's logger: warnings and errors only, unless EDGE_AGENT_LOG_LEVEL or --log-level says otherwise. */
import { readEnvironment } from '../config/environment.js';
import { createLogger, type Logger, type LogLevel } from '../log/logger.js';

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A stderr logger at the requested level (default warn, so command output stays readable). */
export function cliLogger(level?: string): Logger {
  const wanted = level ?? readEnvironment().logLevel ?? 'warn';
  return createLogger((LEVELS as readonly string[]).includes(wanted) ? (wanted as LogLevel) : 'warn');
}
