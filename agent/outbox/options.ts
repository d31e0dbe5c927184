/**
 * What a caller may tune about the outbox, with defaults, and the check that refuses nonsense
 * values before the database is touched. Limits are bounds on pending rows: when one is hit the
 * oldest pending rows are dropped, counted by reason and recorded (see drop-oldest.ts).
 */
import type { Logger } from '../log/logger.js';
import type { DropReason } from './drop-oldest.js';
import { outboxErrors } from './errors.js';

/** `synchronous` pragma values the outbox supports (docs/outbox.md explains the choice). */
export type OutboxSynchronous = 'full' | 'normal';

/** Options for `SqliteOutbox.open`. Only `path` and `logger` are required. */
export interface SqliteOutboxOptions {
  /** The database file, normally `<dataDir>/outbox.sqlite` (see outboxPath()). */
  path: string;
  logger: Logger;
  /** Most pending rows kept (results and drop records). */
  maxRows?: number;
  /** Most payload bytes (UTF-8) kept in pending rows. */
  maxBytes?: number;
  /** Pending rows older than this are dropped; null keeps rows for ever. */
  maxAgeMs?: number | null;
  /**
   * Below this much free space on the outbox's file system the outbox is short of disk: it logs
   * it, deletes acknowledged rows at once and checkpoints the WAL after every write, and grows
   * only while more than `diskHeadroomBytes` stays free.
   */
  minFreeDiskBytes?: number;
  /** Free space the outbox never takes: when growing would leave less, it reuses free pages in its file, then drops its oldest rows. */
  diskHeadroomBytes?: number;
  /** Delivered rows are kept this long (for inspection), then deleted in batches; 0 deletes at once. */
  deliveredRetentionMs?: number;
  /** Most rows kept in the dead-letter table; the oldest go first. */
  maxDeadLetterRows?: number;
  /** When a row or byte limit is hit, drop down to this fraction below it, so drops come in batches. */
  dropFraction?: number;
  /** Space kept claimed in `<path>-reserve` and released on a full disk, so old rows can still be dropped; 0 disables. */
  diskReserveBytes?: number;
  /** How often free disk space is measured (statfs), in ms. */
  diskCheckIntervalMs?: number;
  /** How often expired delivered rows are pruned, in ms. */
  pruneIntervalMs?: number;
  /** Durability of each commit; see docs/outbox.md for the measured trade-off. */
  synchronous?: OutboxSynchronous;
  /**
   * WAL checkpoints and the seq mark's reservations run on a background thread (outbox-thread.ts),
   * off the event loop, at the cost of that thread's memory (docs/benchmarks.md, issue 17); false
   * leaves both on the calling thread, as SQLite's auto-checkpoint and an on-the-spot mark write.
   */
  backgroundThread?: boolean;
  /** Topic of drop records; by default the topic of the newest row dropped. */
  dropTopic?: string;
  /** Extra fields put into every drop record's payload (for example deviceId, schemaVersion). */
  dropRecordFields?: Record<string, unknown>;
  /**
   * Called after a commit that dropped rows under a limit, once per reason, with the number of
   * results dropped (drop records folded into a new one are not counted again). The composition
   * root passes the `edge_agent_outbox_dropped_rows_total` counter. It must not throw.
   */
  onDropped?: (reason: DropReason, rows: number) => void;
  /** Called after rows that failed their checksum were dead-lettered, with how many; the root passes the corrupt-rows counter. Must not throw. */
  onCorrupt?: (rows: number) => void;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Free-space probe, injectable for tests; defaults to statfs on the database's directory. */
  freeDiskBytes?: (dir: string) => number;
}

/** Options with every default filled in. */
export type ResolvedOutboxOptions = Required<Omit<SqliteOutboxOptions, 'dropTopic' | 'freeDiskBytes' | 'onDropped' | 'onCorrupt'>> & {
  dropTopic: string | null;
  freeDiskBytes: ((dir: string) => number) | null;
  onDropped: ((reason: DropReason, rows: number) => void) | null;
  onCorrupt: ((rows: number) => void) | null;
};

/** Defaults: generous bounds that still keep an SD card from filling up. */
export const outboxDefaults = Object.freeze({
  maxRows: 1_000_000,
  maxBytes: 512 * 1024 * 1024,
  maxAgeMs: null,
  minFreeDiskBytes: 64 * 1024 * 1024,
  diskHeadroomBytes: 2 * 1024 * 1024,
  deliveredRetentionMs: 0,
  maxDeadLetterRows: 10_000,
  dropFraction: 0.1,
  diskReserveBytes: 1024 * 1024,
  diskCheckIntervalMs: 1_000,
  pruneIntervalMs: 60_000,
  synchronous: 'full',
  backgroundThread: true,
} as const satisfies Partial<SqliteOutboxOptions>);

/** Fills in defaults and refuses values out of range, naming the option and what came. */
export function resolveOutboxOptions(options: SqliteOutboxOptions): ResolvedOutboxOptions {
  const resolved: ResolvedOutboxOptions = {
    path: options.path,
    logger: options.logger,
    maxRows: options.maxRows ?? outboxDefaults.maxRows,
    maxBytes: options.maxBytes ?? outboxDefaults.maxBytes,
    maxAgeMs: options.maxAgeMs === undefined ? outboxDefaults.maxAgeMs : options.maxAgeMs,
    minFreeDiskBytes: options.minFreeDiskBytes ?? outboxDefaults.minFreeDiskBytes,
    diskHeadroomBytes: options.diskHeadroomBytes ?? outboxDefaults.diskHeadroomBytes,
    deliveredRetentionMs: options.deliveredRetentionMs ?? outboxDefaults.deliveredRetentionMs,
    maxDeadLetterRows: options.maxDeadLetterRows ?? outboxDefaults.maxDeadLetterRows,
    dropFraction: options.dropFraction ?? outboxDefaults.dropFraction,
    diskReserveBytes: options.diskReserveBytes ?? outboxDefaults.diskReserveBytes,
    diskCheckIntervalMs: options.diskCheckIntervalMs ?? outboxDefaults.diskCheckIntervalMs,
    pruneIntervalMs: options.pruneIntervalMs ?? outboxDefaults.pruneIntervalMs,
    synchronous: options.synchronous ?? outboxDefaults.synchronous,
    backgroundThread: options.backgroundThread ?? outboxDefaults.backgroundThread,
    dropTopic: options.dropTopic ?? null,
    dropRecordFields: options.dropRecordFields ?? {},
    now: options.now ?? Date.now,
    freeDiskBytes: options.freeDiskBytes ?? null,
    onDropped: options.onDropped ?? null,
    onCorrupt: options.onCorrupt ?? null,
  };
  if (typeof resolved.path !== 'string' || resolved.path === '') {
    throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(`Expected a non-empty file path for outbox option path but received ${describe(resolved.path)}`, { option: 'path' });
  }
  requireInteger('maxRows', resolved.maxRows, 1);
  requireInteger('maxBytes', resolved.maxBytes, 1);
  if (resolved.maxAgeMs !== null) requireInteger('maxAgeMs', resolved.maxAgeMs, 1);
  requireInteger('minFreeDiskBytes', resolved.minFreeDiskBytes, 0);
  requireInteger('diskHeadroomBytes', resolved.diskHeadroomBytes, 0);
  requireInteger('deliveredRetentionMs', resolved.deliveredRetentionMs, 0);
  requireInteger('maxDeadLetterRows', resolved.maxDeadLetterRows, 0);
  requireInteger('diskReserveBytes', resolved.diskReserveBytes, 0);
  requireInteger('diskCheckIntervalMs', resolved.diskCheckIntervalMs, 0);
  requireInteger('pruneIntervalMs', resolved.pruneIntervalMs, 0);
  if (!(typeof resolved.dropFraction === 'number' && resolved.dropFraction >= 0 && resolved.dropFraction < 1)) {
    throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(
      `Expected a number from 0 up to (not including) 1 for outbox option dropFraction but received ${describe(resolved.dropFraction)}`,
      { option: 'dropFraction' },
    );
  }
  if (resolved.synchronous !== 'full' && resolved.synchronous !== 'normal') {
    throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(
      `Expected 'full' or 'normal' for outbox option synchronous but received ${describe(resolved.synchronous)}`,
      { option: 'synchronous' },
    );
  }
  if (resolved.dropTopic !== null && resolved.dropTopic === '') {
    throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION('Expected a non-empty MQTT topic for outbox option dropTopic but received an empty string', { option: 'dropTopic' });
  }
  return resolved;
}

function requireInteger(option: string, value: unknown, min: number): void {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return;
  const expected = min === 0 ? 'non-negative integer' : 'positive integer';
  throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(`Expected ${expected} for outbox option ${option} but received ${describe(value)}`, { option, value });
}

function describe(value: unknown): string {
  return `${JSON.stringify(value) ?? String(value)} of type ${value === null ? 'null' : typeof value}`;
}
