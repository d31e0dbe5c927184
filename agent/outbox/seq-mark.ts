/**
 * The sequence high-water mark: a small file beside the database (`outbox.sqlite.seq`) that
 * remembers, outside SQLite, how far `seq` and each topic's `streamSeq` went. When the database
 * is lost (quarantined, emptied, deleted, or a damaged WAL silently dropped its last commits),
 * the numbers restart above the mark instead of at 1, and the mark tells which numbers the store
 * no longer holds, so a drop record can cover them.
 *
 * Two numbers per counter: `committed` (a seq known to be committed when the mark was written)
 * detects loss, and `reserved` (no seq above it was handed out) bounds it. The mark is written
 * when a seq would pass `reserved` (then `reserved` moves `seqMarkReserveRows` ahead) and on
 * close (then both are exact), so it is written at most once per `seqMarkReserveRows` rows of a
 * counter, not per row. Written to a temporary file, fsynced, renamed over: never half a mark.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { describeError } from '../errors/agent-error.js';

/** How far ahead of the last seq a mark reserves: at most one mark write per this many rows of a counter. */
export const seqMarkReserveRows = 1_000;

/** Largest mark file read; a mark names one entry per topic, so anything bigger is not ours. */
const maxMarkBytes = 1024 * 1024;

/** One counter's marks. */
export interface CounterMark {
  /** A value known to be committed in the database when the mark was written. */
  committed: number;
  /** No value above this was handed out while this mark stood. */
  reserved: number;
}

/** The device seq's mark and each topic's stream seq mark. */
export interface SeqMarkState {
  seq: CounterMark;
  /** Keyed by topic. */
  streams: Record<string, CounterMark>;
}

/** What reading the mark found: the state, or why there is none to use. */
export interface SeqMarkRead {
  state: SeqMarkState | null;
  /** Set when a mark file exists but cannot be used (it is then ignored, and the caller logs it). */
  problem: string | null;
}

/** `<database path>.seq`. */
export function seqMarkPath(databasePath: string): string {
  return `${databasePath}.seq`;
}

/** An empty mark (no seq handed out yet). */
export function emptySeqMark(): SeqMarkState {
  return { seq: { committed: 0, reserved: 0 }, streams: {} };
}

/** Reads the mark beside the database; a missing file is no mark, a damaged one is reported. */
export function readSeqMark(databasePath: string): SeqMarkRead {
  const path = seqMarkPath(databasePath);
  let text: string;
  try {
    const buffer = readFileSync(path);
    if (buffer.length > maxMarkBytes) return { state: null, problem: `${path} is ${buffer.length} bytes, more than a seq mark can be` };
    text = buffer.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: null, problem: null };
    return { state: null, problem: `could not read ${path}: ${describeError(err)}` };
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; seq?: unknown; streams?: unknown };
    const seq = counterMark(parsed.seq);
    if (parsed.version !== 1 || seq === null || parsed.streams === null || typeof parsed.streams !== 'object') {
      return { state: null, problem: `${path} is not a version-1 seq mark` };
    }
    const streams: Record<string, CounterMark> = {};
    for (const [topic, value] of Object.entries(parsed.streams as Record<string, unknown>)) {
      const mark = counterMark(value);
      if (mark !== null) streams[topic] = mark;
    }
    return { state: { seq, streams }, problem: null };
  } catch (err) {
    return { state: null, problem: `${path} is not valid JSON: ${describeError(err)}` };
  }
}

function markBody(state: SeqMarkState): string {
  return JSON.stringify({ version: 1, seq: state.seq, streams: state.streams });
}

/** Writes the mark atomically (temporary file, fsync, rename, fsync of the directory). Throws on failure. */
export function writeSeqMark(databasePath: string, state: SeqMarkState): void {
  const path = seqMarkPath(databasePath);
  const temporary = `${path}.tmp`;
  const body = markBody(state);
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  // The rename is durable only once the directory entry is; a lost rename leaves the older mark,
  // which still bounds everything handed out before it.
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  }
}

/** The mark's content, as `writeSeqMark` writes it (for a write made elsewhere, as the background one is). */
export function seqMarkBody(state: SeqMarkState): string {
  return markBody(state);
}

/** Moves a temporary mark over the mark (on the calling thread: metadata only, no sync). */
export function renameSeqMarkTemporary(databasePath: string, temporary: string): void {
  renameSync(temporary, seqMarkPath(databasePath));
}

function counterMark(value: unknown): CounterMark | null {
  if (value === null || typeof value !== 'object') return null;
  const { committed, reserved } = value as { committed?: unknown; reserved?: unknown };
  if (!isCount(committed) || !isCount(reserved)) return null;
  return { committed, reserved: Math.max(committed, reserved) };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
