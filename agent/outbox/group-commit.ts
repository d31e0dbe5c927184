/**
 * Group commit: the results kept within a short window are written in one outbox transaction
 * (`enqueueMany`), from a timer, instead of one transaction per result on the frame's path. With
 * a WalSync the commit does not wait for the disk either: the group is synced off the event loop.
 * What this costs in durability (a power cut, a process crash) is in docs/outbox.md, "Group
 * commit and durability". A window of 0 writes every result at once, as before, and throws.
 */
import { AgentError, describeError } from '../errors/agent-error.js';
import type { Logger } from '../log/logger.js';
import { LogThrottle } from '../log/throttle.js';
import { outboxErrors } from './errors.js';
import type { Outbox, OutboxEntry, OutboxRow } from './outbox.js';
import type { WalSync } from './wal-sync.js';

/** Settings of group commit (`outbox.groupCommit` in the configuration). */
export interface GroupCommitSettings {
  /** Longest a kept result waits before its group is written, in ms; 0 writes each result at once. */
  windowMs: number;
  /** A group is written as soon as it holds this many results, whatever the window. */
  maxRows: number;
}

/** Options of a GroupCommit; `Tag` is whatever the caller wants back about a result that failed (its camera and model). */
export interface GroupCommitOptions<Tag> extends GroupCommitSettings {
  logger: Logger;
  /** Syncs each committed group to disk off the event loop; without one the outbox's own `synchronous` applies. */
  walSync?: WalSync;
  /** Called after each commit with the rows it stored (the drainer's wake-up). Must not throw. */
  onCommitted?: (rows: readonly OutboxRow[]) => void;
  /** Called with the tags of results that could not be stored and why (counted by the camera that made them). Must not throw. */
  onFailed?: (tags: readonly Tag[], err: unknown) => void;
}

/** Counters of a GroupCommit. */
export interface GroupCommitStats {
  /** enqueueMany calls that stored rows. */
  transactions: number;
  rowsStored: number;
  rowsFailed: number;
  /** Results waiting for their group to be written. */
  rowsWaiting: number;
  /** Most rows stored in one transaction. */
  largestGroup: number;
}

/** Codes that belong to one entry, not to the disk: the rest of its group is written without it. */
const entryErrorCodes = new Set(['EDGE_OUTBOX_DUPLICATE_RESULT', 'EDGE_OUTBOX_INVALID_ENTRY']);

/** Collects kept results and writes them in groups; `add` never waits for the disk and never throws once a window is set. */
export class GroupCommit<Tag = undefined> {
  private readonly outbox: Pick<Outbox, 'enqueue' | 'enqueueMany'>;
  private readonly o: GroupCommitOptions<Tag>;
  private readonly throttle = new LogThrottle();
  private waiting: { entry: OutboxEntry; tag: Tag }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters = { transactions: 0, rowsStored: 0, rowsFailed: 0, largestGroup: 0 };

  constructor(outbox: Pick<Outbox, 'enqueue' | 'enqueueMany'>, options: GroupCommitOptions<Tag>) {
    if (!Number.isSafeInteger(options.windowMs) || options.windowMs < 0 || options.windowMs > 2_147_483_647) {
      throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(`Expected a whole number of ms from 0 to 2147483647 for the group commit window (outbox.groupCommit.windowMs) but received ${String(options.windowMs)}`, { windowMs: options.windowMs });
    }
    if (!Number.isSafeInteger(options.maxRows) || options.maxRows < 1) {
      throw outboxErrors.EDGE_OUTBOX_INVALID_OPTION(`Expected a positive whole number for the group commit maxRows (outbox.groupCommit.maxRows) but received ${String(options.maxRows)}`, { maxRows: options.maxRows });
    }
    this.outbox = outbox;
    this.o = options;
  }

  /**
   * Hands one result over. With a window it is written within `windowMs` (or at once when the
   * group reaches `maxRows`), and a failure goes to `onFailed`; with a window of 0, or after
   * close, it is written now and a failure is thrown, as `Outbox.enqueue` does.
   */
  add(entry: OutboxEntry, tag: Tag): void {
    if (this.o.windowMs === 0 || this.closed) {
      const row = this.outbox.enqueue(entry);
      this.committed([row]);
      return;
    }
    this.waiting.push({ entry, tag });
    if (this.waiting.length >= this.o.maxRows) {
      // The bound on memory and on what a crash can lose: written now, on this call.
      this.flush();
      return;
    }
    // Not unref'd: a group waiting to be written keeps the process alive until it is.
    this.timer ??= setTimeout(() => this.flushFromTimer(), this.o.windowMs);
  }

  /** Writes the waiting group now (a stop, a test); returns how many rows were stored. Never throws. */
  flush(): number {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.waiting;
    if (group.length === 0) return 0;
    this.waiting = [];
    return this.write(group);
  }

  /** Writes what waits, then writes each later result at once; the WAL is synced on this thread. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.o.walSync?.close();
  }

  /** Counters, for benchmarks, tests and the status line. */
  stats(): GroupCommitStats {
    return { ...this.counters, rowsWaiting: this.waiting.length };
  }

  private flushFromTimer(): void {
    this.timer = undefined;
    this.flush();
  }

  private write(group: readonly { entry: OutboxEntry; tag: Tag }[]): number {
    try {
      const rows = this.outbox.enqueueMany(group.map((g) => g.entry));
      this.committed(rows);
      return rows.length;
    } catch (err) {
      if (group.length > 1 && err instanceof AgentError && entryErrorCodes.has(err.code)) {
        // One bad entry must not cost the others: write them one by one (rare, so the extra syncs do not matter).
        let stored = 0;
        for (const g of group) stored += this.write([g]);
        return stored;
      }
      this.failed(group, err);
      return 0;
    }
  }

  private committed(rows: readonly OutboxRow[]): void {
    this.counters.transactions++;
    this.counters.rowsStored += rows.length;
    this.counters.largestGroup = Math.max(this.counters.largestGroup, rows.length);
    this.o.walSync?.request();
    this.observe(() => this.o.onCommitted?.(rows));
  }

  private failed(group: readonly { entry: OutboxEntry; tag: Tag }[], err: unknown): void {
    this.counters.rowsFailed += group.length;
    const onFailed = this.o.onFailed;
    if (onFailed !== undefined) {
      // The cameras that made the results count and log them (bounded), as a failed enqueue.
      this.observe(() => onFailed(group.map((g) => g.tag), err));
      return;
    }
    const code = err instanceof AgentError ? err.code : 'EDGE_UNEXPECTED';
    const suppressed = this.throttle.shouldLog(code);
    if (suppressed !== undefined) {
      this.o.logger.error({ event: 'outbox_group_commit_failed', code, rows: group.length, suppressed, err: describeError(err) }, 'a group of kept results could not be stored; inference goes on');
    }
  }

  /** Runs an observer; one that throws is logged, never thrown into a timer or the frame loop. */
  private observe(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.o.logger.error({ event: 'outbox_group_commit_observer_failed', err: describeError(err) }, 'a group commit observer threw');
    }
  }
}
