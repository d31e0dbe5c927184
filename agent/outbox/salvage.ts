/**
 * Salvage: copies every row SQLite can still read from a quarantined outbox file into the new,
 * empty outbox, before anything new is written, keeping each row's id, seq, stream seq and
 * checksum (so the drainer still checks it). Rows are read by rowid range; a range that fails
 * (SQLITE_CORRUPT, a page past the end of a truncated file) is split in two until the unreadable
 * rows are isolated, so one bad page costs only the rows on it. Pending rows come first (the
 * results still owed to the subscriber), then dead letters and the persisted counters.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describeError } from '../errors/agent-error.js';
import { repairHeaderCopy } from './header-repair.js';

/** What salvage copied and what it could not read. */
export interface SalvageResult {
  /** Outbox rows copied (pending, plus delivered rows kept for retention). */
  rows: number;
  /** Dead letters copied. */
  deadLetters: number;
  /** Row ids that could not be read (an estimate where a whole range failed past the probe budget). */
  unreadableRows: number;
  /** Lowest row id that could not be read, or null when every row in range was read. */
  firstUnreadableId: number | null;
  /** Counters read from the old file (seq, streamSeq:<topic>, dropped.<reason>, corruptRows, deliveredThrough). */
  counters: Map<string, number>;
  /** Set when the file could not be read at all (nothing salvaged); null otherwise. */
  problem: string | null;
  /** True when the header was rebuilt on a copy to read the file. */
  headerRebuilt: boolean;
}

/** Rows read per query while everything reads fine. */
const chunkIds = 512;
/** Queries spent splitting failed ranges; past it, a failed range counts as lost whole (bounded time on a badly damaged file). */
const maxSplitQueries = 200_000;

const outboxColumns = 'id, result_id, seq, topic, payload, created_at_ms, bytes, state, attempts, kind, delivered_at_ms, checksum, stream_seq';
const deadLetterColumns = 'id, result_id, seq, topic, payload, created_at_ms, bytes, attempts, kind, reason, dead_at_ms, checksum, stream_seq';

/**
 * Reads what it can from `sourcePath` into `target` (a fresh outbox with the schema applied),
 * in one transaction, and returns the counts. Never throws for a damaged source.
 */
export function salvageInto(target: Database.Database, sourcePath: string): SalvageResult {
  const result: SalvageResult = { rows: 0, deadLetters: 0, unreadableRows: 0, firstUnreadableId: null, counters: new Map(), problem: null, headerRebuilt: false };
  if (!existsSync(sourcePath) || (statSync(sourcePath).size === 0 && !existsSync(`${sourcePath}-wal`))) {
    result.problem = 'the file is empty';
    return result;
  }
  const copyPath = `${sourcePath}.salvage-copy`;
  let source: Database.Database | null = null;
  try {
    source = openReadable(sourcePath);
    if (source === null) {
      if (repairHeaderCopy(sourcePath, copyPath) !== null) {
        result.headerRebuilt = true;
        source = openReadable(copyPath);
      }
    }
    if (source === null) {
      result.problem = 'SQLite cannot read its schema, even with a rebuilt header';
      return result;
    }
    const src = source;
    readCounters(src, result);
    const insertRow = target.prepare(`INSERT OR IGNORE INTO outbox (${outboxColumns}) VALUES (${outboxColumns.split(', ').map(() => '?').join(', ')})`);
    const insertDead = target.prepare(`INSERT OR IGNORE INTO dead_letter (${deadLetterColumns}) VALUES (${deadLetterColumns.split(', ').map(() => '?').join(', ')})`);
    const through = result.counters.get('deliveredThrough') ?? 0;
    const upper = highestId(src, result.counters);
    target.transaction(() => {
      const rows = new RangeReader(src, `SELECT ${outboxColumns} FROM outbox WHERE id BETWEEN ? AND ? ORDER BY id`);
      rows.read(through + 1, upper, (r) => {
        // A row marked pending below the delivered watermark was acknowledged already.
        if (insertRow.run(...r).changes > 0) result.rows += 1;
      });
      result.unreadableRows += rows.unreadable;
      result.firstUnreadableId = rows.firstUnreadable;
      const dead = new RangeReader(src, `SELECT ${deadLetterColumns} FROM dead_letter WHERE id BETWEEN ? AND ? ORDER BY id`);
      dead.read(1, upper, (r) => {
        if (insertDead.run(...r).changes > 0) result.deadLetters += 1;
      });
    }).immediate();
  } catch (err) {
    result.problem = `salvage stopped: ${describeError(err)}`;
  } finally {
    source?.close();
    rmSync(copyPath, { force: true });
  }
  return result;
}

/** Opens the file read-only (the quarantined file is kept as found); null when SQLite cannot read its schema. */
function openReadable(path: string): Database.Database | null {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    // A truncated file's header still counts the pages cut off, and SQLite refuses such a file as
    // corrupt unless the schema is writable (which better-sqlite3's defensive mode forbids); it
    // then takes the file's real size. The connection is read-only: nothing is written.
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'").all();
    return db;
  } catch {
    db?.close();
    return null;
  }
}

/** Reads the counters table (row by row where it must). */
function readCounters(src: Database.Database, result: SalvageResult): void {
  const reader = new RangeReader(src, 'SELECT name, value FROM counters WHERE rowid BETWEEN ? AND ? ORDER BY rowid');
  let upper = 0;
  try {
    upper = (src.prepare('SELECT max(rowid) AS m FROM counters').get() as { m: number | null }).m ?? 0;
  } catch {
    upper = 1_000; // a handful of counters: seq, the watermark, one per topic and per drop reason
  }
  reader.read(1, upper, (r) => {
    const [name, value] = r as [unknown, unknown];
    if (typeof name === 'string' && typeof value === 'number') result.counters.set(name, value);
  });
}

/** The highest row id the old file may hold: the largest of every witness that can still be read. */
function highestId(src: Database.Database, counters: Map<string, number>): number {
  let upper = counters.get('seq') ?? 0;
  const probes = ["SELECT seq AS m FROM sqlite_sequence WHERE name = 'outbox'", 'SELECT max(id) AS m FROM outbox', 'SELECT max(id) AS m FROM dead_letter'];
  for (const sql of probes) {
    try {
      const m = (src.prepare(sql).get() as { m: number | null } | undefined)?.m;
      if (typeof m === 'number') upper = Math.max(upper, m);
    } catch {
      // That witness is on a damaged page; the others still bound the range.
    }
  }
  return upper;
}

/** Reads rows of one rowid-range query, splitting any range that fails until the bad rows are isolated. */
class RangeReader {
  /** Rows (ids) that could not be read. */
  unreadable = 0;
  firstUnreadable: number | null = null;
  private splitQueries = 0;
  private readonly statement: Database.Statement<[number, number]>;

  constructor(db: Database.Database, sql: string) {
    this.statement = db.prepare<[number, number]>(sql).raw();
  }

  /** Calls `onRow` with each readable row from `from` to `to`, in rowid order. */
  read(from: number, to: number, onRow: (row: unknown[]) => void): void {
    for (let lo = from; lo <= to; lo += chunkIds) this.readRange(lo, Math.min(to, lo + chunkIds - 1), onRow);
  }

  private readRange(lo: number, hi: number, onRow: (row: unknown[]) => void): void {
    let rows: unknown[][];
    try {
      rows = this.statement.all(lo, hi) as unknown[][];
    } catch {
      if (lo === hi || this.splitQueries >= maxSplitQueries) {
        this.unreadable += hi - lo + 1;
        this.firstUnreadable = Math.min(this.firstUnreadable ?? lo, lo);
        return;
      }
      this.splitQueries += 2;
      const mid = Math.floor((lo + hi) / 2);
      this.readRange(lo, mid, onRow);
      this.readRange(mid + 1, hi, onRow);
      return;
    }
    for (const row of rows) onRow(row);
  }
}
