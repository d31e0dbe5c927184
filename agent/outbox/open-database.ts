/**
 * Opens the outbox file for writing. A file that fails `PRAGMA integrity_check`, is not a SQLite
 * database, or belongs to another program is renamed aside with a timestamp and a fresh outbox
 * is created: the agent keeps running, and the caller logs and counts the recovery.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../log/logger.js';
import { AgentError, describeError } from '../errors/agent-error.js';
import { outboxErrors } from './errors.js';
import type { OutboxSynchronous } from './options.js';
import { applySchema, foreignFileProblem, OUTBOX_SCHEMA_VERSION, schemaVersion } from './schema.js';

/** What happened to an unusable database found at start. */
export interface OutboxRecovery {
  /** Why the old file could not be used (integrity_check output or the SQLite error). */
  reason: string;
  /** Where the old file now is; its -wal file, if any, sits beside it with the same name. */
  movedTo: string;
  atMs: number;
}

/** An open, schema-ready outbox database and what was done to get there. */
export interface OpenedOutboxDatabase {
  db: Database.Database;
  /** Non-null when a corrupt or foreign file was moved aside; log it loudly and count it. */
  recovery: OutboxRecovery | null;
}

/** WAL files are truncated back to this size after a checkpoint; the space below it is reused. */
const journalSizeLimitBytes = 16 * 1024 * 1024;
/** Page cache of the outbox connection, in KiB. */
const cacheKiB = 2_000;

/** Opens (creating when missing) the outbox at `path`, moving an unusable file aside first. */
export function openOutboxDatabase(path: string, synchronous: OutboxSynchronous, logger: Logger, nowMs: number): OpenedOutboxDatabase {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw outboxErrors.EDGE_OUTBOX_OPEN_FAILED(
      `Could not create the outbox directory ${dirname(path)}: ${describeError(err)}; choose a writable one with --data-dir or EDGE_AGENT_DATA_DIR`,
      { path },
      err,
    );
  }
  let recovery: OutboxRecovery | null = null;
  if (existsSync(path)) {
    const problem = inspectExisting(path);
    if (problem !== null) {
      recovery = { reason: problem, movedTo: moveAside(path, nowMs), atMs: nowMs };
      logger.error({ event: 'outbox_recovered', path, movedTo: recovery.movedTo, reason: problem },
        'outbox database was unusable; moved it aside and started a new, empty outbox');
    }
  }
  let db: Database.Database;
  try {
    db = new Database(path);
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode !== 'wal') throw new Error(`journal_mode stayed ${mode}; WAL needs a file system with shared memory (not a network mount)`);
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    db.pragma(`journal_size_limit = ${journalSizeLimitBytes}`);
    // better-sqlite3 builds SQLite with a 16 MB page cache; the outbox appends and reads its
    // oldest rows, so 2 MB (SQLite's own default) serves it, and the agent's resident memory no
    // longer climbs by the cache's size as the outbox grows (docs/benchmarks.md, issue 3).
    db.pragma(`cache_size = -${cacheKiB}`);
    applySchema(db);
  } catch (err) {
    throw outboxErrors.EDGE_OUTBOX_OPEN_FAILED(
      `Could not open the outbox database ${path}: ${describeError(err)}; check that the data directory is writable and on a local disk, or choose another with --data-dir`,
      { path },
      err,
    );
  }
  return { db, recovery };
}

/** Returns why the file at `path` cannot be used, or null when it is a healthy outbox. */
function inspectExisting(path: string): string | null {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { fileMustExist: true });
    const foreign = foreignFileProblem(db);
    if (foreign !== null) return foreign;
    const version = schemaVersion(db);
    if (version > OUTBOX_SCHEMA_VERSION) {
      // A newer agent's data is not corrupt: refuse rather than move it aside.
      throw outboxErrors.EDGE_OUTBOX_OPEN_FAILED(
        `Expected outbox schema version ${OUTBOX_SCHEMA_VERSION} or older in ${path} but found ${version}; run the newer agent that wrote it, or move the file away`,
        { path, version },
      );
    }
    const rows = db.pragma('integrity_check') as { integrity_check: string }[];
    const messages = rows.map((r) => r.integrity_check);
    if (messages.length === 1 && messages[0] === 'ok') return null;
    return `integrity_check: ${messages.slice(0, 5).join('; ')}`;
  } catch (err) {
    if (err instanceof AgentError) throw err;
    return `SQLite could not read it: ${describeError(err)}`;
  } finally {
    db?.close();
  }
}

/** Renames the file (and its -wal) to `<path>.corrupt-<timestamp>` and removes the stale -shm. */
function moveAside(path: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  let movedTo = `${path}.corrupt-${stamp}`;
  for (let n = 1; existsSync(movedTo); n += 1) movedTo = `${path}.corrupt-${stamp}-${n}`;
  try {
    renameSync(path, movedTo);
    if (existsSync(`${path}-wal`)) renameSync(`${path}-wal`, `${movedTo}-wal`);
    rmSync(`${path}-shm`, { force: true });
  } catch (err) {
    throw outboxErrors.EDGE_OUTBOX_OPEN_FAILED(
      `The outbox database ${path} is unusable and could not be moved aside to ${movedTo}: ${describeError(err)}; move or delete it by hand`,
      { path, movedTo },
      err,
    );
  }
  return movedTo;
}
