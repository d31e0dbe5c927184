/**
 * The `publish` section resolved: client id and thing name defaulted to the device id, topics
 * rendered, seconds turned into ms. Part of the one resolver (resolve.ts); publishing.ts builds the
 * transport and the drainer from these settings only.
 */
import type { AgentConfig } from '../config/schema.js';
import { renderTopic } from '../publish/topics.js';

type Publish = AgentConfig['publish'];

/** Everything publishing needs, resolved. */
export interface PublishSettings {
  transport: Publish['transport'];
  brokerUrl: string | undefined;
  /** The MQTT client id (`publish.clientId`, else the device id). */
  clientId: string;
  /** `{thingName}` in topics (`publish.thingName`, else the device id). */
  thingName: string;
  deviceId: string;
  tls: { ca: string | undefined; cert: string | undefined; key: string | undefined };
  username: string | undefined;
  password: string | undefined;
  /** The results topic template (`{modelId}` is filled per model by resolve.ts). */
  resultsTopicTemplate: string;
  statusTopic: string;
  heartbeatTopic: string;
  keepaliveSeconds: number;
  mqttVersion: Publish['mqttVersion'];
  /** 0 turns the heartbeat off. */
  heartbeatIntervalMs: number;
  maxInflight: number;
  ratePerSecond: number;
  maxAttempts: number;
  reconnect: { initialMs: number; maxMs: number };
  offlineSummaryMs: number;
  awsIot: { maxPublishesPerSecond: number; maxBytesPerSecond: number };
  batch: { maxResults: number; maxBytes: number };
}

/** Resolves the `publish` section of `config`. */
export function publishSettingsFor(config: AgentConfig): PublishSettings {
  const p = config.publish;
  const deviceId = config.deviceId;
  const thingName = p.thingName ?? deviceId;
  return {
    transport: p.transport,
    brokerUrl: p.brokerUrl,
    clientId: p.clientId ?? thingName,
    thingName,
    deviceId,
    tls: { ca: p.tls.ca, cert: p.tls.cert, key: p.tls.key },
    username: p.username,
    password: p.password,
    resultsTopicTemplate: p.topics.results,
    statusTopic: renderTopic(p.topics.status, { thingName }),
    heartbeatTopic: renderTopic(p.topics.heartbeat, { thingName }),
    keepaliveSeconds: p.keepaliveSeconds,
    mqttVersion: p.mqttVersion,
    heartbeatIntervalMs: p.heartbeatSeconds * 1000,
    maxInflight: p.maxInflight,
    ratePerSecond: p.ratePerSecond,
    maxAttempts: p.maxAttempts,
    reconnect: { initialMs: p.reconnect.initialMs, maxMs: p.reconnect.maxMs },
    offlineSummaryMs: p.offlineSummarySeconds * 1000,
    awsIot: { maxPublishesPerSecond: p.awsIot.maxPublishesPerSecond, maxBytesPerSecond: p.awsIot.maxBytesPerSecond },
    batch: { maxResults: p.batch.maxResults, maxBytes: p.batch.maxBytes },
  };
}
