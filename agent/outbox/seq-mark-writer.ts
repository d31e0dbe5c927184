/**
 * Keeps the seq mark (seq-mark.ts) ahead of the numbers the outbox hands out without making an
 * insert wait for the disk. The outbox hands out a seq only while it is at or below the
 * reservation of the mark known durable (`durable`). Once a counter comes within
 * `seqMarkAheadRows` of that reservation, a new mark reserving further is written in the
 * background: temporary file and fdatasync on the outbox thread (outbox-thread.ts), the rename on
 * the event loop (metadata, no sync, and there the check that no newer mark was written
 * meanwhile), the directory's fsync on the outbox thread again. Only when that last sync has
 * completed does the new reservation count. A counter that does reach the durable reservation
 * (a burst faster than two syncs, or a topic the mark has never seen) still writes the mark on
 * the spot, as before, and that wait is counted.
 */
import { describeError } from '../errors/agent-error.js';
import type { Logger } from '../log/logger.js';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OutboxThread } from './outbox-thread.js';
import { renameSeqMarkTemporary, seqMarkBody, seqMarkPath, writeSeqMark, type SeqMarkState } from './seq-mark.js';

/** A new mark is started in the background once a counter is this close to its durable reservation. */
export const seqMarkAheadRows = 500;

/** Counters of the mark writes, for benchmarks and tests. */
export interface SeqMarkStats {
  /** Marks written on the calling thread (open, close, and every insert that had to wait for one). */
  writesOnLoop: number;
  /** Inserts that waited for a mark: a counter reached the durable reservation. */
  insertWaits: number;
  /** Marks written ahead in the background and made durable. */
  writesAhead: number;
  /** Background marks dropped because a newer mark was written meanwhile. */
  aheadSuperseded: number;
  /** Writes that failed (logged once per run of failures). */
  failures: number;
}

/** Writes the seq mark, on the spot or ahead of need; `durable` is the mark the outbox may hand out against. */
export class SeqMarkWriter {
  /** The newest mark known to be on disk and synced; no seq above its reservations may be handed out. */
  durable: SeqMarkState;
  private generation = 0;
  private ahead: Promise<void> | null = null;
  private closed = false;
  private failureLogged = false;
  private readonly counters: SeqMarkStats = { writesOnLoop: 0, insertWaits: 0, writesAhead: 0, aheadSuperseded: 0, failures: 0 };

  constructor(
    private readonly databasePath: string,
    private readonly logger: Logger,
    initial: SeqMarkState,
    private readonly thread: OutboxThread,
  ) {
    this.durable = initial;
  }

  /** Writes `next` now, on this thread; false (logged once) when it could not be written. */
  writeNow(next: SeqMarkState, insertWaited: boolean): boolean {
    if (insertWaited) this.counters.insertWaits++;
    // Any background mark still on its way is older than this one and must not replace it.
    this.generation++;
    try {
      writeSeqMark(this.databasePath, next);
      this.counters.writesOnLoop++;
      this.durable = next;
      this.failureLogged = false;
      return true;
    } catch (err) {
      this.failed(err);
      return false;
    }
  }

  /** Starts writing `next` in the background unless one is on its way already; returns at once. */
  writeAhead(next: SeqMarkState): void {
    if (this.ahead !== null || this.closed) return;
    this.ahead = this.runAhead(next).finally(() => {
      this.ahead = null;
    });
  }

  /** Resolves once no background write is on its way (for tests and benchmarks). */
  async idle(): Promise<void> {
    await this.ahead;
  }

  /** No background write starts or lands after this; one on its way is discarded. */
  close(): void {
    this.closed = true;
  }

  /** Counts so far. */
  stats(): SeqMarkStats {
    return { ...this.counters };
  }

  /** Never rejects: a failure is logged and the next insert near the reservation tries again. */
  private async runAhead(next: SeqMarkState): Promise<void> {
    const startedAt = this.generation;
    // Apart from writeSeqMark's temporary file, which a close or a reservation may write meanwhile.
    const temporary = `${seqMarkPath(this.databasePath)}.ahead.tmp`;
    try {
      await this.thread.writeSynced(temporary, seqMarkBody(next));
    } catch (err) {
      if (!this.closed) this.failed(err);
      return;
    }
    if (this.closed || this.generation !== startedAt) {
      // A mark written on the spot meanwhile holds everything this one does that was handed out.
      this.counters.aheadSuperseded++;
      discard(temporary);
      return;
    }
    try {
      renameSeqMarkTemporary(this.databasePath, temporary);
    } catch (err) {
      this.failed(err);
      discard(temporary);
      return;
    }
    try {
      await this.thread.syncDirectory(dirname(temporary));
    } catch {
      // Not known durable (the outbox closed meanwhile): the mark before it still bounds every seq.
      return;
    }
    // A mark written on the spot after the rename replaced this file, and is the durable one.
    if (this.generation !== startedAt) {
      this.counters.aheadSuperseded++;
      return;
    }
    this.durable = next;
    this.counters.writesAhead++;
    this.failureLogged = false;
  }

  private failed(err: unknown): void {
    this.counters.failures++;
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.logger.error({ event: 'outbox_seq_mark_failed', path: seqMarkPath(this.databasePath), err: describeError(err) }, 'could not write the outbox seq mark; results are still stored, and the mark is tried again at the next insert');
  }
}

/** Removes a temporary mark that lost to a newer one; one left behind is truncated by the next write. */
function discard(temporary: string): void {
  rmSync(temporary, { force: true });
}
