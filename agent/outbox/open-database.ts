/**
 * Opens the outbox file for writing. A file that fails `PRAGMA integrity_check`, is empty (0
 * bytes), is not a SQLite database, or belongs to another program is renamed aside with a
 * timestamp, a fresh outbox is created and every row SQLite can still read from the old file is
 * salvaged into it before anything new is written; the agent keeps running, and the caller logs
 * and counts the recovery. A hot WAL is read before SQLite opens the file, because SQLite drops
 * every commit after a damaged WAL frame without a word (wal-check.ts).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AgentError, describeError } from '../errors/agent-error.js';
import { outboxErrors } from './errors.js';
import type { OutboxSynchronous } from './options.js';
import { salvageInto, type SalvageResult } from './salvage.js';
import { applySchema, foreignFileProblem, OUTBOX_SCHEMA_VERSION, schemaVersion } from './schema.js';
import { checkWal, type WalCheck } from './wal-check.js';

/**
 * What happened to a damaged or missing store found at start. `SqliteOutbox` completes the loss
 * figures once it has compared the store with the seq high-water mark (seq-continuity.ts).
 */
export interface OutboxRecovery {
  /** What was wrong: integrity_check output, the SQLite error, an empty file, a damaged WAL, a missing file. */
  reason: string;
  /** Where the old file now is (its -wal beside it with the same name); null when nothing was moved (a damaged WAL, a missing file). */
  movedTo: string | null;
  /** True when a new outbox replaced the old file (counted as edge_agent_outbox_recreated_total). */
  recreated: boolean;
  atMs: number;
  /** Rows copied from the old file into the new outbox (pending and retained rows). */
  salvagedRows: number;
  /** Dead letters copied from the old file. */
  salvagedDeadLetters: number;
  /** Rows of the old file SQLite could not read. */
  unreadableRows: number;
  /** Results known to be lost (unreadable rows, and commits the seq mark proves but the store lacks). */
  lostRows: number;
  /** Drop records (reason storeLost) written to tell the subscriber; one per stream that lost seqs. */
  dropRecords: number;
  /** The device seq the outbox goes on from (the next result gets one more). */
  seqResumedFrom: number;
}

/** An open, schema-ready outbox database and what was done to get there. */
export interface OpenedOutboxDatabase {
  db: Database.Database;
  /** Non-null when the store was damaged, replaced or missing; log it loudly and count it. */
  recovery: OutboxRecovery | null;
  /** What salvage read from the quarantined file, when one was moved aside. */
  salvage: SalvageResult | null;
  /** What the WAL scan found, when the WAL lost commits. */
  walLoss: WalCheck | null;
}

/** What the seq mark says about a store that should exist: a file that is gone while the mark shows seqs were handed out is a loss. */
export interface ExpectedStore {
  /** Highest seq the mark knows was committed, or 0 without a mark. */
  markedSeq: number;
}

/** WAL files are truncated back to this size after a checkpoint; the space below it is reused. */
const journalSizeLimitBytes = 16 * 1024 * 1024;
/** WAL pages after which SQLite checkpoints on the writing connection itself: 4x the worker's interval. */
const autoCheckpointBackstopPages = 4_000;
/** SQLite's own auto-checkpoint interval, kept when checkpoints stay on the writing connection. */
const sqliteAutoCheckpointPages = 1_000;
/** Page cache of the outbox connection, in KiB. */
const cacheKiB = 2_000;

/** Opens (creating when missing) the outbox at `path`, moving an unusable file aside first. */
export function openOutboxDatabase(path: string, synchronous: OutboxSynchronous, nowMs: number, expected: ExpectedStore = { markedSeq: 0 }, checkpointsOffLoop = true): OpenedOutboxDatabase {
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
  let walLoss: WalCheck | null = null;
  if (existsSync(path)) {
    // Before any SQLite connection: opening the file replays the WAL and forgets what it dropped.
    const wal = checkWal(path);
    if (wal !== null && wal.problem !== null && wal.lostFrames > 0) {
      walLoss = wal;
      const keptAt = keepDamagedWal(path, nowMs);
      recovery = newRecovery(`${wal.problem}${keptAt === null ? '' : `; the damaged WAL is kept as ${keptAt}`}`, null, false, nowMs);
    }
    const problem = inspectExisting(path);
    if (problem !== null) {
      const reason = recovery === null ? problem : `${problem}; ${recovery.reason}`;
      recovery = newRecovery(reason, moveAside(path, nowMs), true, nowMs);
    }
  } else if (expected.markedSeq > 0) {
    recovery = newRecovery(`the outbox file is missing, but its seq mark shows results up to seq ${expected.markedSeq} were stored in it`, null, true, nowMs);
  }
  let db: Database.Database;
  try {
    db = new Database(path);
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode !== 'wal') throw new Error(`journal_mode stayed ${mode}; WAL needs a file system with shared memory (not a network mount)`);
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
    db.pragma(`journal_size_limit = ${journalSizeLimitBytes}`);
    // Checkpoints run off the event loop (checkpoint-worker.ts) every ~1,000 pages; SQLite's own,
    // on this connection and so on the loop, only if the WAL grows past this backstop.
    db.pragma(`wal_autocheckpoint = ${checkpointsOffLoop ? autoCheckpointBackstopPages : sqliteAutoCheckpointPages}`);
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
  let salvage: SalvageResult | null = null;
  if (recovery?.movedTo != null) {
    salvage = salvageInto(db, recovery.movedTo);
    recovery.salvagedRows = salvage.rows;
    recovery.salvagedDeadLetters = salvage.deadLetters;
    recovery.unreadableRows = salvage.unreadableRows;
    if (salvage.problem !== null) recovery.reason = `${recovery.reason}; nothing salvaged: ${salvage.problem}`;
    else if (salvage.headerRebuilt) recovery.reason = `${recovery.reason}; read through a rebuilt header`;
  }
  return { db, recovery, salvage, walLoss };
}

function newRecovery(reason: string, movedTo: string | null, recreated: boolean, atMs: number): OutboxRecovery {
  return { reason, movedTo, recreated, atMs, salvagedRows: 0, salvagedDeadLetters: 0, unreadableRows: 0, lostRows: 0, dropRecords: 0, seqResumedFrom: 0 };
}

/** Copies a WAL that lost commits beside the database before SQLite replays and discards it; null when the copy failed. */
function keepDamagedWal(path: string, nowMs: number): string | null {
  const target = `${path}-wal.damaged-${stamp(nowMs)}`;
  try {
    copyFileSync(`${path}-wal`, target);
    return target;
  } catch {
    return null;
  }
}

function stamp(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/[:.]/g, '-');
}

/** Returns why the file at `path` cannot be used, or null when it is a healthy outbox. */
function inspectExisting(path: string): string | null {
  // SQLite takes a 0-byte file for a new database; for the outbox it is a store that lost
  // everything (issue 12: 1,565 pending results gone with no log line).
  if (statSync(path).size === 0) return 'the file is empty (0 bytes): whatever it held is gone';
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
  const at = stamp(nowMs);
  let movedTo = `${path}.corrupt-${at}`;
  for (let n = 1; existsSync(movedTo); n += 1) movedTo = `${path}.corrupt-${at}-${n}`;
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
