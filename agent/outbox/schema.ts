/**
 * The outbox's tables. `counters` holds the device's last sequence number and the drop counts,
 * so both survive restarts and deletes (a MAX(seq) over rows would go back when rows leave), and
 * `deliveredThrough`: every row with an id up to it was acknowledged, whatever its state says
 * (those rows are deleted later, in chunks; docs/outbox.md, "Delivery").
 */
import type { Database } from 'better-sqlite3';

/** Marks the file as an edge-agent outbox ('EDGA'), so a foreign SQLite file is never reused. */
export const OUTBOX_APPLICATION_ID = 0x45444741;

/**
 * Layout version in `PRAGMA user_version`. 2 added `checksum` (row integrity) and `stream_seq`
 * (the per-topic sequence) to both row tables; rows of a version-1 file keep NULL in both, which
 * means "written before checksums", so they are sent unverified rather than refused.
 */
export const OUTBOX_SCHEMA_VERSION = 2;

const ddl = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  result_id TEXT NOT NULL UNIQUE,
  seq INTEGER NOT NULL UNIQUE,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered')),
  attempts INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL CHECK (kind IN ('result', 'drop')),
  delivered_at_ms INTEGER,
  checksum INTEGER,
  stream_seq INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS outbox_state_id ON outbox (state, id);
CREATE TABLE IF NOT EXISTS dead_letter (
  id INTEGER PRIMARY KEY,
  result_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  topic TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  dead_at_ms INTEGER NOT NULL,
  checksum INTEGER,
  stream_seq INTEGER
) STRICT;
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO counters (name, value) VALUES ('seq', 0);
INSERT OR IGNORE INTO counters (name, value) VALUES ('deliveredThrough', 0);
`;

/** Name of the persisted per-topic sequence counter of `topic` (one row per stream). */
export function streamCounterName(topic: string): string {
  return `streamSeq:${topic}`;
}

/** Name of the persisted counter of rows dropped for `reason`. */
export function dropCounterName(reason: string): string {
  return `dropped.${reason}`;
}

/** Columns added after version 1, per table; a migration adds whichever a file lacks. */
const addedColumns: Record<string, string[]> = {
  outbox: ['checksum INTEGER', 'stream_seq INTEGER'],
  dead_letter: ['checksum INTEGER', 'stream_seq INTEGER'],
};

/**
 * Creates the tables on a fresh file, migrates an older one in the same transaction (adding
 * nullable columns only: existing rows are never rewritten), and stamps the version.
 */
export function applySchema(db: Database): void {
  db.transaction(() => {
    db.exec(ddl);
    for (const [table, columns] of Object.entries(addedColumns)) {
      const present = new Set((db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
      for (const column of columns) {
        if (!present.has(column.split(' ')[0] as string)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
      }
    }
    db.pragma(`application_id = ${OUTBOX_APPLICATION_ID}`);
    db.pragma(`user_version = ${OUTBOX_SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * Why an existing SQLite file is not an outbox, or null when it is one (or is empty, which
 * becomes a fresh outbox).
 */
export function foreignFileProblem(db: Database): string | null {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number };
  if (appId === 0 && tables.n === 0) return null;
  if (appId !== OUTBOX_APPLICATION_ID) return `application_id is ${appId}, expected ${OUTBOX_APPLICATION_ID} (not an edge-agent outbox)`;
  return null;
}

/** The file's layout version (0 for a file this agent has not stamped yet). */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
