/** Shared set-up for outbox tests: a real SQLite file in a tap temp folder. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../../agent/log/logger.js';
import type { SqliteOutboxOptions } from '../../agent/outbox/options.js';
import type { OutboxEntry } from '../../agent/outbox/outbox.js';
import { SqliteOutbox } from '../../agent/outbox/sqlite-outbox.js';

/** Opens an outbox in `dir` (a t.testdir()) with the given options; the reserve is off unless set. */
export function openOutbox(dir: string, options: Partial<SqliteOutboxOptions> = {}): SqliteOutbox {
  return SqliteOutbox.open({ path: join(dir, 'outbox.sqlite'), logger: silentLogger(), diskReserveBytes: 0, ...options });
}

/** A result entry with a recognisable payload. */
export function entry(i: number, extra: Record<string, unknown> = {}): OutboxEntry {
  return { resultId: `result-${i}`, topic: 'edge/dev1/results/cam0', payload: { i, ...extra } };
}

/** Runs `PRAGMA integrity_check` on a file with a separate connection; 'ok' or what is wrong. */
export function integrityCheck(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    db.close();
  }
}
