/**
 * A scripted fake MQTT broker, only for faults a real broker will not produce on demand: it
 * accepts connections and acknowledges publishes until told to go silent, then keeps the
 * connection open and never answers (a broker that "accepts and then stops acknowledging").
 */
import { createServer, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { freePort } from './mosquitto.js';

/** Controls of the fake broker. */
export interface ScriptedBroker {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Topics and payloads of the publishes it acknowledged, in order. */
  acked: { topic: string; payload: string }[];
  /** Return false to swallow the publish without a PUBACK (connection number, publish number on it). */
  shouldAck: (connection: number, publishOnConnection: number) => boolean;
  close(): Promise<void>;
}

/** Starts the fake on a free loopback port. */
export async function startScriptedBroker(): Promise<ScriptedBroker> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const broker: ScriptedBroker = {
    url: `mqtt://127.0.0.1:${port}`,
    connections: 0,
    acked: [],
    shouldAck: () => true,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const connection = ++broker.connections;
    let publishes = 0;
    let protocolVersion: 4 | 5 = 4;
    const parser = mqttPacket.parser({ protocolVersion: 5 });
    const send = (packet: Record<string, unknown>): void => {
      socket.write(mqttPacket.generate(packet as unknown as mqttPacket.Packet, { protocolVersion }));
    };
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connect') {
        protocolVersion = packet.protocolVersion === 5 ? 5 : 4;
        send({ cmd: 'connack', returnCode: 0, reasonCode: 0, sessionPresent: false });
      } else if (packet.cmd === 'publish') {
        const n = ++publishes;
        if (packet.qos === 0) return;
        if (!broker.shouldAck(connection, n)) return;
        broker.acked.push({ topic: packet.topic, payload: packet.payload.toString() });
        send({ cmd: 'puback', messageId: packet.messageId, reasonCode: 0 });
      } else if (packet.cmd === 'pingreq') {
        send({ cmd: 'pingresp' });
      } else if (packet.cmd === 'disconnect') {
        socket.end();
      }
    });
    socket.on('data', (d: Buffer) => parser.parse(d));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return broker;
}
