/**
 * Reading rows and counts back out of the outbox tables. Shared by the writer (SqliteOutbox) and
 * the read-only reader the CLI uses, so `outbox status` and `/metrics` count the same way.
 */
import type { Database } from 'better-sqlite3';
import type { OutboxRow, OutboxRowKind, OutboxStatus } from './outbox.js';

/** A row as SQLite returns it. */
interface OutboxRowRecord {
  id: number;
  result_id: string;
  seq: number;
  topic: string;
  payload: string;
  created_at_ms: number;
  bytes: number;
  state: 'pending' | 'delivered';
  attempts: number;
  kind: OutboxRowKind;
}

/** Columns selected for an OutboxRow, in table order. */
export const rowColumns = 'id, result_id, seq, topic, payload, created_at_ms, bytes, state, attempts, kind';

/** Converts a selected row to the interface's camelCase shape. */
export function toOutboxRow(r: OutboxRowRecord): OutboxRow {
  return {
    id: r.id,
    resultId: r.result_id,
    seq: r.seq,
    topic: r.topic,
    payload: r.payload,
    createdAtMs: r.created_at_ms,
    bytes: r.bytes,
    state: r.state,
    attempts: r.attempts,
    kind: r.kind,
  };
}

/** Pending rows oldest first, after `afterId`, at most `limit`. */
export function selectPending(db: Database, limit: number, afterId: number): OutboxRow[] {
  const rows = db
    .prepare(`SELECT ${rowColumns} FROM outbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?`)
    .all(afterId, limit) as OutboxRowRecord[];
  return rows.map(toOutboxRow);
}

/** Count and payload bytes of pending rows. */
export function pendingTotals(db: Database): { rows: number; bytes: number } {
  const r = db.prepare("SELECT count(*) AS rows, coalesce(sum(bytes), 0) AS bytes FROM outbox WHERE state = 'pending'").get() as {
    rows: number;
    bytes: number;
  };
  return r;
}

/** Persisted drop counts per reason. */
export function droppedByReason(db: Database): Record<string, number> {
  const rows = db.prepare("SELECT name, value FROM counters WHERE name LIKE 'dropped.%' ORDER BY name").all() as { name: string; value: number }[];
  const out: Record<string, number> = {};
  for (const r of rows) out[r.name.slice('dropped.'.length)] = r.value;
  return out;
}

/** The highest sequence number handed out so far. */
export function lastSeq(db: Database): number {
  const r = db.prepare("SELECT value FROM counters WHERE name = 'seq'").get() as { value: number } | undefined;
  return r?.value ?? 0;
}

/**
 * Everything `OutboxStatus` reports, read from the tables at `nowMs`. A writer passes the pending
 * totals it keeps, sparing a scan of every pending row (about 40 ms at 100,000 rows).
 */
export function readStatus(db: Database, nowMs: number, totals: { rows: number; bytes: number } = pendingTotals(db)): OutboxStatus {
  const oldest = db.prepare("SELECT created_at_ms FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1").get() as
    | { created_at_ms: number }
    | undefined;
  const dead = db.prepare('SELECT count(*) AS n FROM dead_letter').get() as { n: number };
  return {
    pendingRows: totals.rows,
    pendingBytes: totals.bytes,
    oldestPendingAgeMs: oldest === undefined ? null : Math.max(0, nowMs - oldest.created_at_ms),
    deadRows: dead.n,
    droppedByReason: droppedByReason(db),
    lastSeq: lastSeq(db),
  };
}
