/**
 * The dead-letter table, for `edge-agent outbox dead|requeue`: rows the other side refused for
 * good, or that failed their checksum, listed with their reason, and moved back to pending once
 * the cause is fixed. Requeueing is one immediate transaction on its own connection, so it is
 * safe while the agent runs (the agent notices another connection's commit and reloads its counts).
 */
import Database from 'better-sqlite3';
import { rowChecksum } from './row-checksum.js';
import { openExistingOutbox } from './open-existing.js';
import { applySchema } from './schema.js';

/** One dead letter as listed. */
export interface DeadLetter {
  /** The row's id in the outbox when it died; what `requeue` takes. */
  id: number;
  seq: number;
  streamSeq: number | null;
  resultId: string;
  topic: string;
  kind: string;
  bytes: number;
  attempts: number;
  reason: string;
  deadAtMs: number;
}

/** Which dead letters to requeue: chosen ids, or all of them; either narrowed to reasons containing `reason`. */
export interface RequeueSelection {
  ids: readonly number[] | 'all';
  reason?: string;
}

/** What a requeue did, id by id. */
export interface RequeueOutcome {
  /** Dead-letter ids moved back to pending, with the new outbox id each got (they join the end of the queue). */
  requeued: { id: number; newId: number; seq: number }[];
  /** Ids asked for that were not moved, with why. */
  refused: { id: number; reason: string }[];
}

/** Read-write access to an outbox's dead letters. */
export class DeadLetters {
  /** Opens an existing outbox at `path`; refuses a missing or foreign file. */
  static open(path: string): DeadLetters {
    // An outbox written by an older agent gains the new columns here, as the agent would at start.
    return new DeadLetters(path, openExistingOutbox(path, 'write', applySchema));
  }

  private constructor(
    /** The database file. */
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /** Every dead letter, oldest death first. */
  list(): DeadLetter[] {
    return this.db
      .prepare(
        `SELECT id, seq, stream_seq AS streamSeq, result_id AS resultId, topic, kind, bytes, attempts, reason, dead_at_ms AS deadAtMs
         FROM dead_letter ORDER BY dead_at_ms, id`,
      )
      .all() as DeadLetter[];
  }

  /**
   * Moves the chosen dead letters back to pending, at the end of the queue, keeping their seq,
   * stream seq and resultId (a subscriber sees them late, filling the gap they left). The checksum
   * is written afresh over the payload as it is now: a person decided the row is fit to send.
   * A payload that is not a JSON object is refused, as is a row whose seq or resultId is pending again.
   */
  requeue(selection: RequeueSelection): RequeueOutcome {
    const outcome: RequeueOutcome = { requeued: [], refused: [] };
    const pick = this.db.prepare('SELECT id, result_id, seq, stream_seq, topic, payload, created_at_ms, bytes, kind, reason FROM dead_letter WHERE id = ?');
    const all = this.db.prepare('SELECT id FROM dead_letter ORDER BY id').pluck();
    const clash = this.db.prepare('SELECT id FROM outbox WHERE result_id = ? OR seq = ?').pluck();
    const insert = this.db.prepare(
      "INSERT INTO outbox (result_id, seq, topic, payload, created_at_ms, bytes, state, attempts, kind, checksum, stream_seq) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
    );
    const remove = this.db.prepare('DELETE FROM dead_letter WHERE id = ?');
    this.db
      .transaction(() => {
        const ids = selection.ids === 'all' ? (all.all() as number[]) : selection.ids;
        for (const id of ids) {
          const row = pick.get(id) as DeadRow | undefined;
          if (row === undefined) {
            outcome.refused.push({ id, reason: 'no dead letter with this id (`edge-agent outbox dead` lists them)' });
            continue;
          }
          if (selection.reason !== undefined && !row.reason.includes(selection.reason)) {
            if (selection.ids !== 'all') outcome.refused.push({ id, reason: `its reason does not contain ${JSON.stringify(selection.reason)}: ${row.reason}` });
            continue;
          }
          if (!isJsonObject(row.payload)) {
            outcome.refused.push({ id, reason: 'its payload is not a JSON object any more; it cannot be sent (export it with `outbox dead --json` and delete it by hand)' });
            continue;
          }
          if (clash.get(row.result_id, row.seq) !== undefined) {
            outcome.refused.push({ id, reason: `seq ${row.seq} or resultId ${row.result_id} is already in the outbox` });
            continue;
          }
          const checksum = rowChecksum({ seq: row.seq, streamSeq: row.stream_seq, topic: row.topic, resultId: row.result_id, payload: row.payload });
          const info = insert.run(row.result_id, row.seq, row.topic, row.payload, row.created_at_ms, row.bytes, row.kind, checksum, row.stream_seq);
          remove.run(id);
          outcome.requeued.push({ id, newId: Number(info.lastInsertRowid), seq: row.seq });
        }
      })
      .immediate();
    return outcome;
  }

  /** Closes the connection. */
  close(): void {
    this.db.close();
  }
}

interface DeadRow {
  id: number;
  result_id: string;
  seq: number;
  stream_seq: number | null;
  topic: string;
  payload: string;
  created_at_ms: number;
  bytes: number;
  kind: string;
  reason: string;
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}
