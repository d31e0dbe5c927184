/**
 * One download path for every file the agent fetches against a known sha256 and size (model
 * files, the demo's sample images): the bytes go to a temporary file in the destination's folder,
 * are counted and hashed on the way, and are renamed into place only after both match, so a crash
 * or a bad source never leaves a partial or wrong file where it would be read.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, rmSync, renameSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { AgentError } from '../errors/agent-error.js';
import { openRegularFile } from './regular-file.js';

/** What the file must be: its hex sha256 and its size in bytes. */
export interface ExpectedFile {
  sha256: string;
  bytes: number;
}

/** The caller's own errors for a source that sends the wrong bytes (each area keeps its codes). */
export interface DownloadRefusals {
  /** The source sent more than `bytes`; raised mid-stream, before the rest is read. */
  tooLarge(source: string): AgentError;
  /** The whole file came but its size or digest differs. */
  mismatch(source: string, got: { sha256: string; bytes: number }): AgentError;
}

/** How to reach a source and what to call the file in a refusal. */
export interface DownloadOptions {
  /** Gives up on one HTTP source after this long. */
  timeoutMs: number;
  /** Names the file in a not-a-regular-file refusal ("model file", "sample image"). */
  what: string;
  refusals: DownloadRefusals;
}

/**
 * Copies `source` (an http(s) URL, a file:// URL or a path) to `dest` if and only if it has the
 * expected size and sha256; returns what was written. Throws the caller's refusal on a mismatch,
 * a plain Error for a route that failed (no such file, HTTP status, timeout).
 */
export async function downloadVerified(source: string, dest: string, expected: ExpectedFile, options: DownloadOptions): Promise<{ sha256: string; bytes: number }> {
  mkdirSync(dirname(dest), { recursive: true });
  const temp = `${dest}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
  const hash = createHash('sha256');
  let bytes = 0;
  // Counts and hashes while writing; stops a source that sends more than expected.
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > expected.bytes) {
        done(options.refusals.tooLarge(source));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(await openSource(source, options.timeoutMs, options.what), meter, createWriteStream(temp, { flags: 'wx' }));
    const sha256 = hash.digest('hex');
    if (bytes !== expected.bytes || sha256 !== expected.sha256) throw options.refusals.mismatch(source, { sha256, bytes });
    // Durable before visible: flush the bytes, then rename into place.
    const fd = openSync(temp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, dest);
    return { sha256, bytes };
  } finally {
    rmSync(temp, { force: true });
  }
}

/** A readable stream of `source`: fetch for http(s), a checked regular file otherwise. */
async function openSource(source: string, timeoutMs: number, what: string): Promise<Readable> {
  if (source.startsWith('http://') || source.startsWith('https://')) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is its cause.
    const res = await fetch(source, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' }).catch((err: unknown) => {
      const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
      const why = cause === undefined ? '' : ` (${String(cause.code ?? cause.message)})`;
      throw new Error(`${(err as Error).message}${why}`);
    });
    if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  const path = source.startsWith('file://') ? fileURLToPath(source) : source;
  if (!existsSync(path)) throw new Error('no such file');
  // A mirror entry that is a link to /dev/zero or a FIFO is refused rather than read without end.
  const { fd } = openRegularFile(path, what);
  return createReadStream('', { fd, autoClose: true });
}
