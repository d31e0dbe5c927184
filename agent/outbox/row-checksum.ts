/**
 * Row integrity: a CRC32 over what a subscriber relies on (seq, stream seq, topic, resultId and
 * the payload), written at enqueue and checked before a row is handed out for sending. SQLite's
 * own page checks do not cover a byte flipped inside a valid page (a bad SD card block, a stray
 * write), and a flipped byte in a JSON payload can still parse; CRC32 catches every single-byte
 * and burst error up to 32 bits, and costs about as much as reading the row.
 */
import { crc32 } from 'node:zlib';

/** The fields a checksum covers. */
export interface ChecksummedFields {
  seq: number;
  streamSeq: number | null;
  topic: string;
  resultId: string;
  payload: string;
}

/** CRC32 of the row's fields, an unsigned 32-bit integer. */
export function rowChecksum(f: ChecksummedFields): number {
  return crc32(f.payload, crc32(`${f.seq}\n${f.streamSeq ?? ''}\n${f.topic}\n${f.resultId}\n`));
}

/** Why a stored row fails its checksum, or null when it matches (or predates checksums: null stored). */
export function checksumProblem(f: ChecksummedFields, stored: number | null): string | null {
  if (stored === null) return null;
  const computed = rowChecksum(f);
  if (computed === stored) return null;
  return `checksum mismatch: stored ${stored.toString(16).padStart(8, '0')}, computed ${computed.toString(16).padStart(8, '0')} over seq, stream seq, topic, resultId and payload; the row changed on disk after it was written`;
}
