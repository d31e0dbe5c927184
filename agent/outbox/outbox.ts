/**
 * The outbox is the source of truth for results not yet delivered. A result is enqueued in one
 * short synchronous SQLite transaction and leaves only when the other side acknowledged it.
 * Network I/O never happens inside an outbox call.
 */

/** What the pipeline hands the outbox: the payload is a JSON object; the outbox adds `seq`. */
export interface OutboxEntry {
  /** Unique id of the result (ULID); also the subscriber's deduplication key. */
  resultId: string;
  /** MQTT topic the row is published to. */
  topic: string;
  /** The message body; the outbox stores it as JSON text with the assigned `seq` added. */
  payload: Record<string, unknown>;
}

/** Row states: pending (not yet acknowledged), delivered (kept for retention), dead (refused). */
export type OutboxRowState = 'pending' | 'delivered' | 'dead';

/** Rows are results, or drop records telling readers that a gap was intended. */
export type OutboxRowKind = 'result' | 'drop';

/** One stored message. */
export interface OutboxRow {
  /** Autoincrement row id; delivery order. */
  id: number;
  resultId: string;
  /** Per-device, strictly increasing sequence number, assigned at enqueue. */
  seq: number;
  /** Per-topic (stream) sequence, gap-free on each topic; null for rows stored before it existed. */
  streamSeq: number | null;
  topic: string;
  /** JSON text, exactly what is published. */
  payload: string;
  createdAtMs: number;
  /** Byte length of `payload` (UTF-8). */
  bytes: number;
  state: OutboxRowState;
  attempts: number;
  kind: OutboxRowKind;
}

/** Counts for `edge-agent outbox status`, `/metrics` and the heartbeat. */
export interface OutboxStatus {
  pendingRows: number;
  pendingBytes: number;
  /** Age of the oldest pending row in ms, or null when empty. */
  oldestPendingAgeMs: number | null;
  deadRows: number;
  /** Rows dropped by a limit, per reason (maxRows, maxBytes, maxAge, minFreeDisk, diskFull, storeLost). */
  droppedByReason: Record<string, number>;
  /** Rows that failed their checksum when read for sending, over the outbox's life (they are in the dead-letter table). */
  corruptRows: number;
  /** Highest seq assigned so far (0 before the first row). */
  lastSeq: number;
}

/** The durable queue between the pipeline and the publishers. */
export interface Outbox {
  /** Stores one result; returns the stored row with its seq. */
  enqueue(entry: OutboxEntry): OutboxRow;
  /** Stores several results in one transaction. */
  enqueueMany(entries: readonly OutboxEntry[]): OutboxRow[];
  /**
   * Pending rows oldest first, at most `limit`, with id greater than `afterId` when given. A row
   * whose checksum fails is dead-lettered with the reason on the way, never returned.
   */
  nextPending(limit: number, afterId?: number): OutboxRow[];
  /** Counts one more delivery attempt for each row. */
  markAttempted(ids: readonly number[]): void;
  /** Acknowledged by the other side: no longer pending; deleted now or later, or kept as delivered for the retention time. */
  markDelivered(ids: readonly number[]): void;
  /** Housekeeping when idle: deletes up to `maxRows` acknowledged rows still stored; returns how many went. */
  compact(maxRows: number): number;
  /** The other side refused the row for good: it moves to the dead-letter table with the reason. */
  deadLetter(id: number, reason: string): void;
  status(): OutboxStatus;
  close(): void;
}
