/**
 * The `aws-iot` transport: the AWS SDK's MQTT 5 client (aws-iot-device-sdk-v2 on aws-crt) with a
 * device certificate (mutual TLS), the conventional client for an AWS IoT Core endpoint. It
 * speaks plain MQTT 5, so the tests run it against Mosquitto. The CRT client's own reconnect
 * and offline queue are not used: one client per connection, stopped when it drops, and the
 * drainer resends from the outbox.
 */
import { iot, mqtt5 } from 'aws-iot-device-sdk-v2';
import type { Logger } from '../log/logger.js';
import { publishErrors } from './errors.js';
import { pubackReasonName } from './reason-codes.js';
import { loadTlsFiles } from './tls-files.js';
import { statusPayload } from './status-messages.js';
import { ThroughputLimiter, type ThroughputLimits } from './throughput-limiter.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type DisconnectListener, type OutgoingMessage, type PublishOutcome, type Publisher } from './publisher.js';

/** The endpoint and the device's credentials. */
export interface AwsIotPublisherOptions {
  /** `mqtts://<endpoint>:8883` (the port defaults to 8883). */
  url: string;
  thingName: string;
  deviceId: string;
  statusTopic: string;
  caFile?: string;
  certFile: string;
  keyFile: string;
  keepaliveSeconds?: number;
  connectTimeoutMs?: number;
  maxPayloadBytes?: number;
  /** AWS IoT Core's per-connection quotas; the defaults are its published ones. */
  limits?: ThroughputLimits;
  logger: Logger;
}

/** AWS IoT Core's per-connection quotas (https://docs.aws.amazon.com/general/latest/gr/iot-core.html). */
export const AWS_IOT_CONNECTION_LIMITS: Readonly<ThroughputLimits> = Object.freeze({ maxPublishesPerSecond: 100, maxBytesPerSecond: 512 * 1024 });

/** MQTT 5's "session taken over" DISCONNECT reason code (mqtt5.DisconnectReasonCode.SessionTakenOver). */
const SESSION_TAKEN_OVER = 0x8e;

interface CrtErrorLike {
  message?: string;
  error_name?: string;
  error_code?: number;
}

/** Publishes through an aws-crt MQTT 5 client. */
export class AwsIotPublisher implements Publisher {
  readonly transport = 'aws-iot';
  readonly maxPayloadBytes: number;
  private client: mqtt5.Mqtt5Client | undefined;
  private connected = false;
  private readonly listeners: DisconnectListener[] = [];
  private readonly inFlight = new Set<(err: Error) => void>();
  private readonly host: string;
  private readonly port: number;
  private readonly limiter: ThroughputLimiter;
  /** Publishes pass the limiter one at a time, in call order, so seq order survives a wait. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: AwsIotPublisherOptions) {
    const m = /^mqtts:\/\/([^:/]+)(?::(\d+))?\/?$/.exec(options.url);
    if (m === null) {
      throw publishErrors.EDGE_PUBLISH_BAD_URL(`Expected an AWS IoT endpoint URL such as mqtts://abc-ats.iot.eu-west-1.amazonaws.com:8883 but received "${options.url}"`, { url: options.url });
    }
    this.host = m[1] as string;
    this.port = m[2] === undefined ? 8883 : Number(m[2]);
    // Read once so a wrong path fails at start-up with the key named, as for the mqtt transport.
    loadTlsFiles({ certFile: options.certFile, keyFile: options.keyFile, ...(options.caFile === undefined ? {} : { caFile: options.caFile }) });
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.limiter = new ThroughputLimiter(options.limits ?? AWS_IOT_CONNECTION_LIMITS);
  }

  connect(): Promise<void> {
    this.dropClient();
    const o = this.options;
    const builder = iot.AwsIotMqtt5ClientConfigBuilder.newDirectMqttBuilderWithMtlsFromPath(this.host, o.certFile, o.keyFile);
    builder.withPort(this.port);
    if (o.caFile !== undefined) builder.withCertificateAuthorityFromPath(undefined, o.caFile);
    builder.withConnectProperties({
      clientId: o.thingName,
      keepAliveIntervalSeconds: o.keepaliveSeconds ?? 30,
      will: { topicName: o.statusTopic, qos: mqtt5.QoS.AtLeastOnce, retain: true, payload: statusPayload(o.deviceId, 'offline') },
    });
    builder.withSessionBehavior(mqtt5.ClientSessionBehavior.Clean);
    builder.withOfflineQueueBehavior(mqtt5.ClientOperationQueueBehavior.FailAllOnDisconnect);
    builder.withConnackTimeoutMs(o.connectTimeoutMs ?? 10_000);
    // The builder turns on the CRT's IoT Core flow control, which queues inside native code out
    // of the drainer's sight; this class enforces the same quotas itself (ThroughputLimiter, bounds
    // from publish.awsIot), where a wait is visible, configurable and ends on abort.
    const config = { ...builder.build(), extendedValidationAndFlowControlOptions: mqtt5.ClientExtendedValidationAndFlowControl.None };
    const client = new mqtt5.Mqtt5Client(config);
    this.client = client;
    return new Promise((resolve, reject) => {
      let settled = false;
      client.on('connectionSuccess', () => {
        if (settled) return;
        settled = true;
        this.connected = true;
        client.publish({ topicName: o.statusTopic, qos: mqtt5.QoS.AtLeastOnce, retain: true, payload: statusPayload(o.deviceId, 'online') }).catch((err: unknown) => {
          o.logger.warn({ err }, 'aws-iot: could not publish the online status');
        });
        resolve();
      });
      client.on('connectionFailure', (event) => {
        if (settled) return;
        settled = true;
        this.dropClient();
        reject(this.describeFailure(event.error, event.connack?.reasonCode));
      });
      client.on('disconnection', (event) => {
        if (this.client !== client || !this.connected) return;
        this.connected = false;
        const e = event.error as CrtErrorLike;
        const reasonCode: number | undefined = event.disconnect?.reasonCode;
        const cause =
          reasonCode === SESSION_TAKEN_OVER
            ? publishErrors.EDGE_PUBLISH_SESSION_TAKEN_OVER(
                `${o.url} ended the connection with DISCONNECT reason code 0x8e (session taken over): another client connected with client id "${o.thingName}"; give every device its own publish.clientId (or deviceId)`,
                { url: o.url, clientId: o.thingName, reasonCode },
              )
            : publishErrors.EDGE_PUBLISH_DISCONNECTED(`The connection to ${o.url} closed: ${e.error_name ?? e.message ?? 'no reason given'}`, { url: o.url });
        this.failInFlight(cause);
        this.dropClient();
        for (const l of this.listeners) l(cause);
      });
      client.start();
    });
  }

  isReady(): boolean {
    return this.connected;
  }

  publish(message: OutgoingMessage): Promise<PublishOutcome> {
    const client = this.client;
    if (client === undefined || !this.connected) {
      return Promise.reject(publishErrors.EDGE_PUBLISH_DISCONNECTED(`Expected a connection to ${this.options.url} but there is none`, {}));
    }
    const bytes = Buffer.byteLength(message.payload);
    const turn = this.queue.then(() => this.waitForSlot(bytes));
    this.queue = turn;
    return new Promise<PublishOutcome>((resolve, reject) => {
      const fail = (err: Error): void => {
        if (this.inFlight.delete(fail)) reject(err);
      };
      this.inFlight.add(fail);
      const send = (): void => {
        // Dropped or aborted while waiting for the limiter: already rejected, nothing to send.
        if (!this.inFlight.has(fail) || this.client !== client) return;
        client
          .publish({
            topicName: message.topic,
            qos: mqtt5.QoS.AtLeastOnce,
            payload: message.payload,
            ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
            ...(message.userProperties === undefined ? {} : { userProperties: Object.entries(message.userProperties).map(([name, value]) => ({ name, value })) }),
          })
          .then(
            (puback) => {
              if (!this.inFlight.delete(fail)) return;
              const code: number = puback?.reasonCode ?? 0;
              if (code >= 0x80) resolve({ kind: 'refused', reason: puback?.reasonString ?? pubackReasonName(code), reasonCode: code });
              else resolve({ kind: 'acked' });
            },
            (err: unknown) => fail(publishErrors.EDGE_PUBLISH_DISCONNECTED(`Publish failed: ${(err as CrtErrorLike).error_name ?? (err as Error).message}`, {}, err)),
          );
      };
      turn.then(send, send);
    });
  }

  /** Resolves when the connection's quotas allow `bytes` more (never rejects). */
  private async waitForSlot(bytes: number): Promise<void> {
    for (let waitMs = this.limiter.reserve(bytes); waitMs > 0; waitMs = this.limiter.reserve(bytes)) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  onDisconnect(listener: DisconnectListener): void {
    this.listeners.push(listener);
  }

  abort(cause: Error): void {
    this.failInFlight(cause);
    this.dropClient();
  }

  async close(): Promise<void> {
    const client = this.client;
    if (client !== undefined && this.connected) {
      // A clean stop does not fire the will, so say `offline` ourselves (bounded wait).
      const o = this.options;
      await Promise.race([
        client.publish({ topicName: o.statusTopic, qos: mqtt5.QoS.AtLeastOnce, retain: true, payload: statusPayload(o.deviceId, 'offline') }).catch(() => undefined),
        new Promise((r) => setTimeout(r, 700).unref()),
      ]);
    }
    this.failInFlight(publishErrors.EDGE_PUBLISH_DISCONNECTED('The publisher was closed', {}));
    this.dropClient();
  }

  private describeFailure(error: CrtErrorLike, connackCode: number | undefined): Error {
    const name = error.error_name ?? error.message ?? 'unknown error';
    const url = this.options.url;
    if (connackCode !== undefined && connackCode >= 0x80) {
      return publishErrors.EDGE_PUBLISH_AUTH_REJECTED(`Expected ${url} to accept the connection but CONNACK said 0x${connackCode.toString(16)}; check the IoT policy allows client id ${this.options.thingName}`, { url, connackCode });
    }
    if (/TLS|CERT|X509|PEM/i.test(name)) {
      return publishErrors.EDGE_PUBLISH_TLS_REJECTED(
        `Expected ${url} to accept the client certificate (certFile ${this.options.certFile}) but the TLS handshake failed: ${name}; check the certificate is registered and active, signed by a CA the broker trusts, and matches keyFile`,
        { url, cause: name },
      );
    }
    return publishErrors.EDGE_PUBLISH_CONNECT_FAILED(`Expected to connect to ${url} but it failed: ${name}; check the endpoint and that port ${this.port} is reachable`, { url, cause: name });
  }

  private failInFlight(cause: Error): void {
    for (const fail of [...this.inFlight]) fail(cause);
  }

  private dropClient(): void {
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client === undefined) return;
    client.removeAllListeners();
    client.on('error', () => {});
    // stop() then close() releases the native resources; close() must wait for 'stopped'.
    client.once('stopped', () => client.close());
    client.stop();
  }
}
