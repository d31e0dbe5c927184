/**
 * The message contract for cloud subscribers, as TypeScript types (the JSON Schemas in
 * schemas/ say the same for other languages; docs/messages.md states the guarantees).
 * Consumers import these from the `edge-agent-contract` package (`npm run pack:contract`), which
 * ships them without the agent. Everything here comes from agent/results (the ground floor), never
 * from the outbox, so the package's declarations name no native module.
 */
import type { CountRecord } from '../results/count-record.js';
import type { DropRecordPayload } from '../results/drop-record.js';
import type { EventRecord } from '../results/event-record.js';
import type { ResultRecord } from '../results/result-record.js';

export type { EventChange, EventRecord, EventType, EndReason, LineCrossings } from '../results/event-record.js';
export type { CountRecord, LabelCount, LineCount, PartialReason, ZoneCount } from '../results/count-record.js';
export type { DropReason, DropRecordPayload } from '../results/drop-record.js';
export type { Box, ClassScore, ClassificationRecord, Detection, DetectionRecord, FrameRef, ModelRef, Point, ResultRecord, StageTiming } from '../results/result-record.js';

/** Version of the envelope layouts below; bumped on any incompatible change. */
export const MESSAGE_SCHEMA_VERSION = 1 as const;

/** MQTT 5 content type of every message the agent publishes. */
export const MESSAGE_CONTENT_TYPE = 'application/json';

/** One result as published: the ResultRecord plus the per-device, strictly increasing `seq`. */
export type ResultMessage = ResultRecord & {
  /** Assigned by the outbox at enqueue; gaps are announced by drop messages, never silent. */
  seq: number;
  /** Per-topic sequence, gap-free on each topic (absent in results stored before outbox schema 2). */
  streamSeq?: number;
};

/** One event of a tracked object (`report.policy: events`), numbered like results on the same topic (docs/events.md). */
export type EventMessage = EventRecord & {
  /** Assigned by the outbox at enqueue, shared with results. */
  seq: number;
  /** Per-topic sequence, gap-free on each topic. */
  streamSeq?: number;
};

/** The counts of one camera and model over one interval (`report.policy: counts`), numbered like results on the same topic (docs/messages.md). */
export type CountsMessage = CountRecord & {
  /** Assigned by the outbox at enqueue, shared with results. */
  seq: number;
  /** Per-topic sequence, gap-free on each topic. */
  streamSeq?: number;
};

/** An intended gap: results dropped on the device by a configured limit, published in their place. */
export type DropMessage = DropRecordPayload & {
  seq: number;
  /** The drop message's own place in its topic's sequence. */
  streamSeq?: number;
  /** Fields the outbox was configured to add to drop records, such as deviceId. */
  [key: string]: unknown;
};

/** Several results in one message, sent only while a backlog drains; `results` are in seq order. */
export interface ResultBatchMessage {
  schemaVersion: typeof MESSAGE_SCHEMA_VERSION;
  kind: 'batch';
  /** Result, event, counts and drop messages, oldest first. */
  results: (ResultMessage | EventMessage | CountsMessage | DropMessage)[];
}

/** The retained status message: `online` on connect, `offline` as the last will or on a clean close. */
export interface StatusMessage {
  schemaVersion: typeof MESSAGE_SCHEMA_VERSION;
  kind: 'status';
  deviceId: string;
  state: 'online' | 'offline';
  /** ISO 8601; for the last will, the time the connection that set it was opened. */
  at: string;
}

/** Outbox counters carried by the heartbeat. */
export interface HeartbeatOutbox {
  pendingRows: number;
  pendingBytes: number;
  /** Age of the oldest pending row in ms, or null when the outbox is empty. */
  oldestPendingAgeMs: number | null;
  deadRows: number;
  lastSeq: number;
}

/** Periodic health: how far behind the device is and how fast it runs. */
export interface HeartbeatMessage {
  schemaVersion: typeof MESSAGE_SCHEMA_VERSION;
  kind: 'heartbeat';
  deviceId: string;
  at: string;
  outbox: HeartbeatOutbox;
  /** Frames per second over the last interval, or null when no camera runs. */
  frameRate: number | null;
  /** Mean inference time in ms over the last interval, or null before the first frame. */
  inferenceLatencyMs: number | null;
}

/** Any message a subscriber may receive on the agent's topics. */
export type AgentMessage = ResultMessage | EventMessage | CountsMessage | DropMessage | ResultBatchMessage | StatusMessage | HeartbeatMessage;
