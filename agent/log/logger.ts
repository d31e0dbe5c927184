/**
 * Structured JSON logs (pino) on stderr. Stdout is reserved for command output (NDJSON results),
 * so logs never corrupt a pipe such as `edge-agent infer a.jpg | jq`.
 *
 * Secrets never reach a line: fields named like secrets (password, token, authorization, private
 * key ...) are censored by pino's `redact` paths, and URL credentials are cut out of the message
 * and every string field (support/redact.ts), whichever part of the agent or which library wrote
 * them.
 */
import { pino, type Logger } from 'pino';
import { REDACTED, withoutUrlCredentials } from '../support/redact.js';

export type { Logger };

/** Log levels a config or the CLI may select. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const secretFields = ['password', 'passphrase', 'secret', 'token', 'authToken', 'authorization', 'privateKey', 'credentials', 'apiKey', 'svcuid'];

/**
 * pino `redact` paths: each secret field at the top of a line, one and two levels down (`err.details`,
 * `options.tls`), and in HTTP headers. Exported so the test can check every path is censored.
 */
export const redactPaths: readonly string[] = [
  ...secretFields.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

// Deep enough for `err.details.url`; a log line is never deeper where a URL is concerned.
const maxDepth = 4;

/** `value` with URL credentials removed from every string in it (a copy only where something changed). */
export function scrubUrls(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return withoutUrlCredentials(value);
  if (value === null || typeof value !== 'object' || depth >= maxDepth) return value;
  // Serialized as pino would (type, message, stack, cause), then scrubbed like any object.
  if (value instanceof Error) return scrubUrls({ ...pino.stdSerializers.err(value) }, depth);
  if (Array.isArray(value)) {
    const items = value.map((v) => scrubUrls(v, depth + 1));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const scrubbed = scrubUrls(v, depth + 1);
    if (scrubbed !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = scrubbed;
  }
  return out ?? value;
}

/** Creates the agent's logger writing JSON lines to stderr (fd 2), synchronously so a crash loses no line. */
export function createLogger(level: LogLevel = 'info', bindings: Record<string, unknown> = {}): Logger {
  return pino(loggerOptions(level, bindings), pino.destination({ fd: 2, sync: true }));
}

/** The options createLogger gives pino (exported so a test can log into a buffer with the same rules). */
export function loggerOptions(level: LogLevel, bindings: Record<string, unknown>): pino.LoggerOptions {
  const bound = Object.keys(bindings);
  return {
    level,
    base: { ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...redactPaths], censor: REDACTED },
    hooks: {
      // The message string (and format arguments) of every call.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? withoutUrlCredentials(a) : a)) as Parameters<typeof method>);
      },
    },
    formatters: {
      log(object) {
        const scrubbed = scrubUrls(object) as Record<string, unknown>;
        // A field the logger already carries (deviceId) is written once, not again per call.
        if (!bound.some((k) => k in scrubbed)) return scrubbed;
        const copy = { ...scrubbed };
        for (const k of bound) delete copy[k];
        return copy;
      },
    },
  };
}

/** A logger that drops everything; for tests and library use without logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
