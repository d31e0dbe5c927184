/**
 * Result ids are ULIDs: 48 bits of milliseconds then 80 random bits, Crockford base32. They sort
 * by creation time, and the monotonic factory keeps ids made in the same millisecond in order,
 * so a subscriber can order and deduplicate on the id alone.
 */
import { monotonicFactory } from 'ulid';

const next = monotonicFactory();

/** A new time-sortable unique result id. */
export function newResultId(nowMs: number = Date.now()): string {
  return next(nowMs);
}
