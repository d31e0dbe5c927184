/**
 * Every SQL statement the writer runs, prepared once per connection (better-sqlite3 reuses a
 * prepared statement's plan, which is most of the cost of a small insert).
 */
import type { Database, Statement } from 'better-sqlite3';

/** Prepared statements of one outbox connection. */
export interface OutboxStatements {
  nextSeq: Statement<[], { value: number }>;
  insert: Statement<[string, number, string, string, number, number, string]>;
  oldestPendingChunk: Statement<[number, number], OldestPendingRow>;
  oldestPending: Statement<[], { id: number; created_at_ms: number }>;
  deletePendingThrough: Statement<[number]>;
  addCounter: Statement<[string, number]>;
  markAttempted: Statement<[number]>;
  deleteDelivered: Statement<[number], { bytes: number }>;
  keepDelivered: Statement<[number, number], { bytes: number }>;
  pruneDelivered: Statement<[number, number]>;
  deleteAllDelivered: Statement<[]>;
  copyToDeadLetter: Statement<[string, number, number]>;
  deletePending: Statement<[number], { bytes: number }>;
  trimDeadLetter: Statement<[number]>;
}

/** A pending row as the drop logic sees it; `drop_payload` is set only for drop records. */
export interface OldestPendingRow {
  id: number;
  seq: number;
  bytes: number;
  kind: 'result' | 'drop';
  topic: string;
  created_at_ms: number;
  drop_payload: string | null;
}

/** Prepares the writer's statements on `db` (the schema must exist). */
export function prepareStatements(db: Database): OutboxStatements {
  return {
    nextSeq: db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'seq' RETURNING value"),
    insert: db.prepare(
      "INSERT INTO outbox (result_id, seq, topic, payload, created_at_ms, bytes, state, attempts, kind) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
    ),
    oldestPendingChunk: db.prepare(
      `SELECT id, seq, bytes, kind, topic, created_at_ms, CASE WHEN kind = 'drop' THEN payload END AS drop_payload
       FROM outbox WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?`,
    ),
    oldestPending: db.prepare("SELECT id, created_at_ms FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1"),
    deletePendingThrough: db.prepare("DELETE FROM outbox WHERE state = 'pending' AND id <= ?"),
    addCounter: db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value'),
    markAttempted: db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?'),
    deleteDelivered: db.prepare("DELETE FROM outbox WHERE id = ? AND state = 'pending' RETURNING bytes"),
    keepDelivered: db.prepare("UPDATE outbox SET state = 'delivered', delivered_at_ms = ? WHERE id = ? AND state = 'pending' RETURNING bytes"),
    pruneDelivered: db.prepare(
      "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE state = 'delivered' AND delivered_at_ms < ? ORDER BY id LIMIT ?)",
    ),
    deleteAllDelivered: db.prepare("DELETE FROM outbox WHERE state = 'delivered'"),
    copyToDeadLetter: db.prepare(
      `INSERT OR REPLACE INTO dead_letter (id, result_id, seq, topic, payload, created_at_ms, bytes, attempts, kind, reason, dead_at_ms)
       SELECT id, result_id, seq, topic, payload, created_at_ms, bytes, attempts, kind, ?, ? FROM outbox WHERE id = ? AND state = 'pending'`,
    ),
    deletePending: db.prepare("DELETE FROM outbox WHERE id = ? AND state = 'pending' RETURNING bytes"),
    trimDeadLetter: db.prepare('DELETE FROM dead_letter WHERE id NOT IN (SELECT id FROM dead_letter ORDER BY id DESC LIMIT ?)'),
  };
}
