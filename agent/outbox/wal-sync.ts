/**
 * Makes committed outbox rows durable without blocking the event loop. With group commit the
 * outbox runs at `synchronous=NORMAL`, so a commit only writes the WAL into the page cache; this
 * then fdatasyncs the `-wal` file on libuv's thread pool. fsync is per file (per inode), so a
 * second descriptor on the WAL flushes what SQLite wrote through its own, and every commit made
 * before a sync started is on disk once it completes. SQLite keeps its own guarantees at
 * NORMAL (the database stays consistent after a power cut; checkpoints still sync), so this only
 * narrows what a power cut can undo to the commits after the last completed sync.
 * docs/outbox.md ("Group commit and durability") has the measured cost.
 */
import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, openSync, statSync } from 'node:fs';
import { describeError } from '../errors/agent-error.js';
import type { Logger } from '../log/logger.js';
import { LogThrottle } from '../log/throttle.js';

/** Counters of the WAL syncs, for benchmarks and tests. */
export interface WalSyncStats {
  /** Syncs completed. */
  syncs: number;
  /** Syncs that failed (logged, bounded); the next commit asks for another. */
  failures: number;
}

/** Options of a WalSync. */
export interface WalSyncOptions {
  /** The outbox database file; its WAL is `<path>-wal`. */
  databasePath: string;
  logger: Logger;
}

/** Syncs the outbox WAL off the event loop, one sync at a time; requests made while one runs are folded into the next. */
export class WalSync {
  private readonly walPath: string;
  private readonly logger: Logger;
  private readonly throttle = new LogThrottle();
  private fd: number | undefined;
  private inode = -1;
  private running = false;
  private again = false;
  private closed = false;
  private readonly waiters: (() => void)[] = [];
  private readonly counters: WalSyncStats = { syncs: 0, failures: 0 };

  constructor(options: WalSyncOptions) {
    this.walPath = `${options.databasePath}-wal`;
    this.logger = options.logger;
  }

  /** Asks for a sync of everything committed so far; returns at once. */
  request(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.start();
  }

  /** Resolves once no sync is running or asked for (for a stop and for tests). */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Syncs now, on the calling thread (a clean stop), then closes the descriptor. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.again = false;
    const fd = this.descriptor();
    if (fd !== undefined) {
      try {
        fdatasyncSync(fd);
        this.counters.syncs++;
      } catch (err) {
        this.failed(err);
      }
    }
    // A sync still running on the pool holds the descriptor; it is closed when that one ends.
    if (!this.running) this.closeDescriptor();
  }

  /** Syncs done and failed. */
  stats(): WalSyncStats {
    return { ...this.counters };
  }

  private start(): void {
    const fd = this.descriptor();
    if (fd === undefined) return; // no WAL yet: nothing was committed that needs it
    this.running = true;
    this.again = false;
    fdatasync(fd, (err) => {
      this.running = false;
      if (err === null) this.counters.syncs++;
      else this.failed(err);
      if (this.closed) {
        this.closeDescriptor();
      } else if (this.again) {
        this.start();
      }
      if (!this.running) for (const resolve of this.waiters.splice(0)) resolve();
    });
  }

  /**
   * The descriptor of the current WAL file. SQLite keeps one WAL file while the database is open
   * (it truncates, never replaces it), but a recovery or a test may put a new one in its place, so
   * the inode is compared with the path's before each sync.
   */
  private descriptor(): number | undefined {
    let inode: number;
    try {
      inode = statSync(this.walPath).ino;
    } catch {
      return this.fd;
    }
    if (this.fd !== undefined && inode === this.inode) return this.fd;
    if (this.running) return this.fd; // swapped while a sync runs: picked up by the next one
    this.closeDescriptor();
    try {
      // Read-only: fdatasync needs no write access on Linux, and this descriptor never writes.
      this.fd = openSync(this.walPath, constants.O_RDONLY);
      this.inode = fstatSync(this.fd).ino;
    } catch (err) {
      this.failed(err);
      return undefined;
    }
    return this.fd;
  }

  private closeDescriptor(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closing a read-only descriptor loses nothing.
    }
    this.fd = undefined;
    this.inode = -1;
  }

  private failed(err: unknown): void {
    this.counters.failures++;
    const suppressed = this.throttle.shouldLog('sync');
    if (suppressed !== undefined) {
      this.logger.error({ event: 'outbox_wal_sync_failed', path: this.walPath, suppressed, err: describeError(err) }, 'could not sync the outbox WAL to disk; the rows are stored but a power cut could undo them; tried again at the next commit');
    }
  }
}
