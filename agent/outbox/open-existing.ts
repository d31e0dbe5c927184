/**
 * Opens an outbox file that must already exist, for the CLI's readers and editors (`outbox
 * status/export/dead/requeue`): a missing file or one that is not an outbox is refused with the
 * fix, and the agent's own open (which creates, migrates and quarantines) is not involved.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describeError } from '../errors/agent-error.js';
import { outboxErrors } from './errors.js';
import { foreignFileProblem } from './schema.js';

/** Opens `path` read-only or read-write and runs `check` on it; throws EDGE_OUTBOX_NOT_FOUND or EDGE_OUTBOX_OPEN_FAILED. */
export function openExistingOutbox(path: string, mode: 'read' | 'write', check: (db: Database.Database) => void): Database.Database {
  if (!existsSync(path)) {
    throw outboxErrors.EDGE_OUTBOX_NOT_FOUND(
      `Expected an outbox database at ${path} but there is none; pass the agent's data directory with --data-dir or EDGE_AGENT_DATA_DIR`,
      { path },
    );
  }
  let db: Database.Database | null = null;
  try {
    db = mode === 'read' ? new Database(path, { readonly: true, fileMustExist: true }) : new Database(path, { fileMustExist: true, timeout: 10_000 });
    const problem = foreignFileProblem(db);
    if (problem !== null) throw new Error(problem);
    check(db);
    return db;
  } catch (err) {
    db?.close();
    throw outboxErrors.EDGE_OUTBOX_OPEN_FAILED(
      `Could not ${mode === 'read' ? 'read' : 'open'} the outbox database ${path}: ${describeError(err)}; the agent moves an unusable outbox aside at its next start`,
      { path },
      err,
    );
  }
}
