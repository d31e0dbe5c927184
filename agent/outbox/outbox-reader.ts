/**
 * Read-only access to an outbox for `edge-agent outbox status|export` while the agent may be
 * writing to it: WAL lets a reader see the last committed state without blocking the writer.
 */
import Database from 'better-sqlite3';
import type { OutboxRow, OutboxStatus } from './outbox.js';
import { deliveredThrough, readStatus, selectPending, type CorruptRow } from './rows.js';
import { openExistingOutbox } from './open-existing.js';

/** A read-only view of an outbox file. */
export class OutboxReader {
  /** Opens `path` read-only; refuses a missing file or one that is not an outbox. */
  static open(path: string): OutboxReader {
    return new OutboxReader(path, openExistingOutbox(path, 'read', (db) => db.prepare('SELECT 1 FROM outbox LIMIT 1').get()));
  }

  private constructor(
    /** The database file. */
    readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /** The same counts `SqliteOutbox.status()` reports. */
  status(nowMs: number = Date.now()): OutboxStatus {
    return readStatus(this.db, nowMs, deliveredThrough(this.db));
  }

  /**
   * Every pending row oldest first, read in pages so memory stays bounded. Rows failing their
   * checksum are not yielded (the agent dead-letters them before sending); `onCorrupt` hears of each.
   */
  *pending(pageRows = 500, onCorrupt: (row: CorruptRow) => void = () => undefined): Generator<OutboxRow> {
    let afterId = deliveredThrough(this.db);
    for (;;) {
      const page = selectPending(this.db, pageRows, afterId);
      yield* page.rows;
      for (const c of page.corrupt) onCorrupt(c);
      const lastId = Math.max(page.rows.at(-1)?.id ?? 0, page.corrupt.at(-1)?.id ?? 0);
      if (lastId === 0 || page.rows.length + page.corrupt.length < pageRows) return;
      afterId = lastId;
    }
  }

  /** Closes the read-only connection. */
  close(): void {
    this.db.close();
  }
}
