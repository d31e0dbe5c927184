/** The outbox's public surface: the interface, the SQLite implementation, and its helpers. */
export type { Outbox, OutboxEntry, OutboxRow, OutboxRowKind, OutboxRowState, OutboxStatus } from './outbox.js';
export { SqliteOutbox } from './sqlite-outbox.js';
export { OutboxReader } from './outbox-reader.js';
export { outboxDefaults, type SqliteOutboxOptions, type OutboxSynchronous } from './options.js';
export type { OutboxRecovery } from './open-database.js';
export type { DropReason, DropRecordPayload } from './drop-oldest.js';
export { outboxErrors } from './errors.js';
export { outboxPath, OUTBOX_FILE_NAME } from './paths.js';
export { DeadLetters, type DeadLetter, type RequeueOutcome, type RequeueSelection } from './dead-letters.js';
