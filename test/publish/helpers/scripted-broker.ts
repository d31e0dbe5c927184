/**
 * A scripted fake MQTT broker, only for faults a real broker will not produce on demand: it
 * accepts connections and acknowledges publishes until told to go silent, then keeps the
 * connection open and never answers (a broker that "accepts and then stops acknowledging"); it
 * can also refuse every CONNECT with a reason code, or never answer a CONNECT at all.
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
  /** Return false to swallow the publish without a PUBACK (connection number, publish number on it, payload). */
  shouldAck: (connection: number, publishOnConnection: number, payload: string) => boolean;
  /** When set, every CONNECT is refused with this CONNACK reason code (MQTT 5) / return code (3.1.1). */
  refuseWith: number | undefined;
  /** When true, CONNECTs are never answered (a connect that hangs). */
  silentConnect: boolean;
  /** When set, each connection is ended this many ms after CONNACK with DISCONNECT 0x8e (session taken over) to MQTT 5 clients. */
  takeOverAfterMs: number | undefined;
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
    refuseWith: undefined,
    silentConnect: false,
    takeOverAfterMs: undefined,
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
        if (broker.silentConnect) return;
        const refusal = broker.refuseWith;
        send({ cmd: 'connack', returnCode: refusal ?? 0, reasonCode: refusal ?? 0, sessionPresent: false });
        if (refusal !== undefined) socket.end();
        const takeOver = broker.takeOverAfterMs;
        if (takeOver !== undefined && refusal === undefined) {
          setTimeout(() => {
            if (protocolVersion === 5) send({ cmd: 'disconnect', reasonCode: 0x8e });
            socket.end();
          }, takeOver);
        }
      } else if (packet.cmd === 'publish') {
        const n = ++publishes;
        if (packet.qos === 0) return;
        if (!broker.shouldAck(connection, n, packet.payload.toString())) return;
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
