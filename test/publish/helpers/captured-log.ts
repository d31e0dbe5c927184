/** A real pino logger whose lines a test can read back (and whose bytes it can count). */
import pino from 'pino';
import type { Logger } from '../../../agent/log/logger.js';

/** One parsed log line. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** The logger and what it wrote. */
export interface CapturedLog {
  logger: Logger;
  lines: LogLine[];
  /** Bytes written, as they would reach a journal or a file. */
  bytes(): number;
  /** Lines at warn (40) or above. */
  warnings(): LogLine[];
}

/** A logger at `level` (the agent's default is info) writing into memory. */
export function captureLog(level: pino.Level = 'info'): CapturedLog {
  const lines: LogLine[] = [];
  let bytes = 0;
  const logger = pino({ level, timestamp: pino.stdTimeFunctions.isoTime }, {
    write(chunk: string) {
      bytes += Buffer.byteLength(chunk);
      lines.push(JSON.parse(chunk) as LogLine);
    },
  });
  return { logger, lines, bytes: () => bytes, warnings: () => lines.filter((l) => l.level >= 40) };
}
