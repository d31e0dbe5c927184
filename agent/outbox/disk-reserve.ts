/**
 * A ballast file beside the outbox. On a truly full disk SQLite cannot even delete rows (a
 * delete is a WAL write too), so the outbox keeps this much space claimed and gives it up at
 * the first SQLITE_FULL: that is the room in which the oldest rows are dropped and the insert
 * retried. It is claimed again once statfs shows space has come back.
 */
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import { describeError } from '../errors/agent-error.js';

/** The reserve file `<outbox>-reserve`. */
export class DiskReserve {
  /** Path of the ballast file. */
  readonly path: string;

  constructor(
    outboxPath: string,
    private readonly bytes: number,
    private readonly logger: Logger,
  ) {
    this.path = `${outboxPath}-reserve`;
  }

  /** True when the ballast is in place at full size (always true for a zero-byte reserve). */
  held(): boolean {
    if (this.bytes === 0) return true;
    try {
      return statSync(this.path).size >= this.bytes;
    } catch {
      return false;
    }
  }

  /** Claims the space (writing real zeros, so the blocks are allocated); false when there is no room. */
  claim(): boolean {
    if (this.held()) return true;
    try {
      writeFileSync(this.path, Buffer.alloc(this.bytes));
      return true;
    } catch (err) {
      rmSync(this.path, { force: true });
      this.logger.debug({ event: 'outbox_reserve_unavailable', path: this.path, err: describeError(err) }, 'could not claim the disk reserve yet');
      return false;
    }
  }

  /** Gives the space back to the file system; true when there was any to give. */
  release(): boolean {
    if (this.bytes === 0 || !existsSync(this.path)) return false;
    rmSync(this.path, { force: true });
    return true;
  }
}
