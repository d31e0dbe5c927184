/**
 * The event record: what the `events` report policy keeps instead of per-frame results. A tracked
 * object produces one `start`, any number of `update`s, and exactly one `end` (Frigate's
 * new/update/end). It never holds image bytes; agent/publish/schemas/event-message.schema.json is
 * the contract for cloud subscribers, and docs/events.md says what each message means.
 */
import type { Box, ModelRef } from './result-record.js';

/** Version of the event layout; bumped on any incompatible change. */
export const EVENT_SCHEMA_VERSION = 1 as const;

/** Which moment of a track an event reports. */
export type EventType = 'start' | 'update' | 'end';

/** Why a track ended: not seen for `tracking.maxMissedFrames`, the agent stopping, found open after a restart, or its policy replaced by a live reconfiguration. */
export type EndReason = 'lost' | 'shutdown' | 'restart' | 'reconfigured';

/** What made an `update`: a zone entered or left, a line crossed, or the periodic update. */
export type EventChange =
  | { type: 'zone-entered' | 'zone-left'; zone: string }
  | { type: 'line-crossed'; line: string; direction: 'forward' | 'backward' }
  | { type: 'periodic' };

/** Crossings of one line by one track, per direction. */
export interface LineCrossings {
  line: string;
  forward: number;
  backward: number;
}

/** One event of one tracked object. */
export interface EventRecord {
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  kind: 'event';
  type: EventType;
  /** This message's id (ULID, time-sortable, unique); deduplicate on it, as on a result's. */
  resultId: string;
  /** The track's id (ULID), unique per device; the same in every event of the track and in results' `trackId`. */
  trackId: string;
  deviceId: string;
  /** Camera name from the configuration. */
  camera: string;
  model: ModelRef;
  label: string;
  /** Score of the last detection matched to the track. */
  score: number;
  /** Best score the track had so far. */
  bestScore: number;
  /** The last matched box, in source-image pixels. */
  box: Box;
  /** Zones the object is in now (none in an `end`). */
  zones: string[];
  /** Every zone entered so far, in the order first entered. */
  zonesEntered: string[];
  /** Crossings so far, per line that was crossed. */
  lineCrossings: LineCrossings[];
  /** `update` only: what changed since the previous event. */
  changes?: EventChange[];
  /** ISO 8601 capture time of the frame the track was first seen in. */
  startedAt: string;
  /** ISO 8601 time this event is about: the frame's capture time, or the time the track ended. */
  at: string;
  /** `end` only: capture time of the frame the object was last seen in. */
  endedAt?: string;
  /** `end` only: `endedAt - startedAt` in ms. */
  durationMs?: number;
  /** `end` only. */
  reason?: EndReason;
}
