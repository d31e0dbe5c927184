/**
 * Reads a hot WAL before SQLite does, to find commits that SQLite would silently drop. SQLite
 * replays a WAL up to the first frame whose checksum fails and ignores the rest, so a few
 * damaged bytes in the middle of a WAL lose every transaction committed after them with no
 * error at all (issue 12: 64 bytes lost 30 committed rows). Frames after the damage that still
 * carry the WAL's current salts were written in this WAL generation, so they are commits SQLite
 * will lose; frames with other salts are leftovers of an earlier generation and mean nothing.
 * Format: https://www.sqlite.org/fileformat2.html#walformat
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What the WAL scan found. */
export interface WalCheck {
  /** Bytes in the WAL file. */
  walBytes: number;
  /** Frames SQLite will replay (the valid prefix). */
  validFrames: number;
  /** Frames of the current generation after the first bad one: SQLite ignores them. */
  lostFrames: number;
  /** Commit frames among the lost ones: transactions that were committed and will be lost. */
  lostCommits: number;
  /** Why the WAL is damaged, or null when SQLite will replay all of it. */
  problem: string | null;
}

const walHeaderBytes = 32;
const frameHeaderBytes = 24;
/** A WAL larger than this is not scanned (the outbox keeps its WAL near 4 MiB; 16 MiB is its size limit). */
const maxScannedBytes = 256 * 1024 * 1024;

/** Scans `<path>-wal`; null when there is none (or it is empty): nothing to lose. */
export function checkWal(databasePath: string): WalCheck | null {
  let fd: number;
  try {
    fd = openSync(`${databasePath}-wal`, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return null;
    if (size > maxScannedBytes) return { walBytes: size, validFrames: 0, lostFrames: 0, lostCommits: 0, problem: null };
    const bytes = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, bytes, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return scanWal(bytes.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

/** Scans WAL bytes (exported for tests). */
export function scanWal(bytes: Buffer): WalCheck {
  const result: WalCheck = { walBytes: bytes.length, validFrames: 0, lostFrames: 0, lostCommits: 0, problem: null };
  if (bytes.length < walHeaderBytes) {
    result.problem = `the WAL is ${bytes.length} bytes, shorter than its ${walHeaderBytes}-byte header`;
    return result;
  }
  const magic = bytes.readUInt32BE(0);
  const pageSize = bytes.readUInt32BE(8);
  if ((magic !== 0x377f0682 && magic !== 0x377f0683) || pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    // SQLite ignores a WAL whose header it cannot read: every frame in it is lost.
    const frames = Math.floor((bytes.length - walHeaderBytes) / (frameHeaderBytes + 4096));
    result.lostFrames = frames;
    result.problem = `the WAL header is damaged (magic ${magic.toString(16)}, page size ${pageSize}); SQLite ignores all ${bytes.length} bytes of it`;
    return result;
  }
  const bigEndian = (magic & 1) === 1;
  let sums = checksum(bytes, 0, 24, [0, 0], bigEndian);
  if (sums[0] !== bytes.readUInt32BE(24) || sums[1] !== bytes.readUInt32BE(28)) {
    const frames = Math.floor((bytes.length - walHeaderBytes) / (frameHeaderBytes + pageSize));
    result.lostFrames = frames;
    result.problem = `the WAL header checksum fails; SQLite ignores all ${frames} frames of it`;
    return result;
  }
  const salt1 = bytes.readUInt32BE(16);
  const salt2 = bytes.readUInt32BE(20);
  const frameBytes = frameHeaderBytes + pageSize;
  let offset = walHeaderBytes;
  let damagedAt = -1;
  for (; offset + frameBytes <= bytes.length; offset += frameBytes) {
    const sameGeneration = bytes.readUInt32BE(offset + 8) === salt1 && bytes.readUInt32BE(offset + 12) === salt2;
    if (damagedAt === -1) {
      if (!sameGeneration) break;
      const next = checksum(bytes, offset + frameHeaderBytes, pageSize, checksum(bytes, offset, 8, sums, bigEndian), bigEndian);
      if (next[0] === bytes.readUInt32BE(offset + 16) && next[1] === bytes.readUInt32BE(offset + 20) && bytes.readUInt32BE(offset) !== 0) {
        sums = next;
        result.validFrames += 1;
        continue;
      }
      damagedAt = offset;
      result.lostFrames += 1;
      continue;
    }
    // Past the damage the cumulative checksum cannot be followed; the salts still tell the generation.
    if (!sameGeneration) continue;
    result.lostFrames += 1;
    if (bytes.readUInt32BE(offset + 4) !== 0) result.lostCommits += 1;
  }
  if (damagedAt !== -1 && result.lostFrames > 1) {
    result.problem = `WAL frame ${(damagedAt - walHeaderBytes) / frameBytes + 1} fails its checksum; SQLite replays the ${result.validFrames} frames before it and ignores ${result.lostFrames} frames written after it (${result.lostCommits} commits)`;
  } else {
    // A bad last frame alone is a write torn by a crash: it never committed. Not a loss.
    result.lostFrames = 0;
    result.lostCommits = 0;
  }
  return result;
}

/** SQLite's WAL checksum over `length` bytes (a multiple of 8) from `start`, continuing from `seed`. */
function checksum(bytes: Buffer, start: number, length: number, seed: readonly [number, number], bigEndian: boolean): [number, number] {
  let s1 = seed[0];
  let s2 = seed[1];
  for (let i = start; i < start + length; i += 8) {
    const x0 = bigEndian ? bytes.readUInt32BE(i) : bytes.readUInt32LE(i);
    const x1 = bigEndian ? bytes.readUInt32BE(i + 4) : bytes.readUInt32LE(i + 4);
    s1 = (s1 + x0 + s2) >>> 0;
    s2 = (s2 + x1 + s1) >>> 0;
  }
  return [s1, s2];
}
