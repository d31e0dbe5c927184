/**
 * Checks an entry and turns its payload into JSON text once, outside the write transaction, so
 * the transaction only splices in the sequence number it assigns.
 */
import type { OutboxEntry } from './outbox.js';
import { outboxErrors } from './errors.js';

/** An entry whose payload is already JSON text without `seq`. */
export interface EncodedEntry {
  resultId: string;
  topic: string;
  /** `{...}` text of the payload; `seq` is appended by withSeq(). */
  json: string;
  /** Set when the payload carried its own `seq` or `streamSeq`, which the outbox's values replace. */
  payload: Record<string, unknown> | null;
}

/** Validates one entry and encodes its payload; `index` names it in errors about a batch. */
export function encodeEntry(entry: OutboxEntry, index: number): EncodedEntry {
  const where = `outbox entry ${index}`;
  if (entry === null || typeof entry !== 'object') {
    throw outboxErrors.EDGE_OUTBOX_INVALID_ENTRY(`Expected an object for ${where} but received ${entry === null ? 'null' : typeof entry}`, { index });
  }
  const { resultId, topic, payload } = entry;
  if (typeof resultId !== 'string' || resultId === '') {
    throw outboxErrors.EDGE_OUTBOX_INVALID_ENTRY(`Expected a non-empty string for resultId of ${where} but received ${JSON.stringify(resultId)}`, { index });
  }
  if (typeof topic !== 'string' || topic === '' || /[#+\u0000]/.test(topic)) {
    throw outboxErrors.EDGE_OUTBOX_INVALID_ENTRY(
      `Expected an MQTT topic without wildcards (# +) for topic of ${where} but received ${JSON.stringify(topic)}`,
      { index, resultId },
    );
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw outboxErrors.EDGE_OUTBOX_INVALID_ENTRY(
      `Expected a JSON object for payload of ${where} but received ${Array.isArray(payload) ? 'an array' : payload === null ? 'null' : typeof payload}`,
      { index, resultId },
    );
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw outboxErrors.EDGE_OUTBOX_INVALID_ENTRY(`Expected a JSON-serializable payload for ${where} but JSON.stringify failed: ${(err as Error).message}`, { index, resultId }, err);
  }
  if (json === undefined || !json.startsWith('{')) {
    throw outboxErrors.EDGE_OUTBOX_INVALID_ENTRY(`Expected payload of ${where} to serialize to a JSON object but it became ${String(json)}`, { index, resultId });
  }
  return { resultId, topic, json, payload: Object.hasOwn(payload, 'seq') || Object.hasOwn(payload, 'streamSeq') ? payload : null };
}

/** The payload's JSON text with `seq` and `streamSeq` added (replacing any the caller put there). */
export function withSeq(entry: EncodedEntry, seq: number, streamSeq: number): string {
  if (entry.payload !== null) return JSON.stringify({ ...entry.payload, seq, streamSeq });
  const tail = `"seq":${seq},"streamSeq":${streamSeq}}`;
  return entry.json === '{}' ? `{${tail}` : `${entry.json.slice(0, -1)},${tail}`;
}

/** UTF-8 byte length of the payload once `seq` and `streamSeq` (up to 16 digits each) are added; used to plan room. */
export function plannedBytes(entry: EncodedEntry): number {
  return Buffer.byteLength(entry.json, 'utf8') + 56;
}
