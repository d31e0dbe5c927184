/** The outbox the delivery tests drain: the real SQLite one in a temp dir. */
import { join } from 'node:path';
import type { Outbox } from '../../../agent/outbox/outbox.js';
import { SqliteOutbox } from '../../../agent/outbox/sqlite-outbox.js';
import { silentLogger } from '../../../agent/log/logger.js';

/** Opens (or reopens) the outbox file in `dir`. */
export function openTestOutbox(dir: string): Outbox {
  return SqliteOutbox.open({ path: join(dir, 'outbox.sqlite'), logger: silentLogger(), diskReserveBytes: 0 });
}
