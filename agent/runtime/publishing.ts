/**
 * Builds the publishing side from its resolved settings (publish-settings.ts): the transport (`mqtt`, `aws-iot`, `greengrass`), the
 * drainer that moves outbox rows to it, and the heartbeat. The outbox stays the source of truth;
 * this only decides how rows leave.
 */
import type { GreengrassEnvironment } from '../config/environment.js';
import type { AgentMetrics } from '../health/metrics.js';
import type { Logger } from '../log/logger.js';
import type { Outbox } from '../outbox/outbox.js';
import { Drainer } from '../publish/drainer.js';
import { publishErrors } from '../publish/errors.js';
import { startHeartbeat } from '../publish/heartbeat.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type Publisher } from '../publish/publisher.js';
import type { PublishSettings } from './publish-settings.js';

/** A running publishing side. */
export interface Publishing {
  readonly publisher: Publisher;
  readonly drainer: Drainer;
  /** Tells the drainer new rows are waiting. */
  notify(): void;
  /** Stops the heartbeat, lets messages in flight settle (bounded), says `offline`, closes. */
  stop(): Promise<void>;
}

/** What the heartbeat reports besides the outbox. */
export type HeartbeatSource = () => { frameRate: number | null; inferenceLatencyMs: number | null };

/**
 * Creates the transport the config names; undefined for `none`. Each transport's module is
 * imported only when chosen: mqtt.js (5-16 MB of resident memory) and the AWS SDK with its
 * native aws-crt otherwise load into an agent that never publishes (docs/benchmarks.md,
 * "Cutting the memory").
 */
export async function createPublisher(p: PublishSettings, greengrass: GreengrassEnvironment, logger: Logger): Promise<Publisher | undefined> {
  const { deviceId, statusTopic } = p;
  const log = logger.child({ transport: p.transport });
  checkBatchFits(p);
  switch (p.transport) {
    case 'none':
      return undefined;
    case 'mqtt': {
      const { MqttPublisher } = await import('../publish/mqtt-publisher.js');
      return new MqttPublisher({
        url: p.brokerUrl as string,
        thingName: p.clientId,
        deviceId,
        statusTopic,
        protocolVersion: p.mqttVersion === '3.1.1' ? 4 : 5,
        keepaliveSeconds: p.keepaliveSeconds,
        tls: { ...(p.tls.ca === undefined ? {} : { caFile: p.tls.ca }), ...(p.tls.cert === undefined ? {} : { certFile: p.tls.cert }), ...(p.tls.key === undefined ? {} : { keyFile: p.tls.key }) },
        ...(p.username === undefined ? {} : { username: p.username }),
        ...(p.password === undefined ? {} : { password: p.password }),
        logger: log,
      });
    }
    case 'aws-iot': {
      const { AwsIotPublisher } = await import('../publish/aws-iot-publisher.js');
      return new AwsIotPublisher({
        url: p.brokerUrl as string,
        thingName: p.clientId,
        deviceId,
        statusTopic,
        certFile: p.tls.cert as string,
        keyFile: p.tls.key as string,
        ...(p.tls.ca === undefined ? {} : { caFile: p.tls.ca }),
        keepaliveSeconds: p.keepaliveSeconds,
        limits: { maxPublishesPerSecond: p.awsIot.maxPublishesPerSecond, maxBytesPerSecond: p.awsIot.maxBytesPerSecond },
        logger: log,
      });
    }
    case 'greengrass': {
      if (greengrass.socketPath === undefined || greengrass.authToken === undefined) {
        throw publishErrors.EDGE_PUBLISH_IPC_UNAVAILABLE(
          'Expected AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT and SVCUID for publish.transport greengrass but they are not set; the greengrass transport only works inside a Greengrass component (use mqtt or aws-iot elsewhere)',
          {},
        );
      }
      const { GreengrassPublisher } = await import('../publish/greengrass-publisher.js');
      return new GreengrassPublisher({ socketPath: greengrass.socketPath, authToken: greengrass.authToken, logger: log });
    }
  }
}

/**
 * Refuses at start, as a config error, a batch size the transport would refuse at run time: AWS
 * IoT Core takes no message over 128 KB (the schema's minimum already keeps room for one result).
 */
function checkBatchFits(p: PublishSettings): void {
  if (p.transport === 'aws-iot' && p.batch.maxBytes > DEFAULT_MAX_PAYLOAD_BYTES) {
    throw publishErrors.EDGE_PUBLISH_BAD_OPTION(
      `Expected publish.batch.maxBytes at most ${DEFAULT_MAX_PAYLOAD_BYTES} for transport aws-iot (AWS IoT Core refuses larger messages, https://docs.aws.amazon.com/general/latest/gr/iot-core.html) but received ${p.batch.maxBytes}; lower publish.batch.maxBytes`,
      { key: 'publish.batch.maxBytes', value: p.batch.maxBytes },
    );
  }
}

/** Starts draining `outbox` through `publisher`, plus the heartbeat. */
export function startPublishing(p: PublishSettings, publisher: Publisher, outbox: Outbox, metrics: AgentMetrics, heartbeat: HeartbeatSource, logger: Logger): Publishing {
  const drainer = new Drainer(outbox, publisher, logger.child({ transport: publisher.transport }), {
    inFlightWindow: p.maxInflight,
    ratePerSecond: p.ratePerSecond,
    maxAttempts: p.maxAttempts,
    backoff: p.reconnect,
    offlineSummaryMs: p.offlineSummaryMs,
    clientId: p.clientId,
    // Batch only a backlog (at least one full batch waiting); live results go one per message.
    batch: p.batch.maxResults > 1 ? { maxResults: p.batch.maxResults, maxBytes: p.batch.maxBytes, minBacklogRows: p.batch.maxResults } : undefined,
  });
  drainer.start();
  // The drainer keeps its own counters; metrics get the deltas, so /metrics shows totals.
  const meter = setInterval(meterDrainer(drainer, publisher, metrics), 1000);
  meter.unref();
  const stopHeartbeat =
    p.heartbeatIntervalMs > 0
      ? startHeartbeat({ publisher, outbox, topic: p.heartbeatTopic, deviceId: p.deviceId, intervalMs: p.heartbeatIntervalMs, metrics: heartbeat, logger })
      : () => undefined;
  return {
    publisher,
    drainer,
    notify: () => drainer.notify(),
    stop: async () => {
      stopHeartbeat();
      clearInterval(meter);
      await drainer.stop();
    },
  };
}

/** A tick that moves the drainer's counters into metrics as deltas (never throws: it runs in a timer). */
function meterDrainer(drainer: Drainer, publisher: Publisher, metrics: AgentMetrics): () => void {
  let last = drainer.stats();
  let wasReady = false;
  const deltas = (now: Record<string, number>, before: Record<string, number>, report: (label: string, count: number) => void): void => {
    for (const [label, n] of Object.entries(now)) if (n > (before[label] ?? 0)) report(label, n - (before[label] ?? 0));
  };
  return () => {
    const s = drainer.stats();
    if (s.rowsDelivered > last.rowsDelivered) metrics.resultsPublished(s.rowsDelivered - last.rowsDelivered);
    if (s.connectAttempts > last.connectAttempts) metrics.publishConnectAttempts(s.connectAttempts - last.connectAttempts);
    deltas(s.connectFailures, last.connectFailures, (cause, n) => metrics.publishConnectFailures(cause, n));
    deltas(s.connectionLosses, last.connectionLosses, (cause, n) => metrics.publishConnectionsLost(cause, n));
    deltas(s.outboxFailures, last.outboxFailures, (operation, n) => metrics.publishOutboxFailures(operation, n));
    last = s;
    const ready = publisher.isReady();
    if (ready !== wasReady) metrics.publisherConnected(ready);
    wasReady = ready;
  };
}
