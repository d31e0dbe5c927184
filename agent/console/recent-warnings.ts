/**
 * The warnings and errors the agent logged lately, for the console: a bounded ring in memory.
 * A logger is watched by wrapping it (and every child it makes), so no part of the agent needs to
 * know the console exists. Only a few known fields are kept (message, camera, model, code, the
 * error's message), each scrubbed of URL credentials and cut short, so a secret field a log call
 * carries (censored by pino in the log itself) never reaches the page.
 */
import type { Logger } from '../log/logger.js';
import { withoutUrlCredentials } from '../support/redact.js';

/** One remembered log line. */
export interface RecentWarning {
  at: string;
  level: 'warn' | 'error' | 'fatal';
  message: string;
  camera?: string;
  model?: string;
  code?: string;
  error?: string;
}

const KEPT_FIELDS = ['camera', 'model', 'code'] as const;
const MAX_TEXT = 300;
const WATCHED = new Set(['warn', 'error', 'fatal']);

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return withoutUrlCredentials(v).slice(0, MAX_TEXT);
  if (typeof v === 'number') return String(v);
  return undefined;
}

function errorText(v: unknown): string | undefined {
  if (v instanceof Error) return text(v.message);
  if (v !== null && typeof v === 'object' && 'message' in v) return text(v.message);
  return text(v);
}

/** A ring of the newest `capacity` warnings; counts what it let go. */
export class RecentWarnings {
  private readonly items: RecentWarning[] = [];
  /** Warnings that fell out of the ring (for the page's "n older" note). */
  dropped = 0;

  constructor(private readonly capacity: number) {}

  /** The remembered warnings, newest last. */
  list(): readonly RecentWarning[] {
    return this.items;
  }

  /** Remembers one log call's arguments (pino's forms: `(obj, msg)`, `(msg)`, `(err, msg)`). */
  record(level: RecentWarning['level'], args: readonly unknown[], bindings: Readonly<Record<string, unknown>>): void {
    if (this.capacity === 0) return;
    const [first, second] = args;
    const obj = first !== null && typeof first === 'object' && !(first instanceof Error) ? (first as Record<string, unknown>) : {};
    const message = text(typeof first === 'string' ? first : second) ?? (first instanceof Error ? first.message : '');
    const w: RecentWarning = { at: new Date().toISOString(), level, message: withoutUrlCredentials(message).slice(0, MAX_TEXT) };
    for (const key of KEPT_FIELDS) {
      const v = text(obj[key] ?? bindings[key]);
      if (v !== undefined) w[key] = v;
    }
    const err = first instanceof Error ? errorText(first) : errorText(obj['err'] ?? obj['error']);
    if (err !== undefined) w.error = err;
    this.items.push(w);
    if (this.items.length > this.capacity) {
      this.items.shift();
      this.dropped++;
    }
  }

  /** `logger`, with every warn/error/fatal call (its children's too) also remembered here. */
  watch(logger: Logger, bindings: Readonly<Record<string, unknown>> = {}): Logger {
    return new Proxy(logger, {
      get: (target, key, receiver) => {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof key !== 'string' || typeof value !== 'function') return value;
        if (WATCHED.has(key)) {
          const method = value as (...a: unknown[]) => void;
          return (...a: unknown[]): void => {
            // Only lines the logger's level lets through: the page shows what the log shows.
            if (target.isLevelEnabled(key)) this.record(key as RecentWarning['level'], a, bindings);
            method.apply(target, a);
          };
        }
        if (key === 'child') {
          const child = value as (b: Record<string, unknown>, o?: unknown) => Logger;
          return (b: Record<string, unknown>, o?: unknown): Logger => this.watch(child.call(target, b, o), { ...bindings, ...b });
        }
        return value;
      },
    });
  }
}
