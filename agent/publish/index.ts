/**
 * The publish area's public surface: the message contract types for cloud consumers, the
 * Publisher seam with its three transports, the drainer, and the reference subscriber.
 */
export type { AgentMessage, DropMessage, EndReason, EventChange, EventMessage, EventRecord, EventType, HeartbeatMessage, HeartbeatOutbox, LineCrossings, ResultBatchMessage, ResultMessage, StatusMessage } from './messages.js';
export { MESSAGE_CONTENT_TYPE, MESSAGE_SCHEMA_VERSION } from './messages.js';
export type { DisconnectListener, OutgoingMessage, PublishOutcome, Publisher } from './publisher.js';
export { DEFAULT_MAX_PAYLOAD_BYTES } from './publisher.js';
export { MqttPublisher, type MqttPublisherOptions } from './mqtt-publisher.js';
export { AwsIotPublisher, type AwsIotPublisherOptions } from './aws-iot-publisher.js';
export { GreengrassPublisher, type GreengrassPublisherOptions } from './greengrass-publisher.js';
export { Drainer, DEFAULT_DRAINER_OPTIONS, type DrainerOptions, type DrainerStats } from './drainer.js';
export type { BatchOptions } from './batch.js';
export { DEFAULT_TOPIC_TEMPLATES, renderTopic, type TopicTemplates, type TopicValues } from './topics.js';
export { resultEntry } from './result-entry.js';
export { assertNoImageBytes } from './payload-guard.js';
export { heartbeatPayload, statusPayload, type HeartbeatMetrics } from './status-messages.js';
export { startHeartbeat, type HeartbeatOptions } from './heartbeat.js';
export { publishErrors } from './errors.js';
export { DeliveryChecker, type DeliveryReport, type DeviceReport } from './subscriber/delivery-checker.js';
export { MessageValidator } from './subscriber/message-validator.js';
export { startSubscriber, type Subscriber, type SubscriberOptions } from './subscriber/subscriber.js';
