/**
 * The demo's stand-in for the cloud: an MQTT broker (aedes) inside the agent's process on
 * 127.0.0.1 and a subscriber that checks every message against the contract, so a newcomer sees
 * results go through the whole path (outbox, drainer, broker, subscriber) with no setup.
 * aedes speaks MQTT 3.1.1 only, so the demo publishes with 3.1.1.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { startSubscriber, type Subscriber } from '../publish/subscriber/subscriber.js';

/** A running demo broker with its checking subscriber. */
export interface EmbeddedBroker {
  /** mqtt://127.0.0.1:<port> */
  readonly url: string;
  readonly subscriber: Subscriber;
  /** Messages the subscriber accepted so far. */
  received(): number;
  close(): Promise<void>;
}

/** Starts the broker on a free loopback port and subscribes to `topics`. */
export async function startEmbeddedBroker(topics: string[]): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let count = 0;
  const subscriber = await startSubscriber({ url, topics, protocolVersion: 4, clientId: 'edge-agent-demo-subscriber', onMessage: () => count++ });
  return {
    url,
    subscriber,
    received: () => count,
    close: async () => {
      await subscriber.close();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
