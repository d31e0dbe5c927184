/**
 * Dropping the oldest pending rows when a limit is hit, inside the caller's write transaction.
 * Every drop leaves drop records (kind 'drop', each with its own seq and stream seq), one per
 * topic that lost rows, naming the device seq range and the topic's stream seq range, how many
 * results went and why, so a subscriber of one topic can tell an intended gap from a lost message.
 * A drop record that is itself dropped is folded into the new one, so no gap goes unexplained.
 */
import type { OldestPendingRow, OutboxStatements } from './statements.js';
import { dropCounterName } from './schema.js';
import type { DropReason, DropRecordPayload } from '../results/drop-record.js';

export type { DropReason, DropRecordPayload } from '../results/drop-record.js';

/** What one drop removed from one stream, before its record is written. */
export interface StreamDrop {
  record: Omit<DropRecordPayload, 'droppedAt'>;
}

/** What one drop removed, before its records are written. */
export interface DropSummary {
  /** Rows removed from the outbox (results and folded drop records). */
  rowsRemoved: number;
  /** Payload bytes removed. */
  bytesRemoved: number;
  /** Result rows removed by this drop (what the per-reason counter grows by). */
  resultsDropped: number;
  /** Lowest and highest device seq this drop covers, over every stream. */
  firstSeq: number;
  lastSeq: number;
  /** One record per stream that lost rows, in the order the streams were first met. */
  streams: StreamDrop[];
}

/** Decides, row by row from the oldest, whether to keep dropping; `removed` counts rows and bytes so far. */
export type DropWhile = (row: OldestPendingRow, removed: { rows: number; bytes: number }) => boolean;

const chunkRows = 500;

/** Running totals of one stream during a drop. */
interface StreamTally {
  results: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  firstStreamSeq: number;
  lastStreamSeq: number;
  byReason: Partial<Record<DropReason, number>>;
}

/**
 * Deletes pending rows from the oldest while `dropWhile` says so, bumps the persisted counter
 * for `reason`, and returns what went per stream (null when nothing did). The caller writes the
 * records. Rows up to `deliveredThrough` were acknowledged already and are not looked at.
 */
export function dropOldest(st: OutboxStatements, reason: DropReason, dropWhile: DropWhile, deliveredThrough: number): DropSummary | null {
  const removed = { rows: 0, bytes: 0 };
  let lastId = deliveredThrough;
  let results = 0;
  const streams = new Map<string, StreamTally>();
  const tally = (topic: string): StreamTally => {
    let s = streams.get(topic);
    if (s === undefined) {
      s = { results: 0, bytes: 0, firstSeq: Infinity, lastSeq: 0, firstStreamSeq: Infinity, lastStreamSeq: 0, byReason: {} };
      streams.set(topic, s);
    }
    return s;
  };
  scan: for (;;) {
    const chunk = st.oldestPendingChunk.all(lastId, chunkRows);
    for (const row of chunk) {
      if (!dropWhile(row, removed)) break scan;
      removed.rows += 1;
      removed.bytes += row.bytes;
      lastId = row.id;
      // The row's own place in its topic's stream goes missing, whatever its kind.
      const own = tally(row.topic);
      own.firstSeq = Math.min(own.firstSeq, row.seq);
      own.lastSeq = Math.max(own.lastSeq, row.seq);
      if (row.stream_seq !== null) {
        own.firstStreamSeq = Math.min(own.firstStreamSeq, row.stream_seq);
        own.lastStreamSeq = Math.max(own.lastStreamSeq, row.stream_seq);
      }
      if (row.kind === 'result') {
        results += 1;
        own.results += 1;
        own.bytes += row.bytes;
        own.byReason[reason] = (own.byReason[reason] ?? 0) + 1;
        continue;
      }
      const earlier = parseDropPayload(row.drop_payload);
      if (earlier === null) continue;
      const covered = tally(earlier.stream ?? row.topic);
      covered.results += earlier.droppedRows;
      covered.bytes += earlier.droppedBytes;
      covered.firstSeq = Math.min(covered.firstSeq, earlier.firstSeq);
      covered.lastSeq = Math.max(covered.lastSeq, earlier.lastSeq);
      if (earlier.firstStreamSeq !== undefined && earlier.lastStreamSeq !== undefined) {
        covered.firstStreamSeq = Math.min(covered.firstStreamSeq, earlier.firstStreamSeq);
        covered.lastStreamSeq = Math.max(covered.lastStreamSeq, earlier.lastStreamSeq);
      }
      for (const [r, n] of Object.entries(earlier.droppedByReason) as [DropReason, number][]) covered.byReason[r] = (covered.byReason[r] ?? 0) + n;
    }
    if (chunk.length < chunkRows) break;
  }
  if (removed.rows === 0) return null;
  st.deletePendingBetween.run(deliveredThrough, lastId);
  if (results > 0) st.addCounter.run(dropCounterName(reason), results);
  let firstSeq = Infinity;
  let lastSeq = 0;
  const records: StreamDrop[] = [];
  for (const [stream, s] of streams) {
    firstSeq = Math.min(firstSeq, s.firstSeq);
    lastSeq = Math.max(lastSeq, s.lastSeq);
    records.push({
      record: {
        type: 'outbox.drop',
        reason,
        stream,
        droppedRows: s.results,
        droppedBytes: s.bytes,
        firstSeq: s.firstSeq,
        lastSeq: s.lastSeq,
        ...(s.lastStreamSeq > 0 ? { firstStreamSeq: s.firstStreamSeq, lastStreamSeq: s.lastStreamSeq } : {}),
        droppedByReason: s.byReason,
      },
    });
  }
  return { rowsRemoved: removed.rows, bytesRemoved: removed.bytes, resultsDropped: results, firstSeq, lastSeq, streams: records };
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
      ...(typeof p.stream === 'string' ? { stream: p.stream } : {}),
      droppedRows: p.droppedRows,
      droppedBytes: typeof p.droppedBytes === 'number' ? p.droppedBytes : 0,
      firstSeq: p.firstSeq,
      lastSeq: p.lastSeq,
      ...(typeof p.firstStreamSeq === 'number' && typeof p.lastStreamSeq === 'number' ? { firstStreamSeq: p.firstStreamSeq, lastStreamSeq: p.lastStreamSeq } : {}),
      droppedByReason: p.droppedByReason ?? {},
      droppedAt: p.droppedAt ?? '',
    };
  } catch {
    return null;
  }
}
