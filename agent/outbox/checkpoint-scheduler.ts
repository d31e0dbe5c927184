/**
 * WAL checkpoints off the event loop. A checkpoint copies the WAL's pages into the database file
 * and syncs both; run by the outbox's own connection (SQLite's auto-checkpoint) that is two
 * fsyncs on the event loop, tens of ms on an SD card. This asks the outbox thread
 * (outbox-thread.ts) for a PASSIVE checkpoint on its own connection (it never waits for readers
 * or the writer) once the outbox has written about `checkpointEveryFrames` pages since the last
 * one. The outbox's connection keeps SQLite's auto-checkpoint at a backstop (open-database.ts) in
 * case the thread cannot keep up or cannot start.
 */
import type { Logger } from '../log/logger.js';
import { LogThrottle } from '../log/throttle.js';
import { describeError } from '../errors/agent-error.js';
import type { OutboxThread } from './outbox-thread.js';

/** About this many WAL pages written since the last checkpoint ask for the next (SQLite's own auto-checkpoint size). */
export const checkpointEveryFrames = 1_000;

/**
 * The WAL starts again from its beginning (and so stays small) only when a write finds every
 * frame copied; frames committed while a checkpoint ran are not, so up to this many short
 * follow-up checkpoints copy them.
 */
const maxFollowUps = 2;

/** Counters of the checkpoints, for benchmarks and tests. */
export interface CheckpointStats {
  /** Checkpoints asked for (requests folded into one already running are not counted). */
  requested: number;
  /** Follow-up checkpoints for commits made while one ran (counted in `completed` too). */
  followUps: number;
  /** Checkpoints that completed. */
  completed: number;
  /** Checkpoints that failed (logged, bounded); the next request tries again. */
  failures: number;
  /** WAL pages the last checkpoint found, and how many of them it copied (fewer when a reader held some). */
  lastWalFrames: number;
  lastCopiedFrames: number;
  /** Longest checkpoint, in ms of the background thread's time (never the event loop's). */
  maxMs: number;
  /** Most WAL pages any checkpoint found: stays near `checkpointEveryFrames` while the WAL starts again after each. */
  maxWalFrames: number;
}

/** Asks for checkpoints as the WAL grows; one at a time, requests made while one runs fold into the next. */
export class CheckpointScheduler {
  private readonly throttle = new LogThrottle();
  private framesSince = 0;
  /** Commits since the running checkpoint started, and follow-ups left for the current request. */
  private commitsSinceStart = 0;
  private followUpsLeft = 0;
  private running = false;
  private again = false;
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  private readonly counters: CheckpointStats = { requested: 0, followUps: 0, completed: 0, failures: 0, lastWalFrames: 0, lastCopiedFrames: 0, maxMs: 0, maxWalFrames: 0 };

  constructor(
    private readonly thread: OutboxThread,
    private readonly databasePath: string,
    private readonly logger: Logger,
  ) {}

  /** After a commit of about `bytes` of rows: counts the pages it wrote and asks for a checkpoint every `checkpointEveryFrames`. */
  noteCommit(bytes: number, pageSize: number): void {
    // Each commit writes its leaf pages, an index page or two and the counters page as whole pages.
    this.framesSince += Math.ceil((2 * bytes) / pageSize) + 3;
    this.commitsSinceStart++;
    if (this.framesSince >= checkpointEveryFrames) this.request();
  }

  /** Asks for a checkpoint now; returns at once. */
  request(): void {
    if (this.closed) return;
    this.framesSince = 0;
    this.followUpsLeft = maxFollowUps;
    if (this.running) {
      this.again = true;
      return;
    }
    this.counters.requested++;
    this.start();
  }

  /** Resolves once no checkpoint is running or asked for. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** No checkpoint is asked for after this (the thread's close waits for one running). */
  close(): void {
    this.closed = true;
    this.again = false;
  }

  /** Counts so far. */
  stats(): CheckpointStats {
    return { ...this.counters };
  }

  private start(): void {
    this.running = true;
    this.again = false;
    this.commitsSinceStart = 0;
    this.thread.checkpoint().then(
      (r) => {
        this.counters.completed++;
        this.counters.lastWalFrames = r.log;
        this.counters.lastCopiedFrames = r.checkpointed;
        this.counters.maxWalFrames = Math.max(this.counters.maxWalFrames, r.log);
        this.counters.maxMs = Math.max(this.counters.maxMs, r.ms);
        this.finished(true);
      },
      (err: unknown) => {
        if (!this.closed) this.failed(err);
        this.finished(false);
      },
    );
  }

  private finished(ok: boolean): void {
    this.running = false;
    if (this.again && !this.closed) {
      this.counters.requested++;
      this.start();
    } else if (ok && !this.closed && this.commitsSinceStart > 0 && this.followUpsLeft > 0) {
      this.followUpsLeft--;
      this.counters.followUps++;
      this.start();
    }
    if (!this.running) for (const resolve of this.waiters.splice(0)) resolve();
  }

  private failed(err: unknown): void {
    this.counters.failures++;
    const suppressed = this.throttle.shouldLog('checkpoint');
    if (suppressed !== undefined) {
      this.logger.warn({ event: 'outbox_checkpoint_failed', path: this.databasePath, suppressed, err: describeError(err) }, 'a WAL checkpoint off the event loop failed; SQLite checkpoints on its own once the WAL reaches its backstop size');
    }
  }
}
