/** Streaming sha256 of a file, so a large model is never read into memory whole. */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';

/** The file's sha256 (hex) and byte count. */
export async function digestFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}
