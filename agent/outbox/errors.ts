/**
 * Error codes of the outbox. The frame loop counts enqueue failures by code and carries on, so
 * a full disk or a duplicate result never stops inference.
 */
import { defineErrors } from '../errors/agent-error.js';

/** The outbox's error catalogue (docs/outbox.md explains each code). */
export const outboxErrors = defineErrors({
  EDGE_OUTBOX_DISK_FULL: {
    kind: 'environment',
    summary: 'The disk holding the outbox is full even after dropping the oldest rows; the result was not stored.',
  },
  EDGE_OUTBOX_WRITE_FAILED: {
    kind: 'runtime',
    summary: 'SQLite refused a write to the outbox for a reason other than a full disk.',
  },
  EDGE_OUTBOX_DUPLICATE_RESULT: {
    kind: 'input',
    summary: 'A result with the same resultId is already in the outbox.',
  },
  EDGE_OUTBOX_INVALID_ENTRY: {
    kind: 'input',
    summary: 'An entry handed to the outbox lacks a resultId, a topic or an object payload.',
  },
  EDGE_OUTBOX_INVALID_OPTION: {
    kind: 'config',
    summary: 'An outbox option (limit, retention, durability) has a value out of range.',
  },
  EDGE_OUTBOX_OPEN_FAILED: {
    kind: 'environment',
    summary: 'The outbox database could not be opened or created.',
  },
  EDGE_OUTBOX_NOT_FOUND: {
    kind: 'environment',
    summary: 'There is no outbox database in the data directory.',
  },
  EDGE_OUTBOX_CLOSED: {
    kind: 'runtime',
    summary: 'The outbox was used after close().',
  },
});
