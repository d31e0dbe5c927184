/** An MQTT subscriber feeding a DeliveryChecker: the engine of `edge-agent subscribe` and of the delivery tests. */
import mqtt, { type MqttClient } from 'mqtt';
import { describeConnectError } from '../connect-errors.js';
import { loadTlsFiles, type TlsFiles } from '../tls-files.js';
import { DeliveryChecker, type Accepted } from './delivery-checker.js';

/** Where and how to subscribe. */
export interface SubscriberOptions {
  url: string;
  topics: string[];
  tls?: TlsFiles;
  username?: string;
  password?: string;
  clientId?: string;
  /** MQTT 5 (default) or 3.1.1 (4) for brokers without MQTT 5, such as the embedded demo broker. */
  protocolVersion?: 5 | 4;
  /** Continue the books of an earlier subscriber (after a broker restart, say). */
  checker?: DeliveryChecker;
  /** Called after each message was checked. */
  onMessage?: (topic: string, payload: Buffer, accepted: Accepted) => void;
}

/** A running subscriber. */
export interface Subscriber {
  checker: DeliveryChecker;
  close(): Promise<void>;
}

/** Connects, subscribes with QoS 1 and resolves once the subscription is acknowledged. */
export async function startSubscriber(options: SubscriberOptions): Promise<Subscriber> {
  const checker = options.checker ?? new DeliveryChecker();
  const client: MqttClient = mqtt.connect(options.url, {
    protocolVersion: options.protocolVersion ?? 5,
    clean: true,
    reconnectPeriod: 1000,
    clientId: options.clientId ?? `edge-agent-subscriber-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    ...(options.tls === undefined ? {} : loadTlsFiles(options.tls)),
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
  });
  client.on('message', (topic, payload) => {
    const accepted = checker.accept(topic, payload);
    options.onMessage?.(topic, payload, accepted);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', (err) => reject(describeConnectError(err, options.url, options.tls)));
    });
    await client.subscribeAsync(options.topics, { qos: 1 });
  } catch (err) {
    client.end(true);
    throw err;
  }
  return {
    checker,
    close: async () => {
      await client.endAsync();
    },
  };
}
