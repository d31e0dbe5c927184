/**
 * Read-only access to an outbox for `edge-agent outbox status|export` while the agent may be
 * writing to it: WAL lets a reader see the last committed state without blocking the writer.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describeError } from '../errors/agent-error.js';
import { outboxErrors } from './errors.js';
import type { OutboxRow, OutboxStatus } from './outbox.js';
import { deliveredThrough, readStatus, selectPending, type CorruptRow } from './rows.js';
import { foreignFileProblem } from './schema.js';

/** A read-only view of an outbox file. */
export class OutboxReader {
  /** Opens `path` read-only; refuses a missing file or one that is not an outbox. */
  static open(path: string): OutboxReader {
    if (!existsSync(path)) {
      throw outboxErrors.EDGE_OUTBOX_NOT_FOUND(
        `Expected an outbox database at ${path} but there is none; pass the agent's data directory with --data-dir or EDGE_AGENT_DATA_DIR`,
        { path },
      );
    }
    let db: Database.Database | null = null;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true });
      const problem = foreignFileProblem(db);
      if (problem !== null) throw new Error(problem);
      db.prepare('SELECT 1 FROM outbox LIMIT 1').get();
      return new OutboxReader(path, db);
    } catch (err) {
      db?.close();
      throw outboxErrors.EDGE_OUTBOX_OPEN_FAILED(
        `Could not read the outbox database ${path}: ${describeError(err)}; the agent moves an unusable outbox aside at its next start`,
        { path },
        err,
      );
    }
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
