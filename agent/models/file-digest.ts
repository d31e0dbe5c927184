/** Streaming sha256 of a regular file, so a large model is never read into memory whole. */
import { closeSync, createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { openRegularFile } from './regular-file.js';

/** A file's digest; `sha256` is undefined when the file was not hashed because its size already differs. */
export interface FileDigest {
  /** Hex sha256 of the whole file, or undefined when it was larger than `maxBytes` allows. */
  sha256: string | undefined;
  /** The file's size in bytes. */
  bytes: number;
}

/**
 * The file's sha256 (hex) and byte count. Refuses anything but a regular file
 * (EDGE_MODEL_FILE_NOT_REGULAR). With `maxBytes` (the manifest's byte count) a larger file is
 * not hashed at all, and never more than `maxBytes` are read even if the file grows meanwhile.
 */
export async function digestFile(path: string, options: { maxBytes?: number } = {}): Promise<FileDigest> {
  const { fd, bytes: size } = openRegularFile(path, 'model file');
  const max = options.maxBytes;
  if (max !== undefined && size > max) {
    closeSync(fd);
    return { sha256: undefined, bytes: size };
  }
  const hash = createHash('sha256');
  let bytes = 0;
  // `end` is inclusive: at most max + 1 bytes, enough to see that a growing file went past max.
  const stream = createReadStream('', { fd, autoClose: true, ...(max === undefined ? {} : { end: max }) });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  if (max !== undefined && bytes > max) return { sha256: undefined, bytes };
  return { sha256: hash.digest('hex'), bytes };
}
