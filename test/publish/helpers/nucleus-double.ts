/**
 * A test double of the Greengrass nucleus IPC server: the eventstream RPC protocol on a Unix
 * socket, enough of it for PublishToIoTCore, the configuration operations (GetConfiguration,
 * SubscribeToConfigurationUpdate, SubscribeToValidateConfigurationUpdates,
 * SendConfigurationValidityReport) and the component-update ones (SubscribeToComponentUpdates,
 * DeferComponentUpdate). Frames are AWS event stream messages (prelude with
 * lengths and CRC32, typed headers, payload, message CRC32); the RPC layer adds :message-type,
 * :message-flags and :stream-id headers, a Connect/ConnectAck handshake carrying the SVCUID
 * auth token, and one stream per operation ended with the TerminateStream flag; a subscription's
 * stream stays open after its response and carries the events. Tests play the nucleus's side of a
 * deployment with validateConfiguration, updateConfiguration and announceComponentUpdate.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { decodeMessages, encodeMessage, type HeaderValue } from '../../../agent/greengrass/eventstream-codec.js';

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

/** A SendConfigurationValidityReport as the double received it. */
export interface IpcValidityReport {
  status: string;
  deploymentId: string;
  message: string | undefined;
}

/** A DeferComponentUpdate as the double received it. */
export interface IpcDeferral {
  deploymentId: string;
  message: string | undefined;
  recheckAfterMs: number | undefined;
}

/** Open subscription streams, by operation. */
export interface IpcSubscriptions {
  configuration: number;
  validate: number;
  componentUpdates: number;
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
  /** The component's configuration, as GetConfiguration serves it. */
  configuration: Record<string, unknown>;
  /** The key paths GetConfiguration was asked for, in order. */
  configurationReads: string[][];
  /** Every validity report received, in order. */
  validityReports: IpcValidityReport[];
  /** Every DeferComponentUpdate received, in order. */
  deferrals: IpcDeferral[];
  /** Subscription streams open now. */
  subscriptions(): IpcSubscriptions;
  /** Asks every validate subscriber about `configuration` (the whole component configuration); resolves with the first report for `deploymentId`, or undefined after `timeoutMs`. */
  validateConfiguration(deploymentId: string, configuration: Record<string, unknown>, timeoutMs?: number): Promise<IpcValidityReport | undefined>;
  /** Sets the value at `keyPath` and sends a ConfigurationUpdateEvent to the subscribers of that path. */
  updateConfiguration(keyPath: string[], value: unknown): void;
  /** Sends a PreComponentUpdateEvent; resolves with the component's DeferComponentUpdate, or undefined after `timeoutMs`. */
  announceComponentUpdate(deploymentId: string, timeoutMs?: number): Promise<IpcDeferral | undefined>;
  /** Sends a PostComponentUpdateEvent. */
  announceComponentUpdated(deploymentId: string): void;
  /** Closes every connection and stops listening (a nucleus crash). */
  stop(): Promise<void>;
  /** Listens again on the same socket path. */
  start(): Promise<void>;
}

/** Starts a double on `socketPath` that accepts `authToken`. */
export async function startNucleusDouble(socketPath: string, authToken: string, componentName = 'com.example.EdgeAgent'): Promise<NucleusDouble> {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  let publishes = 0;
  // Open subscription streams: how to send an event on each, and what it follows.
  type Stream = { send: (shape: string, body: unknown) => void; socket: Socket; streamId: number };
  const configStreams = new Map<Stream, string[]>();
  const validateStreams = new Set<Stream>();
  const updateStreams = new Set<Stream>();
  const reportWaiters: Array<(r: IpcValidityReport) => void> = [];
  const deferWaiters: Array<(d: IpcDeferral) => void> = [];
  const forget = (socket: Socket, streamId?: number): void => {
    for (const set of [validateStreams, updateStreams, configStreams]) {
      for (const st of set.keys()) if (st.socket === socket && (streamId === undefined || st.streamId === streamId)) set.delete(st);
    }
  };
  const waitFor = <T>(waiters: Array<(v: T) => void>, accept: (v: T) => boolean, timeoutMs: number): Promise<T | undefined> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = waiters.indexOf(waiter);
        if (i >= 0) waiters.splice(i, 1);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (v: T): void => {
        if (!accept(v)) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(waiter), 1);
        resolve(v);
      };
      waiters.push(waiter);
    });
  const double: NucleusDouble = {
    socketPath,
    authToken,
    connections: 0,
    refusedConnections: 0,
    published: [],
    answer: () => 'ok',
    configuration: {},
    configurationReads: [],
    validityReports: [],
    deferrals: [],
    subscriptions: () => ({ configuration: configStreams.size, validate: validateStreams.size, componentUpdates: updateStreams.size }),
    validateConfiguration(deploymentId, configuration, timeoutMs = 10_000) {
      const report = waitFor(reportWaiters, (r) => r.deploymentId === deploymentId, timeoutMs);
      for (const st of validateStreams) st.send('aws.greengrass#ValidateConfigurationUpdateEvents', { validateConfigurationUpdateEvent: { deploymentId, configuration } });
      return report;
    },
    updateConfiguration(keyPath, value) {
      let node = double.configuration;
      for (const key of keyPath.slice(0, -1)) {
        const next = node[key];
        node = (node[key] = next !== null && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
      }
      node[keyPath[keyPath.length - 1] as string] = value;
      for (const [st, followed] of configStreams) {
        const related = followed.every((k, i) => i >= keyPath.length || keyPath[i] === k);
        if (related) st.send('aws.greengrass#ConfigurationUpdateEvents', { configurationUpdateEvent: { componentName, keyPath } });
      }
    },
    announceComponentUpdate(deploymentId, timeoutMs = 10_000) {
      const deferral = waitFor(deferWaiters, (d) => d.deploymentId === deploymentId, timeoutMs);
      for (const st of updateStreams) st.send('aws.greengrass#ComponentUpdatePolicyEvents', { preUpdateEvent: { deploymentId, isGgcRestarting: false } });
      return deferral;
    },
    announceComponentUpdated(deploymentId) {
      for (const st of updateStreams) st.send('aws.greengrass#ComponentUpdatePolicyEvents', { postUpdateEvent: { deploymentId } });
    },
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
    socket.on('close', () => {
      sockets.delete(socket);
      forget(socket);
    });
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
        } else if (type === MessageType.ApplicationMessage && accepted && (Number(m.headers.get(':message-flags') ?? 0) & FLAG_TERMINATE_STREAM) !== 0) {
          forget(socket, streamId); // the client ended a subscription
        } else if (type === MessageType.ApplicationMessage && accepted && m.headers.get('operation') !== 'aws.greengrass#PublishToIoTCore') {
          operation(String(m.headers.get('operation') ?? ''), streamId, JSON.parse(m.payload.toString() || '{}') as Record<string, unknown>);
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

    const json = { type: 'string' as const, value: 'application/json' };
    const reply = (streamId: number, shape: string, body: unknown, flags = FLAG_TERMINATE_STREAM): void =>
      send(MessageType.ApplicationMessage, flags, streamId, { 'service-model-type': { type: 'string', value: shape }, ':content-type': json }, JSON.stringify(body));
    const fail = (streamId: number, shape: string, message: string): void =>
      send(MessageType.ApplicationError, FLAG_TERMINATE_STREAM, streamId, { 'service-model-type': { type: 'string', value: `aws.greengrass#${shape}` }, ':content-type': json }, JSON.stringify({ message, _errorCode: shape }));
    const stream = (streamId: number): Stream => ({ socket, streamId, send: (shape, body) => reply(streamId, shape, body, 0) });

    function operation(name: string, streamId: number, body: Record<string, unknown>): void {
      switch (name) {
        case 'aws.greengrass#GetConfiguration': {
          const keyPath = (body['keyPath'] as string[] | undefined) ?? [];
          double.configurationReads.push(keyPath);
          let value: unknown = double.configuration;
          for (const key of keyPath) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
          if (value === undefined) fail(streamId, 'ResourceNotFoundError', `Key not found: ${keyPath.join('.')}`);
          else reply(streamId, 'aws.greengrass#GetConfigurationResponse', { componentName, value });
          return;
        }
        case 'aws.greengrass#SubscribeToConfigurationUpdate':
          reply(streamId, 'aws.greengrass#SubscribeToConfigurationUpdateResponse', {}, 0);
          configStreams.set(stream(streamId), (body['keyPath'] as string[] | undefined) ?? []);
          return;
        case 'aws.greengrass#SubscribeToValidateConfigurationUpdates':
          reply(streamId, 'aws.greengrass#SubscribeToValidateConfigurationUpdatesResponse', {}, 0);
          validateStreams.add(stream(streamId));
          return;
        case 'aws.greengrass#SubscribeToComponentUpdates':
          reply(streamId, 'aws.greengrass#SubscribeToComponentUpdatesResponse', {}, 0);
          updateStreams.add(stream(streamId));
          return;
        case 'aws.greengrass#SendConfigurationValidityReport': {
          const r = (body['configurationValidityReport'] ?? {}) as { status?: string; deploymentId?: string; message?: string };
          const report: IpcValidityReport = { status: String(r.status), deploymentId: String(r.deploymentId), message: r.message };
          double.validityReports.push(report);
          reply(streamId, 'aws.greengrass#SendConfigurationValidityReportResponse', {});
          for (const w of [...reportWaiters]) w(report);
          return;
        }
        case 'aws.greengrass#DeferComponentUpdate': {
          const d: IpcDeferral = { deploymentId: String(body['deploymentId']), message: body['message'] as string | undefined, recheckAfterMs: body['recheckAfterMs'] as number | undefined };
          double.deferrals.push(d);
          reply(streamId, 'aws.greengrass#DeferComponentUpdateResponse', {});
          for (const w of [...deferWaiters]) w(d);
          return;
        }
        default:
          fail(streamId, 'ServiceError', `the nucleus double does not implement ${name}`);
      }
    }
  }

  await double.start();
  return double;
}
