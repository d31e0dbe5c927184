/**
 * `edge-agent-contract`: the message contract for cloud consumers, without the agent. It holds
 * the TypeScript types of every message the agent publishes, their JSON Schemas, a validator and
 * the checking subscriber; its one dependency is mqtt (the subscriber's transport). Installing it
 * installs no native module, no ONNX Runtime and no AWS SDK (test/deploy/contract-package.test.ts).
 */
import { MessageValidator, type MessageKind } from '../../agent/publish/subscriber/message-validator.js';

export type { AgentMessage, CountsMessage, DropMessage, EventMessage, HeartbeatMessage, HeartbeatOutbox, ResultBatchMessage, ResultMessage, StatusMessage } from '../../agent/publish/messages.js';
export type {
  Box, ClassScore, ClassificationRecord, CountRecord, Detection, DetectionRecord, DropReason, DropRecordPayload, EndReason, EventChange, EventRecord, EventType,
  FrameRef, LabelCount, LineCount, LineCrossings, ModelRef, PartialReason, Point, ResultRecord, StageTiming, ZoneCount,
} from '../../agent/publish/messages.js';
export { MESSAGE_CONTENT_TYPE, MESSAGE_SCHEMA_VERSION } from '../../agent/publish/messages.js';
export { MessageValidator, type MessageKind, type Validation } from '../../agent/publish/subscriber/message-validator.js';
export { DeliveryChecker, type DeliveryReport, type DeviceReport } from '../../agent/publish/subscriber/delivery-checker.js';
export { startSubscriber, type Subscriber, type SubscriberOptions } from '../../agent/publish/subscriber/subscriber.js';

/** The outcome of validateMessage: `valid`, and what is wrong when it is not. */
export interface MessageValidation {
  valid: boolean;
  /** JSON-pointer-prefixed problems; empty when valid. */
  errors: string[];
  /** The schema the message was checked against ('unknown' when its kind could not be told). */
  kind: MessageKind | 'unknown';
}

let shared: MessageValidator | undefined;

/**
 * Validates one message of any kind the agent sends (result, event, counts, drop, batch, status, heartbeat)
 * against its JSON Schema. Accepts the parsed object or the raw payload (string or Buffer).
 */
export function validateMessage(message: unknown): MessageValidation {
  shared ??= new MessageValidator();
  const payload = typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message);
  if (payload === undefined) return { valid: false, errors: ['not a JSON value'], kind: 'unknown' };
  const v = shared.validate(payload);
  return v.ok ? { valid: true, errors: [], kind: v.kind } : { valid: false, errors: v.errors, kind: v.kind };
}
