/**
 * The `mqtt` transport (mqtt.js): mqtt:// or mqtts:// with a CA and a client certificate and key
 * (mutual TLS, as AWS IoT Core wants) or a username and password; MQTT 5 or 3.1.1. The client
 * id is the thing name, and a retained status topic says `online` on connect and `offline` as
 * the last will. mqtt.js's own reconnect and in-memory resend are turned off: the drainer
 * reconnects and resends from the outbox, which survives a restart and mqtt.js's store does not.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../log/logger.js';
import { publishErrors } from './errors.js';
import { describeConnectError } from './connect-errors.js';
import { loadTlsFiles, type TlsFiles } from './tls-files.js';
import { statusPayload } from './status-messages.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type DisconnectListener, type OutgoingMessage, type PublishOutcome, type Publisher } from './publisher.js';

/** How to reach and log in to the broker. */
export interface MqttPublisherOptions {
  /** `mqtt://host:port` or `mqtts://host:port`. */
  url: string;
  /** The MQTT client id; AWS IoT policies usually require it to equal the thing name. */
  thingName: string;
  /** Written into status messages. */
  deviceId: string;
  /** Retained topic for `online` / `offline`. */
  statusTopic: string;
  protocolVersion?: 5 | 4;
  tls?: TlsFiles;
  username?: string;
  password?: string;
  connectTimeoutMs?: number;
  keepaliveSeconds?: number;
  maxPayloadBytes?: number;
  logger: Logger;
}

interface PendingPublish {
  /** Estimated packet size, so a too-large refusal can teach the limit. */
  bytes: number;
  resolve: (outcome: PublishOutcome) => void;
  reject: (err: Error) => void;
}

/** Publishes over mqtt.js; one connection at a time, opened by `connect()`. */
export class MqttPublisher implements Publisher {
  readonly transport = 'mqtt';
  readonly maxPayloadBytes: number;
  private client: MqttClient | undefined;
  private connected = false;
  private readonly pending = new Set<PendingPublish>();
  private readonly listeners: DisconnectListener[] = [];
  private readonly clientOptions: IClientOptions;
  private readonly protocolVersion: 5 | 4;
  /** The broker's limit from CONNACK (MQTT 5); mqtt.js does not check outgoing packets against it. */
  private brokerMaxPacketBytes: number | undefined;
  /**
   * The smallest publish the broker refused as too large (PUBACK 0x95, Mosquitto's
   * message_size_limit). Kept across reconnects: each such refusal costs a dropped connection
   * (see onClientError), so nothing that large is sent again.
   */
  private refusedAtBytes: number | undefined;
  /** Rejects the connect under way, so an abort (on stop) never leaves it pending. */
  private failConnect: ((err: Error) => void) | undefined;

  constructor(private readonly options: MqttPublisherOptions) {
    if (!/^mqtts?:\/\//.test(options.url)) {
      throw publishErrors.EDGE_PUBLISH_BAD_URL(`Expected a broker URL starting with mqtt:// or mqtts:// but received "${options.url}"`, { url: options.url });
    }
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.protocolVersion = options.protocolVersion ?? 5;
    const tls = options.tls === undefined ? {} : loadTlsFiles(options.tls);
    this.clientOptions = {
      clientId: options.thingName,
      protocolVersion: this.protocolVersion,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
      keepalive: options.keepaliveSeconds ?? 30,
      rejectUnauthorized: true,
      ...tls,
      ...(options.username === undefined ? {} : { username: options.username }),
      ...(options.password === undefined ? {} : { password: options.password }),
    };
  }

  connect(): Promise<void> {
    this.dropClient();
    const will = { topic: this.options.statusTopic, payload: Buffer.from(statusPayload(this.options.deviceId, 'offline')), qos: 1 as const, retain: true };
    const client = mqtt.connect(this.options.url, { ...this.clientOptions, will });
    this.client = client;
    return new Promise((resolve, reject) => {
      let settled = false;
      // MQTT 5 brokers say why they end a connection (0x8E: session taken over); kept for 'close'.
      let disconnectReason: number | undefined;
      this.failConnect = (err) => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      client.on('connect', (connack) => {
        if (settled) return;
        settled = true;
        this.failConnect = undefined;
        this.connected = true;
        this.brokerMaxPacketBytes = connack.properties?.maximumPacketSize;
        client.publish(this.options.statusTopic, statusPayload(this.options.deviceId, 'online'), { qos: 1, retain: true }, (err) => {
          if (err) this.options.logger.warn({ err }, 'mqtt: could not publish the online status');
        });
        resolve();
      });
      client.on('error', (err) => {
        if (!settled) {
          settled = true;
          this.dropClient();
          reject(describeConnectError(err, this.options.url, this.options.tls));
        } else {
          this.onClientError(client, err);
        }
      });
      client.on('disconnect', (packet) => {
        disconnectReason = packet.reasonCode;
      });
      client.on('close', () => {
        if (!settled) {
          settled = true;
          this.dropClient();
          reject(publishErrors.EDGE_PUBLISH_CONNECT_FAILED(`Expected a CONNACK from ${this.options.url} but the connection closed first; check the broker is running and accepts this client`, { url: this.options.url }));
          return;
        }
        if (this.client !== client) return;
        const wasConnected = this.connected;
        this.connected = false;
        const cause = closeCause(this.options.url, this.options.thingName, this.pending.size, disconnectReason);
        this.rejectAll(cause);
        if (wasConnected) for (const l of this.listeners) l(cause);
      });
    });
  }

  isReady(): boolean {
    return this.connected;
  }

  publish(message: OutgoingMessage): Promise<PublishOutcome> {
    const client = this.client;
    if (client === undefined || !this.connected) {
      return Promise.reject(publishErrors.EDGE_PUBLISH_DISCONNECTED(`Expected a connection to ${this.options.url} but there is none`, { url: this.options.url }));
    }
    const bytes = estimatePacketBytes(message);
    if (this.brokerMaxPacketBytes !== undefined && bytes > this.brokerMaxPacketBytes) {
      return Promise.resolve({ kind: 'refused', reason: `too large: about ${bytes} bytes, the broker's maximum packet size (CONNACK) is ${this.brokerMaxPacketBytes}` });
    }
    if (this.refusedAtBytes !== undefined && bytes >= this.refusedAtBytes) {
      return Promise.resolve({ kind: 'refused', reason: `too large: about ${bytes} bytes, and the broker refused a publish of about ${this.refusedAtBytes} bytes as too large (PUBACK 0x95); not sent`, reasonCode: 0x95 });
    }
    return new Promise((resolve, reject) => {
      const entry: PendingPublish = { bytes, resolve, reject };
      this.pending.add(entry);
      const properties =
        this.protocolVersion === 5
          ? { ...(message.contentType === undefined ? {} : { contentType: message.contentType }), ...(message.userProperties === undefined ? {} : { userProperties: message.userProperties }) }
          : undefined;
      client.publish(message.topic, message.payload, { qos: 1, ...(properties === undefined ? {} : { properties }) }, (err) => {
        if (!this.pending.delete(entry)) return;
        if (err === undefined || err === null) {
          resolve({ kind: 'acked' });
          return;
        }
        const code = (err as { code?: unknown }).code;
        if (code === 0x95) this.refusedAtBytes = Math.min(this.refusedAtBytes ?? Infinity, bytes);
        if (typeof code === 'number' && code >= 0x80) resolve({ kind: 'refused', reason: err.message.replace(/^Publish error: /, ''), reasonCode: code });
        else reject(err);
      });
    });
  }

  onDisconnect(listener: DisconnectListener): void {
    this.listeners.push(listener);
  }

  abort(cause: Error): void {
    this.rejectAll(cause);
    this.dropClient();
  }

  async close(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    if (this.connected) {
      // A clean close does not fire the last will, so say `offline` ourselves; bounded, so a
      // stop stays prompt when the broker has stopped answering (the will says it then).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeWaitMs);
        client.publish(this.options.statusTopic, statusPayload(this.options.deviceId, 'offline'), { qos: 1, retain: true }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.connected = false;
    this.client = undefined;
    // end(false) waits for mqtt.js's in-flight publishes; past the bound, force it.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        client.end(true);
        resolve();
      }, closeWaitMs);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.rejectAll(publishErrors.EDGE_PUBLISH_DISCONNECTED('The publisher was closed', {}));
  }

  private onClientError(client: MqttClient, err: Error): void {
    this.options.logger.warn({ err }, 'mqtt: client error: %s', err.message);
    if (this.client !== client || !/puback reason code/i.test(err.message)) return;
    // mqtt-packet refuses PUBACK reason codes the spec does not list for PUBACK, such as the
    // 0x95 (packet too large) Mosquitto sends for messages over message_size_limit, and its
    // parser stops. mqtt.js reports the parse error before it has handled the PUBACKs read just
    // before it, so the oldest publish still waiting may well have been accepted: the refused one
    // is taken to be the largest waiting (the oldest of equals). The connection is unusable and is
    // dropped, the rest are sent again, and nothing that large is sent from now on.
    let refused: PendingPublish | undefined;
    for (const p of this.pending) if (refused === undefined || p.bytes > refused.bytes) refused = p;
    if (refused !== undefined) {
      this.pending.delete(refused);
      this.refusedAtBytes = Math.min(this.refusedAtBytes ?? Infinity, refused.bytes);
      refused.resolve({ kind: 'refused', reason: `the broker answered with a PUBACK reason code the MQTT library cannot read (${err.message}); Mosquitto sends 0x95, packet too large, for messages over message_size_limit` });
    }
    const cause = publishErrors.EDGE_PUBLISH_DISCONNECTED(`Dropped the connection to ${this.options.url} after an unreadable PUBACK`, { url: this.options.url });
    this.abort(cause);
    for (const l of this.listeners) l(cause);
  }

  private rejectAll(cause: Error): void {
    const entries = [...this.pending];
    this.pending.clear();
    for (const p of entries) p.reject(cause);
  }

  private dropClient(): void {
    const failConnect = this.failConnect;
    this.failConnect = undefined;
    failConnect?.(publishErrors.EDGE_PUBLISH_DISCONNECTED(`The connect to ${this.options.url} was abandoned`, { url: this.options.url }));
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    if (client !== undefined) {
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
    }
  }
}

/** Bound of each goodbye step in `close()` (the offline status, then the end). */
const closeWaitMs = 700;

/** MQTT 5's "session taken over" DISCONNECT reason code. */
const SESSION_TAKEN_OVER = 0x8e;

/** The error for a connection the broker (or the network) closed, naming a takeover as such. */
function closeCause(url: string, clientId: string, unacknowledged: number, reasonCode: number | undefined): Error {
  if (reasonCode === SESSION_TAKEN_OVER) {
    return publishErrors.EDGE_PUBLISH_SESSION_TAKEN_OVER(
      `The broker at ${url} ended the connection with DISCONNECT reason code 0x8e (session taken over): another client connected with client id "${clientId}"; give every device its own publish.clientId (or deviceId)`,
      { url, clientId, reasonCode },
    );
  }
  const said = reasonCode === undefined ? '' : ` (DISCONNECT reason code 0x${reasonCode.toString(16)})`;
  return publishErrors.EDGE_PUBLISH_DISCONNECTED(`The connection to ${url} closed${said} with ${unacknowledged} publishes unacknowledged`, { url, ...(reasonCode === undefined ? {} : { reasonCode }) });
}

/** An upper estimate of the PUBLISH packet size: fixed header, topic, id, properties, payload. */
function estimatePacketBytes(m: OutgoingMessage): number {
  let props = m.contentType === undefined ? 0 : 3 + Buffer.byteLength(m.contentType);
  for (const [k, v] of Object.entries(m.userProperties ?? {})) props += 5 + Buffer.byteLength(k) + Buffer.byteLength(v);
  return 5 + 2 + Buffer.byteLength(m.topic) + 2 + 4 + props + Buffer.byteLength(m.payload);
}
