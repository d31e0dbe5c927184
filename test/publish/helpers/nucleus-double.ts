/**
 * A test double of the Greengrass nucleus IPC server: the eventstream RPC protocol on a Unix
 * socket, enough of it for PublishToIoTCore. Frames are AWS event stream messages (prelude with
 * lengths and CRC32, typed headers, payload, message CRC32); the RPC layer adds :message-type,
 * :message-flags and :stream-id headers, a Connect/ConnectAck handshake carrying the SVCUID
 * auth token, and one stream per operation ended with the TerminateStream flag.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { decodeMessages, encodeMessage, type HeaderValue } from '../../../agent/publish/greengrass-ipc/eventstream-codec.js';

/** RPC message types (aws-crt eventstream.MessageType). */
const MessageType = { ApplicationMessage: 0, ApplicationError: 1, Ping: 2, PingResponse: 3, Connect: 4, ConnectAck: 5 } as const;
const FLAG_CONNECTION_ACCEPTED = 1;
const FLAG_TERMINATE_STREAM = 2;

/** A PublishToIoTCore request as the double received it. */
export interface IpcPublish {
  topicName: string;
  qos: string;
  payload: string;
  contentType: string | undefined;
  userProperties: { key: string; value: string }[] | undefined;
}

/** What the double answers to one publish. */
export type IpcAnswer = 'ok' | 'unauthorized' | 'service-error' | 'silent';

/** A running double. */
export interface NucleusDouble {
  socketPath: string;
  authToken: string;
  connections: number;
  /** Connections refused for a wrong token. */
  refusedConnections: number;
  /** Publishes answered `ok`, in the order they were answered. */
  published: IpcPublish[];
  /** Decides the answer to each publish (n counts all publishes, from 1). */
  answer: (request: IpcPublish, n: number) => IpcAnswer;
  /** Closes every connection and stops listening (a nucleus crash). */
  stop(): Promise<void>;
  /** Listens again on the same socket path. */
  start(): Promise<void>;
}

/** Starts a double on `socketPath` that accepts `authToken`. */
export async function startNucleusDouble(socketPath: string, authToken: string): Promise<NucleusDouble> {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let publishes = 0;
  const double: NucleusDouble = {
    socketPath,
    authToken,
    connections: 0,
    refusedConnections: 0,
    published: [],
    answer: () => 'ok',
    async stop() {
      for (const s of sockets) s.destroy();
      const srv = server;
      server = undefined;
      if (srv !== undefined) await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
    async start() {
      server = createServer(handle);
      const srv = server;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(socketPath, () => resolve());
      });
    },
  };

  function handle(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending: Buffer = Buffer.alloc(0);
    let accepted = false;
    const send = (type: number, flags: number, streamId: number, extra: Record<string, HeaderValue>, payload: string): void => {
      const headers: Record<string, HeaderValue> = {
        ':message-type': { type: 'int32', value: type },
        ':message-flags': { type: 'int32', value: flags },
        ':stream-id': { type: 'int32', value: streamId },
        ...extra,
      };
      socket.write(encodeMessage(headers, Buffer.from(payload)));
    };
    socket.on('data', (d: Buffer) => {
      const decoded = decodeMessages(Buffer.concat([pending, d]));
      pending = Buffer.from(decoded.rest);
      for (const m of decoded.messages) {
        const type = m.headers.get(':message-type');
        const streamId = Number(m.headers.get(':stream-id') ?? 0);
        if (type === MessageType.Connect) {
          double.connections += 1;
          const token = (JSON.parse(m.payload.toString() || '{}') as { authToken?: string }).authToken;
          accepted = token === authToken && m.headers.get(':version') === '0.1.0';
          if (!accepted) double.refusedConnections += 1;
          send(MessageType.ConnectAck, accepted ? FLAG_CONNECTION_ACCEPTED : 0, 0, {}, '');
          if (!accepted) socket.end();
        } else if (type === MessageType.Ping) {
          send(MessageType.PingResponse, 0, 0, {}, '');
        } else if (type === MessageType.ApplicationMessage && accepted && m.headers.get('operation') === 'aws.greengrass#PublishToIoTCore') {
          const body = JSON.parse(m.payload.toString()) as { topicName: string; qos: string; payload: string; contentType?: string; userProperties?: { key: string; value: string }[] };
          const request: IpcPublish = {
            topicName: body.topicName,
            qos: body.qos,
            payload: Buffer.from(body.payload, 'base64').toString('utf8'),
            contentType: body.contentType,
            userProperties: body.userProperties,
          };
          const answer = double.answer(request, ++publishes);
          const json = { type: 'string' as const, value: 'application/json' };
          if (answer === 'ok') {
            double.published.push(request);
            send(MessageType.ApplicationMessage, FLAG_TERMINATE_STREAM, streamId, { 'service-model-type': { type: 'string', value: 'aws.greengrass#PublishToIoTCoreResponse' }, ':content-type': json }, '{}');
          } else if (answer === 'unauthorized') {
            send(MessageType.ApplicationError, FLAG_TERMINATE_STREAM, streamId, { 'service-model-type': { type: 'string', value: 'aws.greengrass#UnauthorizedError' }, ':content-type': json }, JSON.stringify({ message: `Principal is not authorized to publish to ${request.topicName}`, _errorCode: 'UnauthorizedError' }));
          } else if (answer === 'service-error') {
            send(MessageType.ApplicationError, FLAG_TERMINATE_STREAM, streamId, { 'service-model-type': { type: 'string', value: 'aws.greengrass#ServiceError' }, ':content-type': json }, JSON.stringify({ message: 'Spooler queue is full', _errorCode: 'ServiceError' }));
          }
        }
      }
    });
  }

  await double.start();
  return double;
}
