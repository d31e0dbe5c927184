/**
 * Structured JSON logs (pino) on stderr. Stdout is reserved for command output (NDJSON results),
 * so logs never corrupt a pipe such as `edge-agent infer a.jpg | jq`.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Log levels a config or the CLI may select. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Creates the agent's logger writing JSON lines to stderr (fd 2), synchronously so a crash loses no line. */
export function createLogger(level: LogLevel = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything; for tests and library use without logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
