/**
 * A SQLite file whose first 100 bytes (the database header) are damaged is refused whole ("file
 * is not a database"), though every page after the header may be intact. For salvage only, a
 * copy of the file gets a rebuilt header, trying each page size until SQLite can read the
 * schema and the outbox table; the original file stays untouched for inspection.
 * Header layout: https://www.sqlite.org/fileformat2.html#the_database_header
 */
import { closeSync, copyFileSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { OUTBOX_APPLICATION_ID, OUTBOX_SCHEMA_VERSION } from './schema.js';

const pageSizes = [4096, 1024, 2048, 8192, 16384, 32768, 65536, 512];

/** A SQLite header for a file of `fileBytes` with pages of `pageSize`, rollback journal, no free list. */
function rebuiltHeader(pageSize: number, fileBytes: number): Buffer {
  const h = Buffer.alloc(100);
  h.write('SQLite format 3\0', 0, 'latin1');
  h.writeUInt16BE(pageSize === 65536 ? 1 : pageSize, 16);
  h[18] = 1; // legacy read/write versions: no WAL is looked for next to the copy
  h[19] = 1;
  h[20] = 0; // reserved bytes per page
  h[21] = 64;
  h[22] = 32;
  h[23] = 32;
  h.writeUInt32BE(1, 24); // change counter; equal to "version valid for" so the page count is used
  h.writeUInt32BE(Math.floor(fileBytes / pageSize), 28);
  h.writeUInt32BE(1, 40); // schema cookie
  h.writeUInt32BE(4, 44); // schema format
  h.writeUInt32BE(1, 56); // UTF-8
  h.writeUInt32BE(OUTBOX_SCHEMA_VERSION, 60);
  h.writeUInt32BE(OUTBOX_APPLICATION_ID, 68);
  h.writeUInt32BE(1, 92);
  h.writeUInt32BE(3_045_000, 96);
  return h;
}

/**
 * Copies `path` to `copyPath` and rebuilds the copy's header; returns the page size that made the
 * outbox table readable, or null (the copy is then removed). The caller removes the copy after use.
 */
export function repairHeaderCopy(path: string, copyPath: string): number | null {
  const fileBytes = statSync(path).size;
  if (fileBytes < 512) return null;
  copyFileSync(path, copyPath);
  for (const pageSize of pageSizes) {
    if (fileBytes < pageSize) continue;
    const fd = openSync(copyPath, 'r+');
    try {
      writeSync(fd, rebuiltHeader(pageSize, fileBytes), 0, 100, 0);
    } finally {
      closeSync(fd);
    }
    let db: Database.Database | null = null;
    try {
      db = new Database(copyPath, { readonly: true, fileMustExist: true });
      const found = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'outbox'").get() as { n: number };
      if (found.n === 1) {
        db.prepare('SELECT id FROM outbox LIMIT 1').all();
        return pageSize;
      }
    } catch {
      // Not this page size; try the next.
    } finally {
      db?.close();
    }
  }
  rmSync(copyPath, { force: true });
  return null;
}
