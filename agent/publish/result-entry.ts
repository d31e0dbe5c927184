/**
 * Where a result payload is built for the outbox: the one place the pipeline turns a
 * ResultRecord into an OutboxEntry, so the image-bytes rule cannot be bypassed.
 */
import type { OutboxEntry } from '../outbox/outbox.js';
import type { CountRecord } from '../results/count-record.js';
import type { EventRecord } from '../results/event-record.js';
import type { ResultRecord } from '../results/result-record.js';
import { assertNoImageBytes } from './payload-guard.js';

/** Builds the outbox entry for one record, event or count record; throws EDGE_PUBLISH_IMAGE_BYTES if it carries binary data. */
export function resultEntry(record: ResultRecord | EventRecord | CountRecord, topic: string): OutboxEntry {
  assertNoImageBytes(record);
  return { resultId: record.resultId, topic, payload: { ...record } };
}
