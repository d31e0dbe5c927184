/**
 * Dropping the oldest pending rows when a limit is hit, inside the caller's write transaction.
 * Every drop leaves a drop record (kind 'drop', its own seq) naming the seq range, how many
 * results went and why, so a subscriber can tell an intended gap from a lost message. A drop
 * record that is itself dropped is folded into the new one, so no gap ever goes unexplained.
 */
import type { OldestPendingRow, OutboxStatements } from './statements.js';
import { dropCounterName } from './schema.js';

/** Why rows were dropped; the keys of `OutboxStatus.droppedByReason`. */
export type DropReason = 'maxRows' | 'maxBytes' | 'maxAge' | 'minFreeDisk' | 'diskFull' | 'storeLost';

/** The payload of a drop record (plus any configured extra fields and the assigned `seq`). */
export interface DropRecordPayload {
  type: 'outbox.drop';
  /** The limit that caused this drop. */
  reason: DropReason;
  /** Results dropped, including those reported by earlier drop records folded into this one. */
  droppedRows: number;
  droppedBytes: number;
  /** Lowest and highest seq removed; seqs in this range you did not receive were dropped on purpose. */
  firstSeq: number;
  lastSeq: number;
  droppedByReason: Partial<Record<DropReason, number>>;
  /** ISO 8601 time of the drop. */
  droppedAt: string;
}

/** What one drop removed, before its record is written. */
export interface DropSummary {
  /** Rows removed from the outbox (results and folded drop records). */
  rowsRemoved: number;
  /** Payload bytes removed. */
  bytesRemoved: number;
  /** Result rows removed by this drop (what the per-reason counter grows by). */
  resultsDropped: number;
  record: Omit<DropRecordPayload, 'droppedAt'>;
  /** Topic of the newest row removed. */
  newestTopic: string;
}

/** Decides, row by row from the oldest, whether to keep dropping; `removed` counts rows and bytes so far. */
export type DropWhile = (row: OldestPendingRow, removed: { rows: number; bytes: number }) => boolean;

const chunkRows = 500;

/**
 * Deletes pending rows from the oldest while `dropWhile` says so, bumps the persisted counter
 * for `reason`, and returns what went (null when nothing did). The caller writes the record.
 * Rows up to `deliveredThrough` were acknowledged already and are not looked at.
 */
export function dropOldest(st: OutboxStatements, reason: DropReason, dropWhile: DropWhile, deliveredThrough: number): DropSummary | null {
  const removed = { rows: 0, bytes: 0 };
  let lastId = deliveredThrough;
  let results = 0;
  let resultBytes = 0;
  let firstSeq = Number.POSITIVE_INFINITY;
  let lastSeq = 0;
  let newestTopic = '';
  const byReason: Partial<Record<DropReason, number>> = {};
  let foldedRows = 0;
  let foldedBytes = 0;
  scan: for (;;) {
    const chunk = st.oldestPendingChunk.all(lastId, chunkRows);
    for (const row of chunk) {
      if (!dropWhile(row, removed)) break scan;
      removed.rows += 1;
      removed.bytes += row.bytes;
      lastId = row.id;
      newestTopic = row.topic;
      firstSeq = Math.min(firstSeq, row.seq);
      lastSeq = Math.max(lastSeq, row.seq);
      if (row.kind === 'result') {
        results += 1;
        resultBytes += row.bytes;
        continue;
      }
      const earlier = parseDropPayload(row.drop_payload);
      if (earlier === null) continue;
      foldedRows += earlier.droppedRows;
      foldedBytes += earlier.droppedBytes;
      firstSeq = Math.min(firstSeq, earlier.firstSeq);
      lastSeq = Math.max(lastSeq, earlier.lastSeq);
      for (const [r, n] of Object.entries(earlier.droppedByReason) as [DropReason, number][]) byReason[r] = (byReason[r] ?? 0) + n;
    }
    if (chunk.length < chunkRows) break;
  }
  if (removed.rows === 0) return null;
  st.deletePendingBetween.run(deliveredThrough, lastId);
  if (results > 0) {
    st.addCounter.run(dropCounterName(reason), results);
    byReason[reason] = (byReason[reason] ?? 0) + results;
  }
  return {
    rowsRemoved: removed.rows,
    bytesRemoved: removed.bytes,
    resultsDropped: results,
    newestTopic,
    record: {
      type: 'outbox.drop',
      reason,
      droppedRows: results + foldedRows,
      droppedBytes: resultBytes + foldedBytes,
      firstSeq,
      lastSeq,
      droppedByReason: byReason,
    },
  };
}

/** Reads a stored drop record back; tolerant, since a folded record only adds detail. */
function parseDropPayload(text: string | null): DropRecordPayload | null {
  if (text === null) return null;
  try {
    const p = JSON.parse(text) as Partial<DropRecordPayload>;
    if (typeof p.droppedRows !== 'number' || typeof p.firstSeq !== 'number' || typeof p.lastSeq !== 'number') return null;
    return {
      type: 'outbox.drop',
      reason: p.reason ?? 'maxRows',
      droppedRows: p.droppedRows,
      droppedBytes: typeof p.droppedBytes === 'number' ? p.droppedBytes : 0,
      firstSeq: p.firstSeq,
      lastSeq: p.lastSeq,
      droppedByReason: p.droppedByReason ?? {},
      droppedAt: p.droppedAt ?? '',
    };
  } catch {
    return null;
  }
}
