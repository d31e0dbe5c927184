/**
 * The outbox on SQLite (better-sqlite3): every call is one short synchronous transaction, the
 * database runs in WAL mode, and limits drop the oldest pending rows with a drop record left in
 * their place. A full disk makes an enqueue fail with EDGE_OUTBOX_DISK_FULL, never the process.
 * docs/outbox.md states the durability choice and the numbers behind it.
 */
import { dirname } from 'node:path';
import type { Database } from 'better-sqlite3';
import { ulid } from 'ulid';
import { AgentError, describeError } from '../errors/agent-error.js';
import { DiskReserve } from './disk-reserve.js';
import { freeDiskBytes, isDiskFullError } from './disk-space.js';
import { consecutiveRuns } from './id-runs.js';
import { dropOldest, type DropReason, type DropWhile } from './drop-oldest.js';
import { encodeEntry, plannedBytes, withSeq, type EncodedEntry } from './encode-entry.js';
import { outboxErrors } from './errors.js';
import { openOutboxDatabase, type OpenedOutboxDatabase, type OutboxRecovery } from './open-database.js';
import { resolveOutboxOptions, type ResolvedOutboxOptions, type SqliteOutboxOptions } from './options.js';
import type { Outbox, OutboxEntry, OutboxRow, OutboxRowKind, OutboxStatus } from './outbox.js';
import { rowChecksum } from './row-checksum.js';
import { deliveredThrough, pendingTotals, readStatus, selectPending, type CorruptRow } from './rows.js';
import { dropCounterName, streamCounterName } from './schema.js';
import { planContinuity, type ContinuityPlan } from './seq-continuity.js';
import { emptySeqMark, readSeqMark, seqMarkPath, seqMarkReserveRows, type SeqMarkState } from './seq-mark.js';
import { seqMarkAheadRows, SeqMarkWriter, type SeqMarkStats } from './seq-mark-writer.js';
import { CheckpointScheduler, type CheckpointStats } from './checkpoint-scheduler.js';
import { OutboxThread } from './outbox-thread.js';
import { prepareStatements, type OutboxStatements } from './statements.js';

/** Bytes reserved for the drop record itself when planning how much to drop. */
const dropRecordAllowanceBytes = 512;
/** Delivered rows deleted per prune, so one prune never holds the write lock for long. */
const pruneBatchRows = 1_000;
/**
 * Acknowledged rows wait below the delivered watermark until `compact()` deletes them, or until
 * they hold this share of `maxBytes`; from then on every acknowledgement also deletes a chunk, so
 * the file never holds much more than its limits allow.
 */
const acknowledgedShareOfMaxBytes = 1 / 8;
/** Rows deleted per compaction step once the acknowledged rows pass their share. */
const compactChunkRows = 2_000;
/**
 * Below this much free space the WAL is checkpointed after every write, so SQLite rewrites the
 * WAL from its start instead of appending up to its 4 MiB auto-checkpoint size (measured on a
 * full tmpfs: without it, the WAL alone refills a disk whose space just came back).
 */
const walTightBelowBytes = 8 * 1024 * 1024;

/**
 * Spare pages asked for before each insert on a short or full disk: a new leaf page and one for
 * an index. Asking for more made a small outbox on a full disk drop its whole backlog at every
 * insert, since deleting a few rows frees few whole pages (the fault suite's disk-full: one
 * result kept at a time). When the estimate falls short SQLite says SQLITE_FULL, and the retry
 * after makeRoomAfterDiskFull asks for `afterFullSlackPages`.
 */
const insertSlackPages = 2;
/** Spare pages made after SQLite actually hit SQLITE_FULL: room for page splits in every index. */
const afterFullSlackPages = 8;

/** One drop made inside a transaction, logged only once that transaction committed. */
interface DropEvent {
  reason: DropReason;
  droppedRows: number;
  firstSeq: number;
  lastSeq: number;
  dropRecordSeq: number;
}

/** The durable outbox on a local SQLite file. */
export class SqliteOutbox implements Outbox {
  /** Opens (or creates) the outbox; an unusable file is moved aside and reported in `recovery`. */
  static open(options: SqliteOutboxOptions): SqliteOutbox {
    const resolved = resolveOutboxOptions(options);
    const mark = readSeqMark(resolved.path);
    if (mark.problem !== null) {
      resolved.logger.warn({ event: 'outbox_seq_mark_unusable', path: seqMarkPath(resolved.path), problem: mark.problem }, 'the outbox seq mark cannot be read; seq goes on from the database alone');
    }
    const opened = openOutboxDatabase(resolved.path, resolved.synchronous, resolved.now(), { markedSeq: mark.state?.seq.committed ?? 0 }, resolved.backgroundThread);
    return new SqliteOutbox(resolved, opened, mark.state);
  }

  /** The database file. */
  readonly path: string;
  /**
   * Non-null when the store was damaged, replaced or found short of rows at open (a corrupt,
   * empty or foreign file moved aside and salvaged, a WAL that lost commits, a missing file, or
   * fewer rows than the seq mark proves): log loudly, count in metrics.
   */
  readonly recovery: OutboxRecovery | null;

  private readonly st: OutboxStatements;
  private readonly pageSize: number;
  // Mirrors of the pending totals, so limits are checked without a count(*) per insert; reloaded
  // from the table whenever a transaction fails.
  private pendingRows = 0;
  private pendingBytes = 0;
  /**
   * The delivered watermark: every row with an id up to it was acknowledged. Acknowledging the
   * oldest pending rows moves it (one counter update) instead of deleting each row, which was
   * the largest cost of a backlog drain in a profile; the rows below it are deleted later by `compact()`.
   */
  private deliveredThrough = 0;
  /** Rows (and their bytes) still stored below the watermark. */
  private acknowledgedRows = 0;
  private acknowledgedBytes = 0;
  /** ok: grow freely; low: below minFreeDiskBytes; full: SQLite hit ENOSPC and space has not come back. */
  private diskMode: 'ok' | 'low' | 'full' = 'ok';
  private walTight = false;
  private readonly reserve: DiskReserve;
  private lastDiskCheckMs = Number.NEGATIVE_INFINITY;
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  private dropsInTransaction: DropEvent[] = [];
  private closed = false;
  /** SQLite's data_version as last seen: it changes when another connection (`outbox requeue`) commits. */
  private dataVersion = 0;
  /** The seq high-water mark beside the database (seq-mark.ts), written on the spot or ahead of need. */
  private readonly marks: SeqMarkWriter;
  /** Set inside an insert that came near the durable reservation: a mark is written ahead once it commits. */
  private markAheadDue = false;
  /** Runs the WAL checkpoints and the mark's syncs off the event loop. */
  private readonly thread: OutboxThread;
  private readonly checkpoints: CheckpointScheduler;
  /** Highest seq and stream seqs known committed, for the mark's `committed` values. */
  private committedSeq = 0;
  private readonly committedStreams = new Map<string, number>();
  /** Rows inserted by the transaction in progress; folded into the committed values once it commits. */
  private insertedInTransaction: OutboxRow[] = [];
  private readonly db: Database;

  private constructor(
    private readonly o: ResolvedOutboxOptions,
    opened: OpenedOutboxDatabase,
    mark: SeqMarkState | null,
  ) {
    const db = opened.db;
    this.db = db;
    this.path = o.path;
    this.thread = new OutboxThread(o.path, o.synchronous);
    this.marks = new SeqMarkWriter(o.path, o.logger, mark ?? emptySeqMark(), this.thread);
    this.checkpoints = new CheckpointScheduler(this.thread, o.path, o.logger);
    this.st = prepareStatements(db);
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.deliveredThrough = deliveredThrough(db);
    this.reloadTotals();
    this.dataVersion = this.readDataVersion();
    this.reserve = new DiskReserve(o.path, o.diskReserveBytes, o.logger);
    this.reserve.claim();
    this.recovery = this.settleSequence(opened, mark);
  }

  /**
   * Before anything new is written: compares the store with the seq mark, moves the counters on
   * past every number the store may have lost, writes one storeLost drop record per stream that
   * lost numbers, logs one line with the counts, and writes the mark afresh. Returns the
   * completed recovery (non-null also when only the mark showed rows missing).
   */
  private settleSequence(opened: OpenedOutboxDatabase, mark: SeqMarkState | null): OutboxRecovery | null {
    let recovery = opened.recovery;
    const plan = planContinuity(this.db, { mark, damage: recovery?.reason ?? null, salvage: opened.salvage, walLostFrames: opened.walLoss?.lostFrames ?? 0 });
    if (plan.lossReason !== null && recovery === null) {
      const now = this.o.now();
      recovery = { reason: plan.lossReason, movedTo: null, recreated: false, atMs: now, salvagedRows: 0, salvagedDeadLetters: 0, unreadableRows: 0, lostRows: 0, dropRecords: 0, seqResumedFrom: 0 };
    }
    const now = this.o.now();
    this.db.transaction(() => {
      this.db.prepare("UPDATE counters SET value = max(value, ?) WHERE name = 'seq'").run(plan.seq);
      const setStream = this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)');
      for (const [topic, value] of plan.streams) setStream.run(streamCounterName(topic), value);
      // A salvaged store keeps its history: drop counts by reason and corrupt rows seen.
      for (const [name, value] of opened.salvage?.counters ?? []) {
        if (name.startsWith('dropped.') || name === 'corruptRows') this.st.addCounter.run(name, value);
      }
      if (plan.lossReason !== null) this.writeStoreLostRecords(plan, now);
    }).immediate();
    this.noteCommitted();
    this.reloadTotals();
    const counters = this.readCounters();
    this.committedSeq = counters.seq;
    for (const [topic, value] of counters.streams) this.committedStreams.set(topic, value);
    this.writeMark(counters.seq + seqMarkReserveRows, new Map([...counters.streams].map(([topic, value]) => [topic, value + seqMarkReserveRows])));
    if (recovery !== null) {
      recovery.lostRows = plan.knownLostRows;
      recovery.dropRecords = plan.lossReason === null ? 0 : plan.lostStreams.length;
      recovery.seqResumedFrom = plan.seq;
      this.o.logger.error(
        { event: 'outbox_recovered', path: this.path, ...recovery, lostSeqRange: plan.lostSeqRange, lostStreams: plan.lostStreams },
        recovery.movedTo !== null
          ? `outbox store was unusable: moved aside, ${recovery.salvagedRows} rows salvaged, ${recovery.unreadableRows} unreadable, ${recovery.dropRecords} storeLost drop records written, seq goes on after ${plan.seq}`
          : `outbox store lost rows: ${recovery.lostRows} known lost, ${recovery.dropRecords} storeLost drop records written, seq goes on after ${plan.seq}`,
      );
      if (plan.knownLostRows > 0 && this.o.onDropped !== null) {
        try {
          this.o.onDropped('storeLost', plan.knownLostRows);
        } catch (err) {
          this.o.logger.warn({ event: 'outbox_observer_failed', path: this.path, err: describeError(err) }, 'the onDropped observer threw');
        }
      }
    }
    return recovery;
  }

  /**
   * Inside the dead-letter transaction: a drop record telling the subscriber that the row's seq
   * will not come (reason `corrupt`); the row itself waits in the dead letters for `outbox requeue`.
   */
  private writeCorruptRecord(c: CorruptRow, now: number): void {
    const payload = {
      ...this.o.dropRecordFields,
      type: 'outbox.drop',
      reason: 'corrupt',
      stream: c.topic,
      droppedRows: 1,
      droppedBytes: c.bytes,
      firstSeq: c.seq,
      lastSeq: c.seq,
      ...(c.streamSeq === null ? {} : { firstStreamSeq: c.streamSeq, lastStreamSeq: c.streamSeq }),
      droppedByReason: { corrupt: 1 },
      droppedAt: new Date(now).toISOString(),
    };
    this.insertRow(ulid(), this.o.dropTopic ?? c.topic, (seq, streamSeq) => JSON.stringify({ ...payload, seq, streamSeq }), 'drop', now);
  }

  /** Inside the settling transaction: one storeLost drop record per stream that lost stream seqs. */
  private writeStoreLostRecords(plan: ContinuityPlan, now: number): void {
    const seqRange = plan.lostSeqRange ?? { first: plan.seq, last: plan.seq };
    for (const lost of plan.lostStreams) {
      const payload = {
        ...this.o.dropRecordFields,
        type: 'outbox.drop',
        reason: 'storeLost',
        stream: lost.topic,
        droppedRows: lost.knownLostRows,
        droppedBytes: 0,
        firstSeq: seqRange.first,
        lastSeq: seqRange.last,
        firstStreamSeq: lost.firstStreamSeq,
        lastStreamSeq: lost.lastStreamSeq,
        droppedByReason: { storeLost: lost.knownLostRows },
        droppedAt: new Date(now).toISOString(),
      };
      this.insertRow(ulid(), this.o.dropTopic ?? lost.topic, (seq, streamSeq) => JSON.stringify({ ...payload, seq, streamSeq }), 'drop', now);
    }
    if (plan.knownLostRows > 0) this.st.addCounter.run(dropCounterName('storeLost'), plan.knownLostRows);
  }

  /** The device counter and every topic's counter, as stored. */
  private readCounters(): { seq: number; streams: Map<string, number> } {
    const seq = (this.db.prepare("SELECT value FROM counters WHERE name = 'seq'").pluck().get() as number | undefined) ?? 0;
    const streams = new Map<string, number>();
    for (const r of this.db.prepare("SELECT substr(name, 11) AS topic, value FROM counters WHERE name LIKE 'streamSeq:%'").all() as { topic: string; value: number }[]) {
      streams.set(r.topic, r.value);
    }
    return { seq, streams };
  }

  /**
   * Inside an insert: makes sure the mark covers `seq` and the topic's `streamSeq` before they
   * are handed out, reserving `seqMarkReserveRows` more. A mark that cannot be written (a full
   * disk) is logged once and tried again at the next insert; the insert goes on, since refusing
   * results would lose more than a stale mark risks.
   */
  private reserveSeq(seq: number, topic: string, streamSeq: number): void {
    const durable = this.marks.durable;
    const streamReserved = durable.streams[topic]?.reserved ?? 0;
    const seqShort = seq > durable.seq.reserved;
    const streamShort = streamSeq > streamReserved;
    if (!seqShort && !streamShort) {
      // Near the end of the reservation: the next one is written in the background after this commit.
      const near = seq > durable.seq.reserved - seqMarkAheadRows || streamSeq > streamReserved - seqMarkAheadRows;
      if (near && this.o.backgroundThread) this.markAheadDue = true;
      return;
    }
    const streams = new Map<string, number>();
    if (streamShort) streams.set(topic, streamSeq + seqMarkReserveRows);
    this.writeMark(seqShort ? seq + seqMarkReserveRows : durable.seq.reserved, streams, true);
  }

  /** After a commit that came near the reservation: every counter reserved `seqMarkReserveRows` past what is committed, written in the background. */
  private writeMarkAhead(): void {
    this.markAheadDue = false;
    const streams = new Map<string, number>();
    for (const [topic, committed] of this.committedStreams) streams.set(topic, committed + seqMarkReserveRows);
    const next = this.nextMark(this.committedSeq + seqMarkReserveRows, streams);
    this.marks.writeAhead(next);
  }

  /**
   * Writes the mark: committed values as known, the device reservation `reservedSeq`, and per
   * topic the reservation in `reservedStreams` (others keep theirs, never below committed).
   */
  private writeMark(reservedSeq: number, reservedStreams: Map<string, number>, insertWaited = false, exact = false): void {
    this.marks.writeNow(this.nextMark(reservedSeq, reservedStreams, exact), insertWaited);
  }

  /**
   * A mark from the committed values and the given reservations. A reservation never moves back
   * while the outbox hands out numbers; only the close (`exact`) writes them down to what was committed.
   */
  private nextMark(reservedSeq: number, reservedStreams: Map<string, number>, exact = false): SeqMarkState {
    const durable = this.marks.durable;
    const floor = (held: number): number => (exact ? 0 : held);
    const next: SeqMarkState = { seq: { committed: this.committedSeq, reserved: Math.max(reservedSeq, floor(durable.seq.reserved), this.committedSeq) }, streams: {} };
    const topics = new Set([...Object.keys(durable.streams), ...this.committedStreams.keys(), ...reservedStreams.keys()]);
    for (const topic of topics) {
      const committed = this.committedStreams.get(topic) ?? durable.streams[topic]?.committed ?? 0;
      const held = durable.streams[topic]?.reserved ?? committed;
      const reserved = Math.max(reservedStreams.get(topic) ?? held, floor(held));
      next.streams[topic] = { committed, reserved: Math.max(committed, reserved) };
    }
    return next;
  }

  /**
   * Starts the background thread now (with `backgroundThread`), for a process that will keep the
   * outbox open: see OutboxThread.start. Without this the thread starts at its first job.
   */
  startBackgroundThread(): void {
    if (this.o.backgroundThread) this.thread.start();
  }

  /** Mark writes so far (benchmarks, tests). */
  seqMarkStats(): SeqMarkStats {
    return this.marks.stats();
  }

  /** WAL checkpoints run off the event loop so far (benchmarks, tests). */
  checkpointStats(): CheckpointStats {
    return this.checkpoints.stats();
  }

  /** Resolves once no background mark write or checkpoint is on its way (tests, benchmarks). */
  async settled(): Promise<void> {
    await Promise.all([this.marks.idle(), this.checkpoints.idle()]);
  }

  /** After a commit: the rows it inserted count as committed for the mark. */
  private noteCommitted(): void {
    for (const row of this.insertedInTransaction) {
      this.committedSeq = Math.max(this.committedSeq, row.seq);
      if (row.streamSeq !== null) this.committedStreams.set(row.topic, Math.max(this.committedStreams.get(row.topic) ?? 0, row.streamSeq));
    }
    this.insertedInTransaction = [];
    if (this.markAheadDue) this.writeMarkAhead();
  }

  /** Stores one result; throws EDGE_OUTBOX_DISK_FULL, _DUPLICATE_RESULT, _INVALID_ENTRY or _WRITE_FAILED. */
  enqueue(entry: OutboxEntry): OutboxRow {
    return this.enqueueMany([entry])[0] as OutboxRow;
  }

  /** Stores several results in one transaction: all of them or, on error, none. */
  enqueueMany(entries: readonly OutboxEntry[]): OutboxRow[] {
    this.assertOpen();
    const encoded = entries.map((e, i) => encodeEntry(e, i));
    if (encoded.length === 0) return [];
    try {
      return this.insertEntries(encoded);
    } catch (err) {
      this.afterFailedTransaction();
      if (!isDiskFullError(err)) throw this.describeWriteError(err, encoded);
      this.makeRoomAfterDiskFull(encoded);
    }
    try {
      return this.insertEntries(encoded);
    } catch (err) {
      this.afterFailedTransaction();
      if (!isDiskFullError(err)) throw this.describeWriteError(err, encoded);
      throw outboxErrors.EDGE_OUTBOX_DISK_FULL(
        `The disk holding the outbox ${this.path} is full even after dropping the oldest rows, so ${encoded.length === 1 ? `result ${encoded[0]?.resultId}` : `${encoded.length} results`} were not stored; free space on that file system or lower the outbox limits (maxBytes, minFreeDiskBytes)`,
        { path: this.path, resultIds: encoded.map((e) => e.resultId), freeBytes: this.probeFreeBytes() },
        err,
      );
    }
  }

  /** Pending rows oldest first, at most `limit`, with id greater than `afterId`. */
  nextPending(limit: number, afterId = 0): OutboxRow[] {
    this.assertOpen();
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw outboxErrors.EDGE_OUTBOX_INVALID_ENTRY(`Expected positive integer for nextPending limit but received ${String(limit)}`, { limit });
    }
    for (;;) {
      const { rows, corrupt } = selectPending(this.db, limit, Math.max(afterId, this.deliveredThrough));
      if (corrupt.length === 0) return rows;
      // Each pass moves at least one row out of the pending rows, so this ends; if it cannot,
      // the corrupt rows are still left out of what is sent.
      if (!this.deadLetterCorrupt(corrupt)) return rows;
    }
  }

  /** Moves rows that failed their checksum to the dead-letter table, counts and logs them; false when that write failed. */
  private deadLetterCorrupt(corrupt: readonly CorruptRow[]): boolean {
    const now = this.o.now();
    try {
      this.write('deadLetter', () => {
        for (const c of corrupt) {
          this.st.copyToDeadLetter.run(c.reason, now, c.id, this.deliveredThrough);
          const gone = this.st.deletePending.get(c.id, this.deliveredThrough);
          if (gone === undefined) continue;
          this.pendingRows -= 1;
          this.pendingBytes -= gone.bytes;
          this.writeCorruptRecord(c, now);
        }
        this.st.addCounter.run('corruptRows', corrupt.length);
        this.st.trimDeadLetter.run(this.o.maxDeadLetterRows);
      });
    } catch (err) {
      this.o.logger.error({ event: 'outbox_corrupt_rows', path: this.path, rows: corrupt.map((c) => c.id), err: describeError(err) }, 'rows failed their checksum and could not be dead-lettered; they are held back, not sent');
      return false;
    }
    for (const c of corrupt) {
      this.o.logger.error({ event: 'outbox_corrupt_row', path: this.path, id: c.id, seq: c.seq, reason: c.reason }, 'outbox row failed its checksum: dead-lettered, not sent (`edge-agent outbox dead` lists it)');
    }
    if (this.o.onCorrupt !== null) {
      try {
        this.o.onCorrupt(corrupt.length);
      } catch (err) {
        this.o.logger.warn({ event: 'outbox_observer_failed', path: this.path, err: describeError(err) }, 'the onCorrupt observer threw');
      }
    }
    return true;
  }

  /** Counts one more delivery attempt for each row (ids no longer present are skipped). */
  markAttempted(ids: readonly number[]): void {
    this.assertOpen();
    if (ids.length === 0) return;
    this.write('markAttempted', () => {
      for (const id of ids) this.st.markAttempted.run(id);
    });
  }

  /**
   * Acknowledged by the other side; one transaction. Without a retention time, a run of ids that
   * starts at the oldest pending row moves the delivered watermark over it, and other runs are
   * deleted; with one, the rows are kept as delivered until `pruneDelivered` removes them.
   */
  markDelivered(ids: readonly number[]): void {
    this.assertOpen();
    if (ids.length === 0) return;
    const now = this.o.now();
    const keep = this.o.deliveredRetentionMs > 0;
    const runs = consecutiveRuns(ids);
    this.write(
      'markDelivered',
      () => {
        const startThrough = this.deliveredThrough;
        for (const [runFirst, last] of runs) {
          const first = Math.max(runFirst, this.deliveredThrough + 1);
          if (first > last) continue;
          const gone = this.st.pendingInRange.get(first, last) as { rows: number; bytes: number };
          if (gone.rows === 0) continue;
          this.pendingRows -= gone.rows;
          this.pendingBytes -= gone.bytes;
          if (keep) {
            this.st.keepDeliveredRange.run(now, first, last);
          } else if ((this.st.firstPendingAbove.get(this.deliveredThrough) ?? Number.POSITIVE_INFINITY) >= first) {
            // No pending row lies between the watermark and this run: the run joins the
            // acknowledged rows below the watermark.
            this.deliveredThrough = last;
            this.acknowledgedRows += gone.rows;
            this.acknowledgedBytes += gone.bytes;
          } else {
            this.st.deleteDeliveredRange.run(first, last);
          }
        }
        if (this.deliveredThrough !== startThrough) this.st.setDeliveredThrough.run(this.deliveredThrough);
        if (this.acknowledgedBytes > this.o.maxBytes * acknowledgedShareOfMaxBytes) this.deleteAcknowledged(compactChunkRows);
      },
      'relaxed',
    );
    this.maybePrune(now);
  }

  /**
   * Housekeeping: deletes up to `maxRows` of the oldest rows that were acknowledged but are still
   * stored; returns how many went (0 when none are left). The drainer calls it when it has
   * nothing to send, so a backlog drains first and is cleaned up after.
   */
  compact(maxRows: number): number {
    this.assertOpen();
    if (this.acknowledgedRows === 0) return 0;
    let deleted = 0;
    this.write('compact', () => {
      deleted = this.deleteAcknowledged(maxRows);
    }, 'relaxed');
    return deleted;
  }

  /** Inside a transaction: deletes up to `maxRows` acknowledged rows and updates the counts. */
  private deleteAcknowledged(maxRows: number): number {
    const chunk = this.st.acknowledgedChunkTotals.get(this.deliveredThrough, maxRows) as { rows: number; bytes: number };
    if (chunk.rows === 0) return 0;
    this.st.deleteAcknowledgedChunk.run(this.deliveredThrough, maxRows);
    this.acknowledgedRows -= chunk.rows;
    this.acknowledgedBytes -= chunk.bytes;
    return chunk.rows;
  }

  /** Moves a pending row to the dead-letter table with the reason (a no-op if it is gone). */
  deadLetter(id: number, reason: string): void {
    this.assertOpen();
    const now = this.o.now();
    this.write('deadLetter', () => {
      this.st.copyToDeadLetter.run(reason === '' ? '(no reason given)' : reason, now, id, this.deliveredThrough);
      const gone = this.st.deletePending.get(id, this.deliveredThrough);
      if (gone === undefined) return;
      this.pendingRows -= 1;
      this.pendingBytes -= gone.bytes;
      this.st.trimDeadLetter.run(this.o.maxDeadLetterRows);
    });
  }

  /** Depth, bytes, oldest age, dead rows, drops by reason and the last seq, read from the tables. */
  status(): OutboxStatus {
    this.assertOpen();
    this.followOtherWriters();
    return readStatus(this.db, this.o.now(), this.deliveredThrough, { rows: this.pendingRows, bytes: this.pendingBytes });
  }

  /**
   * Deletes one batch of delivered rows older than the retention time; returns how many went.
   * Runs by itself every `pruneIntervalMs` from enqueue and markDelivered.
   */
  pruneDelivered(): number {
    this.assertOpen();
    const now = this.o.now();
    this.lastPruneMs = now;
    let deleted = 0;
    this.write('pruneDelivered', () => {
      deleted = this.st.pruneDelivered.run(now - this.o.deliveredRetentionMs, pruneBatchRows).changes;
    });
    return deleted;
  }

  /** Closes the database (SQLite checkpoints the WAL into the main file) and writes the exact seq mark. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A background mark landing after the exact one below would only be less exact; stop it.
    this.marks.close();
    this.checkpoints.close();
    // Waits for the thread's jobs on these files and closes its connection: nothing stays open.
    this.thread.close();
    try {
      this.db.pragma('optimize');
    } catch {
      // Only a planner hint; a full disk must not stop the close.
    }
    let counters: { seq: number; streams: Map<string, number> } | null = null;
    try {
      counters = this.readCounters();
    } catch {
      // Unreadable at close: the mark written at the last reservation still bounds every seq.
    }
    this.db.close();
    if (counters !== null) {
      // Exact after a clean close, so a store lost before the next start is covered to the row.
      this.committedSeq = Math.max(this.committedSeq, counters.seq);
      for (const [topic, value] of counters.streams) this.committedStreams.set(topic, Math.max(this.committedStreams.get(topic) ?? 0, value));
      this.writeMark(this.committedSeq, this.committedStreams, false, true);
    }
  }

  private insertEntries(encoded: readonly EncodedEntry[]): OutboxRow[] {
    const now = this.o.now();
    this.followOtherWriters();
    this.refreshDiskState(now);
    let incomingBytes = 0;
    for (const e of encoded) incomingBytes += plannedBytes(e);
    const rows = this.db
      .transaction(() => {
        this.applyLimits(now, encoded.length, incomingBytes);
        return encoded.map((e) => this.insertRow(e.resultId, e.topic, (seq, streamSeq) => withSeq(e, seq, streamSeq), 'result', now));
      })
      .immediate();
    this.noteCommitted();
    this.logDrops();
    if (this.walTight) this.checkpointQuietly();
    else if (this.o.backgroundThread) this.checkpoints.noteCommit(incomingBytes, this.pageSize);
    this.maybePrune(now);
    return rows;
  }

  /** Inside a transaction: assigns the next device seq and stream seq, and inserts one pending row with its checksum. */
  private insertRow(resultId: string, topic: string, payloadFor: (seq: number, streamSeq: number) => string, kind: OutboxRowKind, now: number): OutboxRow {
    const seq = (this.st.nextSeq.get() as { value: number }).value;
    const streamSeq = (this.st.nextStreamSeq.get(streamCounterName(topic)) as { value: number }).value;
    this.reserveSeq(seq, topic, streamSeq);
    const payload = payloadFor(seq, streamSeq);
    const bytes = Buffer.byteLength(payload, 'utf8');
    const checksum = rowChecksum({ seq, streamSeq, topic, resultId, payload });
    const info = this.st.insert.run(resultId, seq, topic, payload, now, bytes, kind, checksum, streamSeq);
    this.pendingRows += 1;
    this.pendingBytes += bytes;
    const row: OutboxRow = { id: Number(info.lastInsertRowid), resultId, seq, streamSeq, topic, payload, createdAtMs: now, bytes, state: 'pending', attempts: 0, kind };
    this.insertedInTransaction.push(row);
    return row;
  }

  /** Inside the insert transaction: makes room for `rows` new rows of `bytes` under every limit. */
  private applyLimits(now: number, rows: number, bytes: number): void {
    const o = this.o;
    if (o.maxAgeMs !== null) {
      const cutoff = now - o.maxAgeMs;
      const oldest = this.st.oldestPending.get(this.deliveredThrough);
      if (oldest !== undefined && oldest.created_at_ms < cutoff) this.drop('maxAge', now, (row) => row.created_at_ms < cutoff);
    }
    if (this.pendingRows + rows > o.maxRows) {
      // Drop below the limit by dropFraction, so drops (and drop records) come in batches.
      const target = Math.max(0, Math.floor(o.maxRows * (1 - o.dropFraction)) - rows - 1);
      const excess = this.pendingRows - target;
      this.drop('maxRows', now, (_, removed) => removed.rows < excess);
    }
    if (this.pendingBytes + bytes > o.maxBytes) {
      const target = Math.max(0, Math.floor(o.maxBytes * (1 - o.dropFraction)) - bytes - dropRecordAllowanceBytes);
      const excess = this.pendingBytes - target;
      this.drop('maxBytes', now, (_, removed) => removed.bytes < excess);
    }
    if (this.diskMode !== 'ok') this.keepWithinDisk(now, bytes, this.diskMode === 'full' ? 'diskFull' : 'minFreeDisk', insertSlackPages);
  }

  /**
   * Inside a transaction, when the file system is short of space. The outbox keeps every row
   * that fits: it grows while the file system has more than `diskHeadroomBytes` free (measured
   * now, with statfs), then reuses the free pages inside its file (SQLite takes those first), and
   * drops the oldest pending rows only for what neither can hold. Acknowledged rows go before any
   * pending row, since nothing is lost with them. After SQLITE_FULL (`diskFull`) nothing may grow.
   *
   * An earlier version asked for ~33 KB of free pages inside the file before every insert and
   * never let it grow, so a small file dropped nearly every older row per insert (issue 12).
   */
  private keepWithinDisk(now: number, bytes: number, reason: DropReason, slackPages: number): void {
    if (this.acknowledgedRows > 0 || this.o.deliveredRetentionMs > 0) {
      this.st.deleteAllDelivered.run(this.deliveredThrough);
      this.acknowledgedRows = 0;
      this.acknowledgedBytes = 0;
    }
    // Room for the rows, their index entries and `slackPages` pages for splits.
    const needed = 2 * bytes + slackPages * this.pageSize;
    const free = reason === 'diskFull' ? 0 : this.probeFreeBytes();
    const growth = free === null ? 0 : Math.max(0, free - this.headroomBytes());
    if (growth >= needed) return;
    const freeInFile = (this.db.pragma('freelist_count', { simple: true }) as number) * this.pageSize;
    if (growth + freeInFile >= needed) return;
    // Drop in a batch (dropFraction of what is pending) so drop records do not come one per insert.
    const goal = Math.max(needed - growth - freeInFile, Math.ceil(this.pendingBytes * this.o.dropFraction));
    this.drop(reason, now, (_, removed) => removed.bytes < goal);
  }

  /** Inside a transaction: drops oldest pending rows and writes one drop record per stream that lost rows. */
  private drop(reason: DropReason, now: number, dropWhile: DropWhile): void {
    const summary = dropOldest(this.st, reason, dropWhile, this.deliveredThrough);
    if (summary === null) return;
    this.pendingRows -= summary.rowsRemoved;
    this.pendingBytes -= summary.bytesRemoved;
    let dropRecordSeq = 0;
    for (const { record } of summary.streams) {
      const payload = { ...this.o.dropRecordFields, ...record, droppedAt: new Date(now).toISOString() };
      const topic = this.o.dropTopic ?? record.stream ?? '';
      const row = this.insertRow(ulid(), topic, (seq, streamSeq) => JSON.stringify({ ...payload, seq, streamSeq }), 'drop', now);
      dropRecordSeq = row.seq;
    }
    this.dropsInTransaction.push({ reason, droppedRows: summary.resultsDropped, firstSeq: summary.firstSeq, lastSeq: summary.lastSeq, dropRecordSeq });
  }

  /**
   * After SQLITE_FULL: give up the reserve, checkpoint so the WAL restarts from its beginning,
   * drop a batch of the oldest rows into SQLite's free list, and stay in 'full' mode (reusing
   * pages, never growing the file) until statfs shows room again.
   */
  private makeRoomAfterDiskFull(encoded: readonly EncodedEntry[]): void {
    let bytes = 0;
    for (const e of encoded) bytes += plannedBytes(e);
    const released = this.reserve.release();
    const enteringFull = this.diskMode !== 'full';
    if (enteringFull) {
      this.o.logger.error({ event: 'outbox_disk_full', path: this.path, reserveReleased: released }, 'disk full: the outbox drops its oldest rows to keep storing new ones until space comes back');
    }
    this.diskMode = 'full';
    this.walTight = true;
    this.checkpointQuietly();
    try {
      const now = this.o.now();
      this.db.transaction(() => this.keepWithinDisk(now, bytes, 'diskFull', afterFullSlackPages)).immediate();
      this.noteCommitted();
      this.logDrops();
    } catch (err) {
      this.afterFailedTransaction();
      // Once per full-disk episode: this repeats for every result until space comes back.
      if (released || enteringFull) {
        this.o.logger.error({ event: 'outbox_disk_full', path: this.path, err: describeError(err) }, 'could not drop rows on the full disk; results are refused until space comes back');
      }
    }
    this.checkpointQuietly();
    this.lastDiskCheckMs = this.o.now();
  }

  /**
   * PASSIVE never waits for readers (a running `outbox status` must not stall inference); once
   * every frame is copied, the next write starts the WAL from its beginning, reusing its space.
   */
  private checkpointQuietly(): void {
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // A checkpoint that cannot write is retried by SQLite later; nothing is lost.
    }
  }

  /** Measures free space at most every diskCheckIntervalMs, moves between disk modes, logs each move. */
  private refreshDiskState(now: number): void {
    if (now - this.lastDiskCheckMs < this.o.diskCheckIntervalMs) return;
    this.lastDiskCheckMs = now;
    const free = this.probeFreeBytes();
    if (free === null) return;
    const minFree = this.o.minFreeDiskBytes;
    // Room again means room to claim the reserve and as much once more.
    const roomAgain = free >= this.headroomBytes() + 2 * Math.max(this.o.diskReserveBytes, 64 * 1024);
    if (this.diskMode === 'full' && !roomAgain) return;
    if (roomAgain) this.reserve.claim();
    const mode = free < minFree ? 'low' : 'ok';
    if (mode !== this.diskMode) {
      if (mode === 'low') {
        this.o.logger.warn({ event: 'outbox_disk_low', path: this.path, freeBytes: free, minFreeDiskBytes: minFree }, 'free disk below minFreeDiskBytes; the outbox grows only while more than diskHeadroomBytes stay free, then reuses its free pages, then drops its oldest rows');
      } else {
        this.o.logger.info({ event: 'outbox_disk_ok', path: this.path, freeBytes: free }, 'free disk back above minFreeDiskBytes; the outbox grows again');
      }
    }
    this.diskMode = mode;
    this.walTight = free < Math.max(minFree, walTightBelowBytes);
  }

  /** Free space never taken; a minFreeDiskBytes below it lowers it (0 means the disk is never short). */
  private headroomBytes(): number {
    return Math.min(this.o.diskHeadroomBytes, this.o.minFreeDiskBytes);
  }

  private probeFreeBytes(): number | null {
    try {
      return (this.o.freeDiskBytes ?? freeDiskBytes)(dirname(this.path));
    } catch (err) {
      this.o.logger.warn({ event: 'outbox_statfs_failed', path: this.path, err: describeError(err) }, 'could not measure free disk space');
      return null;
    }
  }

  private maybePrune(now: number): void {
    if (this.o.deliveredRetentionMs === 0 || now - this.lastPruneMs < this.o.pruneIntervalMs) return;
    try {
      this.pruneDelivered();
    } catch (err) {
      // Pruning is housekeeping; the write that triggered it already committed.
      this.o.logger.warn({ event: 'outbox_prune_failed', path: this.path, err: describeError(err) }, 'could not prune delivered rows');
    }
  }

  /**
   * Runs `fn` in one immediate transaction, mapping SQLite failures to outbox errors.
   *
   * `relaxed` commits without waiting for the disk even when the outbox runs with
   * synchronous=FULL. Only acknowledgements use it: a power cut can undo such a commit, and then
   * the rows are sent again (a duplicate, which the message contract allows around a crash), never
   * lost. The next FULL commit syncs the WAL through this transaction too, since the WAL is
   * written in order.
   */
  private write(what: string, fn: () => void, durability: 'configured' | 'relaxed' = 'configured'): void {
    const relax = durability === 'relaxed' && this.o.synchronous === 'full';
    try {
      // exec, not a prepared statement: SQLite applies this pragma when it compiles it.
      if (relax) this.db.exec('PRAGMA synchronous = NORMAL');
      this.db.transaction(fn).immediate();
    } catch (err) {
      this.afterFailedTransaction();
      if (isDiskFullError(err)) {
        throw outboxErrors.EDGE_OUTBOX_DISK_FULL(`The disk holding the outbox ${this.path} is full, so ${what} was not saved; free space on that file system`, { path: this.path, operation: what }, err);
      }
      throw outboxErrors.EDGE_OUTBOX_WRITE_FAILED(`SQLite refused ${what} on the outbox ${this.path}: ${describeError(err)}`, { path: this.path, operation: what }, err);
    } finally {
      if (relax) this.db.exec('PRAGMA synchronous = FULL');
    }
  }

  private describeWriteError(err: unknown, encoded: readonly EncodedEntry[]): AgentError {
    if (err instanceof AgentError) return err;
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' && describeError(err).includes('outbox.result_id')) {
      const duplicate = this.findDuplicate(encoded);
      return outboxErrors.EDGE_OUTBOX_DUPLICATE_RESULT(
        `Expected a new resultId but ${duplicate ?? 'one of the batch'} is already in the outbox; each result is enqueued once`,
        { path: this.path, resultId: duplicate },
        err,
      );
    }
    return outboxErrors.EDGE_OUTBOX_WRITE_FAILED(`SQLite refused to store a result in the outbox ${this.path}: ${describeError(err)}`, { path: this.path, sqliteCode: code }, err);
  }

  private findDuplicate(encoded: readonly EncodedEntry[]): string | null {
    const seen = new Set<string>();
    const exists = this.db.prepare('SELECT 1 FROM outbox WHERE result_id = ?').pluck();
    for (const e of encoded) {
      if (seen.has(e.resultId) || exists.get(e.resultId) !== undefined) return e.resultId;
      seen.add(e.resultId);
    }
    return null;
  }

  /** After a commit: logs each drop and tells the observer (the drop metric) how many results went. */
  private logDrops(): void {
    for (const d of this.dropsInTransaction) {
      this.o.logger.warn({ event: 'outbox_drop', path: this.path, ...d }, `outbox limit ${d.reason} hit: dropped the ${d.droppedRows} oldest results`);
      if (this.o.onDropped === null || d.droppedRows === 0) continue;
      try {
        this.o.onDropped(d.reason, d.droppedRows);
      } catch (err) {
        // An observer is bookkeeping; the rows are already dropped and recorded.
        this.o.logger.warn({ event: 'outbox_observer_failed', path: this.path, err: describeError(err) }, 'the onDropped observer threw');
      }
    }
    this.dropsInTransaction = [];
  }

  private afterFailedTransaction(): void {
    this.dropsInTransaction = [];
    this.insertedInTransaction = [];
    this.markAheadDue = false;
    this.reloadTotals();
  }

  /** Reloads the kept counts when another connection committed (a requeue from the CLI), so limits count its rows. */
  private followOtherWriters(): void {
    const version = this.readDataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.reloadTotals();
  }

  private readDataVersion(): number {
    try {
      return this.db.pragma('data_version', { simple: true }) as number;
    } catch {
      return this.dataVersion;
    }
  }

  private reloadTotals(): void {
    try {
      // A failed transaction rolled the watermark back with everything else.
      this.deliveredThrough = deliveredThrough(this.db);
      const t = pendingTotals(this.db, this.deliveredThrough);
      this.pendingRows = t.rows;
      this.pendingBytes = t.bytes;
      const acknowledged = this.st.acknowledgedTotals.get(this.deliveredThrough) as { rows: number; bytes: number };
      this.acknowledgedRows = acknowledged.rows;
      this.acknowledgedBytes = acknowledged.bytes;
    } catch {
      // Reading can fail only with the disk in trouble; the next successful write corrects drift.
    }
  }

  private assertOpen(): void {
    if (this.closed) throw outboxErrors.EDGE_OUTBOX_CLOSED(`The outbox ${this.path} was used after close()`, { path: this.path });
  }
}
