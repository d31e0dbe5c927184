/**
 * Free space on the outbox's file system, and recognising "disk full" among SQLite's errors.
 */
import { statfsSync } from 'node:fs';

/** Bytes an unprivileged process may still write on the file system holding `dir` (statfs bavail). */
export function freeDiskBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** True for the errors SQLite and Node raise when a write found no space left. */
export function isDiskFullError(err: unknown): boolean {
  if (!(err instanceof Error) || !('code' in err)) return false;
  const code = String(err.code);
  // SQLite's unix VFS reports ENOSPC on write as SQLITE_FULL; growing the -shm file reports SHMSIZE.
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'SQLITE_IOERR_SHMSIZE';
}
