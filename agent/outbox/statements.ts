/**
 * Every SQL statement the writer runs, prepared once per connection (better-sqlite3 reuses a
 * prepared statement's plan, which is most of the cost of a small insert).
 */
import type { Database, Statement } from 'better-sqlite3';

/** Prepared statements of one outbox connection. */
export interface OutboxStatements {
  nextSeq: Statement<[], { value: number }>;
  nextStreamSeq: Statement<[string], { value: number }>;
  insert: Statement<[string, number, string, string, number, number, string, number, number]>;
  oldestPendingChunk: Statement<[number, number], OldestPendingRow>;
  oldestPending: Statement<[number], { id: number; created_at_ms: number }>;
  deletePendingBetween: Statement<[number, number]>;
  addCounter: Statement<[string, number]>;
  markAttempted: Statement<[number]>;
  pendingInRange: Statement<[number, number], { rows: number; bytes: number }>;
  deleteDeliveredRange: Statement<[number, number]>;
  keepDeliveredRange: Statement<[number, number, number]>;
  pruneDelivered: Statement<[number, number]>;
  deleteAllDelivered: Statement<[number]>;
  copyToDeadLetter: Statement<[string, number, number, number]>;
  deletePending: Statement<[number, number], { bytes: number }>;
  firstPendingAbove: Statement<[number], number | null>;
  setDeliveredThrough: Statement<[number]>;
  deleteAcknowledgedChunk: Statement<[number, number]>;
  acknowledgedTotals: Statement<[number], { rows: number; bytes: number }>;
  acknowledgedChunkTotals: Statement<[number, number], { rows: number; bytes: number }>;
  trimDeadLetter: Statement<[number]>;
}

/** A pending row as the drop logic sees it; `drop_payload` is set only for drop records. */
export interface OldestPendingRow {
  id: number;
  seq: number;
  bytes: number;
  kind: 'result' | 'drop';
  topic: string;
  /** Null for rows stored before stream seqs existed. */
  stream_seq: number | null;
  created_at_ms: number;
  drop_payload: string | null;
}

/** Prepares the writer's statements on `db` (the schema must exist). */
export function prepareStatements(db: Database): OutboxStatements {
  return {
    nextSeq: db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value"),
    nextStreamSeq: db.prepare('INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value'),
    insert: db.prepare(
      "INSERT INTO outbox (result_id, seq, topic, payload, created_at_ms, bytes, state, attempts, kind, checksum, stream_seq) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
    ),
    oldestPendingChunk: db.prepare(
      `SELECT id, seq, bytes, kind, topic, stream_seq, created_at_ms, CASE WHEN kind = 'drop' THEN payload END AS drop_payload
       FROM outbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?`,
    ),
    oldestPending: db.prepare("SELECT id, created_at_ms FROM outbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT 1"),
    deletePendingBetween: db.prepare("DELETE FROM outbox WHERE state = 'pending' AND id > ? AND id <= ?"),
    addCounter: db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value'),
    markAttempted: db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?'),
    // Acknowledgements come in runs of consecutive ids, so they are written a range at a time:
    // one statement per run instead of one per row (per-row deletes were most of the drain's cost).
    pendingInRange: db.prepare("SELECT count(*) AS rows, coalesce(sum(bytes), 0) AS bytes FROM outbox WHERE id BETWEEN ? AND ? AND state = 'pending'"),
    deleteDeliveredRange: db.prepare("DELETE FROM outbox WHERE id BETWEEN ? AND ? AND state = 'pending'"),
    keepDeliveredRange: db.prepare("UPDATE outbox SET state = 'delivered', delivered_at_ms = ? WHERE id BETWEEN ? AND ? AND state = 'pending'"),
    pruneDelivered: db.prepare(
      "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'delivered' AND delivered_at_ms < ? ORDER BY id LIMIT ?)",
    ),
    deleteAllDelivered: db.prepare("DELETE FROM outbox WHERE state = 'delivered' OR id <= ?"),
    copyToDeadLetter: db.prepare(
      `INSERT OR REPLACE INTO dead_letter (id, result_id, seq, topic, payload, created_at_ms, bytes, attempts, kind, reason, dead_at_ms, checksum, stream_seq)
       SELECT id, result_id, seq, topic, payload, created_at_ms, bytes, attempts, kind, ?, ?, checksum, stream_seq FROM outbox WHERE id = ? AND state = 'pending' AND id > ?`,
    ),
    deletePending: db.prepare("DELETE FROM outbox WHERE id = ? AND state = 'pending' AND id > ? RETURNING bytes"),
    firstPendingAbove: db.prepare<[number], number | null>("SELECT min(id) FROM outbox WHERE state = 'pending' AND id > ?").pluck(),
    setDeliveredThrough: db.prepare("UPDATE counters SET value = ? WHERE name = 'deliveredThrough'"),
    // The oldest acknowledged rows first, a bounded chunk per statement (SQLite here is built
    // with DELETE ... LIMIT), so one housekeeping step never holds the write lock for long.
    deleteAcknowledgedChunk: db.prepare('DELETE FROM outbox WHERE id <= ? ORDER BY id LIMIT ?'),
    acknowledgedTotals: db.prepare('SELECT count(*) AS rows, coalesce(sum(bytes), 0) AS bytes FROM outbox WHERE id <= ?'),
    acknowledgedChunkTotals: db.prepare(
      'SELECT count(*) AS rows, coalesce(sum(bytes), 0) AS bytes FROM (SELECT bytes FROM outbox WHERE id <= ? ORDER BY id LIMIT ?)',
    ),
    trimDeadLetter: db.prepare('DELETE FROM dead_letter WHERE id NOT IN (SELECT id FROM dead_letter ORDER BY id DESC LIMIT ?)'),
  };
}
