/** Where the outbox lives inside a data directory. */
import { join } from 'node:path';

/** File name of the outbox database in the data directory. */
export const OUTBOX_FILE_NAME = 'outbox.sqlite';

/** `<dataDir>/outbox.sqlite`: the one place every command looks for the outbox. */
export function outboxPath(dataDir: string): string {
  return join(dataDir, OUTBOX_FILE_NAME);
}
