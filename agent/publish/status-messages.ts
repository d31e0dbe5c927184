/** Builders of the status and heartbeat messages (see messages.ts for their meaning). */
import type { OutboxStatus } from '../outbox/outbox.js';
import { MESSAGE_SCHEMA_VERSION, type HeartbeatMessage, type StatusMessage } from './messages.js';
import { assertNoImageBytes } from './payload-guard.js';

/** The retained status message for `state`, as JSON text. */
export function statusPayload(deviceId: string, state: StatusMessage['state'], at: Date = new Date()): string {
  const message: StatusMessage = { schemaVersion: MESSAGE_SCHEMA_VERSION, kind: 'status', deviceId, state, at: at.toISOString() };
  return JSON.stringify(message);
}

/** Pipeline measurements the heartbeat reports next to the outbox counters. */
export interface HeartbeatMetrics {
  frameRate: number | null;
  inferenceLatencyMs: number | null;
}

/** The heartbeat message as JSON text. */
export function heartbeatPayload(deviceId: string, outbox: OutboxStatus, metrics: HeartbeatMetrics, at: Date = new Date()): string {
  const message: HeartbeatMessage = {
    schemaVersion: MESSAGE_SCHEMA_VERSION,
    kind: 'heartbeat',
    deviceId,
    at: at.toISOString(),
    outbox: {
      pendingRows: outbox.pendingRows,
      pendingBytes: outbox.pendingBytes,
      oldestPendingAgeMs: outbox.oldestPendingAgeMs,
      deadRows: outbox.deadRows,
      lastSeq: outbox.lastSeq,
    },
    frameRate: metrics.frameRate,
    inferenceLatencyMs: metrics.inferenceLatencyMs,
  };
  assertNoImageBytes(message);
  return JSON.stringify(message);
}
