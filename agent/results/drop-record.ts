/**
 * The payload of a drop record: what the outbox publishes in place of results it dropped on
 * purpose (a configured limit, a lost store). It lives on the ground floor, beside the other
 * published records, so the message contract (publish/messages.ts) can name it without reaching
 * into the outbox, whose types bring the native SQLite binding's with them.
 */

/** Why rows were dropped; the keys of `OutboxStatus.droppedByReason`. storeLost: a quarantined store lost them. */
export type DropReason = 'maxRows' | 'maxBytes' | 'maxAge' | 'minFreeDisk' | 'diskFull' | 'storeLost';

/** The payload of a drop record (plus any configured extra fields, `seq` and `streamSeq`). */
export interface DropRecordPayload {
  type: 'outbox.drop';
  /** The limit that caused this drop. */
  reason: DropReason;
  /** The topic whose stream seqs this record covers. */
  stream?: string;
  /** Results dropped, including those reported by earlier drop records folded into this one. */
  droppedRows: number;
  droppedBytes: number;
  /** Lowest and highest device seq removed; seqs in this range you did not receive were dropped on purpose. */
  firstSeq: number;
  lastSeq: number;
  /** Lowest and highest stream seq removed from `stream`. */
  firstStreamSeq?: number;
  lastStreamSeq?: number;
  droppedByReason: Partial<Record<DropReason, number>>;
  /** ISO 8601 time of the drop. */
  droppedAt: string;
}
