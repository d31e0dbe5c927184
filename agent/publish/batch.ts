/**
 * Groups a backlog of outbox rows into messages. Live results go one per message; while a
 * backlog drains, consecutive rows for the same topic share a message of at most `maxResults`
 * results and `maxBytes` bytes (never more than the transport's payload limit).
 */
import type { OutboxRow } from '../outbox/outbox.js';
import { MESSAGE_CONTENT_TYPE, MESSAGE_SCHEMA_VERSION } from './messages.js';
import type { OutgoingMessage } from './publisher.js';

/** Batching limits; batching is off when the drainer has none. */
export interface BatchOptions {
  maxResults: number;
  maxBytes: number;
  /** Batch only when a read from the outbox returns at least this many rows (a backlog). */
  minBacklogRows: number;
}

/** A message with the rows it carries (one row unless batched). */
export interface RowMessage {
  rows: OutboxRow[];
  message: OutgoingMessage;
}

const BATCH_HEAD = `{"schemaVersion":${MESSAGE_SCHEMA_VERSION},"kind":"batch","results":[`;
const BATCH_TAIL = ']}';
const BATCH_OVERHEAD_BYTES = Buffer.byteLength(BATCH_HEAD) + Buffer.byteLength(BATCH_TAIL);

/** The message for one row: its stored JSON text as it is. */
export function singleMessage(row: OutboxRow): RowMessage {
  return {
    rows: [row],
    message: {
      topic: row.topic,
      payload: row.payload,
      contentType: MESSAGE_CONTENT_TYPE,
      userProperties: { seq: String(row.seq), resultId: row.resultId, kind: row.kind },
    },
  };
}

/** Splits rows (oldest first) into messages, batching when `options` is given and the read was a backlog. */
export function groupRows(rows: readonly OutboxRow[], options: BatchOptions | undefined, maxPayloadBytes: number): RowMessage[] {
  if (options === undefined || rows.length < options.minBacklogRows) return rows.map(singleMessage);
  const maxBytes = Math.min(options.maxBytes, maxPayloadBytes);
  const out: RowMessage[] = [];
  let group: OutboxRow[] = [];
  let groupBytes = BATCH_OVERHEAD_BYTES;
  const flush = (): void => {
    if (group.length === 1) out.push(singleMessage(group[0] as OutboxRow));
    else if (group.length > 1) out.push(batchMessage(group));
    group = [];
    groupBytes = BATCH_OVERHEAD_BYTES;
  };
  for (const row of rows) {
    const first = group[0];
    const added = row.bytes + (group.length > 0 ? 1 : 0);
    if (first !== undefined && (first.topic !== row.topic || group.length >= options.maxResults || groupBytes + added > maxBytes)) flush();
    group.push(row);
    groupBytes += row.bytes + (group.length > 1 ? 1 : 0);
  }
  flush();
  return out;
}

function batchMessage(rows: OutboxRow[]): RowMessage {
  const first = rows[0] as OutboxRow;
  const last = rows[rows.length - 1] as OutboxRow;
  return {
    rows,
    message: {
      topic: first.topic,
      payload: BATCH_HEAD + rows.map((r) => r.payload).join(',') + BATCH_TAIL,
      contentType: MESSAGE_CONTENT_TYPE,
      userProperties: { kind: 'batch', firstSeq: String(first.seq), lastSeq: String(last.seq), count: String(rows.length) },
    },
  };
}
