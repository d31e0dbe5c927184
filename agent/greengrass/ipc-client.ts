/**
 * A minimal eventstream RPC client for the Greengrass nucleus IPC socket: Connect with the SVCUID
 * auth token, one stream per request, the reply on that stream. Request-response operations
 * (PublishToIoTCore, GetConfiguration, ...) end with that reply; subscriptions
 * (SubscribeTo...) keep their stream open and the nucleus sends events on it until either side
 * ends it with the TerminateStream flag. It replaces aws-iot-device-sdk-v2's greengrasscoreipc client, whose native
 * binding crashed the process when the nucleus went away with requests in flight (a use after
 * free in aws_napi_event_stream_client_stream_close, reproduced in test/publish); a lost socket
 * here only rejects what was in flight.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { decodeMessages, encodeMessage, type EventMessage, type HeaderValue } from './eventstream-codec.js';

/** eventstream RPC message types. */
const MessageType = { ApplicationMessage: 0, ApplicationError: 1, Ping: 2, PingResponse: 3, Connect: 4, ConnectAck: 5, ProtocolError: 6, InternalError: 7 } as const;
const FLAG_CONNECTION_ACCEPTED = 1;
const FLAG_TERMINATE_STREAM = 2;

/** An error reply of the nucleus: the modelled shape name and its JSON body. */
export class IpcServiceError extends Error {
  constructor(
    /** For example `aws.greengrass#UnauthorizedError`. */
    readonly shape: string,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body.message === 'string' ? body.message : shape);
    this.name = 'IpcServiceError';
  }
}

/** What a subscription's owner is told: each event (its modelled shape and JSON body), and the end of the stream. */
export interface StreamHandlers {
  onEvent(shape: string, body: Record<string, unknown>): void;
  /** Once: the nucleus ended the stream (an error shape when it ended with one), or the connection closed. */
  onEnd(cause: Error): void;
}

/** An open subscription stream. */
export interface IpcSubscription {
  /** Ends the stream (TerminateStream); no more events are delivered. */
  close(): void;
}

interface Pending {
  resolve: (m: EventMessage) => void;
  reject: (err: Error) => void;
}

/** One connection to the nucleus; make a new one after it closes. */
export class IpcClient {
  private socket: Socket | undefined;
  private nextStreamId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, StreamHandlers>();
  private buffered: Buffer = Buffer.alloc(0);
  private closedListener: ((cause: Error) => void) | undefined;

  /** Connects and completes the Connect/ConnectAck handshake; rejects when refused. */
  async connect(socketPath: string, authToken: string, timeoutMs: number): Promise<void> {
    const socket = netConnect(socketPath);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no ConnectAck within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', fail);
      socket.once('close', () => fail(new Error('the nucleus closed the connection during the handshake (wrong SVCUID?)')));
      socket.once('connect', () => {
        socket.write(this.frame(MessageType.Connect, 0, 0, { ':version': { type: 'string', value: '0.1.0' } }, JSON.stringify({ authToken })));
      });
      this.pending.set(0, {
        resolve: (m) => {
          clearTimeout(timer);
          socket.removeAllListeners('error');
          socket.removeAllListeners('close');
          const flags = Number(m.headers.get(':message-flags') ?? 0);
          if (m.headers.get(':message-type') === MessageType.ConnectAck && (flags & FLAG_CONNECTION_ACCEPTED) !== 0) resolve();
          else fail(new Error('the nucleus refused the connection (ConnectAck without ConnectionAccepted): wrong or expired SVCUID'));
        },
        reject: fail,
      });
      socket.on('data', (d: Buffer) => this.onData(d));
    });
    socket.on('error', () => {});
    socket.on('close', () => this.onClose(new Error('the IPC socket closed')));
  }

  /** Called once when an established connection closes. */
  onClosed(listener: (cause: Error) => void): void {
    this.closedListener = listener;
  }

  /** Sends one request on a new stream; resolves with the reply body, rejects with IpcServiceError or a connection error. */
  call(operation: string, requestShape: string, body: unknown): Promise<Record<string, unknown>> {
    return this.request(operation, requestShape, body, () => undefined).then((r) => r.body);
  }

  /**
   * Opens a subscription: sends the request, waits for the nucleus's response (rejecting with
   * IpcServiceError when it refuses, for example UnauthorizedError), then hands every later
   * message on the stream to `handlers`.
   */
  async subscribe(operation: string, requestShape: string, body: unknown, handlers: StreamHandlers): Promise<IpcSubscription> {
    const { streamId } = await this.request(operation, requestShape, body, (streamId, m) => {
      // A response that already ends the stream is a subscription with nothing to follow.
      if ((Number(m.headers.get(':message-flags') ?? 0) & FLAG_TERMINATE_STREAM) === 0) this.streams.set(streamId, handlers);
      else queueMicrotask(() => handlers.onEnd(new Error(`the nucleus ended the ${operation} stream with its response`)));
    });
    return {
      close: () => {
        if (!this.streams.delete(streamId)) return;
        const socket = this.socket;
        if (socket !== undefined && !socket.destroyed) socket.write(this.frame(MessageType.ApplicationMessage, FLAG_TERMINATE_STREAM, streamId, {}, ''));
      },
    };
  }

  /** Closes the socket, rejecting what is in flight with `cause`. */
  close(cause: Error = new Error('closed')): void {
    const socket = this.socket;
    this.socket = undefined;
    this.closedListener = undefined;
    this.rejectAll(cause);
    socket?.destroy();
  }

  /** Sends a request on a new stream; `onAccepted` runs synchronously with the successful response, before later messages are read. */
  private request(operation: string, requestShape: string, body: unknown, onAccepted: (streamId: number, m: EventMessage) => void): Promise<{ streamId: number; body: Record<string, unknown> }> {
    const socket = this.socket;
    if (socket === undefined || socket.destroyed) return Promise.reject(new Error('not connected to the nucleus'));
    const streamId = this.nextStreamId;
    // Stream ids are positive int32s; a connection that lives long enough starts again at 1.
    this.nextStreamId = this.nextStreamId >= 0x7fffffff ? 1 : this.nextStreamId + 1;
    return new Promise((resolve, reject) => {
      this.pending.set(streamId, {
        resolve: (m) => {
          const type = m.headers.get(':message-type');
          const shape = String(m.headers.get('service-model-type') ?? '');
          const parsed = parseBody(m.payload);
          if (type === MessageType.ApplicationMessage) {
            onAccepted(streamId, m);
            resolve({ streamId, body: parsed });
          } else reject(new IpcServiceError(shape || `message type ${String(type)}`, parsed));
        },
        reject,
      });
      socket.write(
        this.frame(MessageType.ApplicationMessage, 0, streamId, {
          operation: { type: 'string', value: operation },
          'service-model-type': { type: 'string', value: requestShape },
          ':content-type': { type: 'string', value: 'application/json' },
        }, JSON.stringify(body)),
      );
    });
  }

  private frame(type: number, flags: number, streamId: number, extra: Record<string, HeaderValue>, payload: string): Buffer {
    return encodeMessage(
      { ':message-type': { type: 'int32', value: type }, ':message-flags': { type: 'int32', value: flags }, ':stream-id': { type: 'int32', value: streamId }, ...extra },
      Buffer.from(payload),
    );
  }

  private onData(d: Buffer): void {
    let decoded;
    try {
      decoded = decodeMessages(Buffer.concat([this.buffered, d]));
    } catch (err) {
      this.onClose(err as Error);
      this.socket?.destroy();
      return;
    }
    this.buffered = Buffer.from(decoded.rest);
    for (const m of decoded.messages) {
      const type = m.headers.get(':message-type');
      if (type === MessageType.Ping) {
        this.socket?.write(this.frame(MessageType.PingResponse, 0, 0, {}, ''));
        continue;
      }
      const streamId = Number(m.headers.get(':stream-id') ?? 0);
      const stream = this.streams.get(streamId);
      if (stream !== undefined) {
        this.onStreamMessage(streamId, stream, m);
        continue;
      }
      const p = this.pending.get(streamId);
      if (p === undefined) continue;
      this.pending.delete(streamId);
      p.resolve(m);
    }
  }

  private onStreamMessage(streamId: number, stream: StreamHandlers, m: EventMessage): void {
    const type = m.headers.get(':message-type');
    const shape = String(m.headers.get('service-model-type') ?? '');
    const ended = (Number(m.headers.get(':message-flags') ?? 0) & FLAG_TERMINATE_STREAM) !== 0;
    if (type === MessageType.ApplicationMessage && m.payload.length > 0) stream.onEvent(shape, parseBody(m.payload));
    if (type === MessageType.ApplicationError) {
      this.streams.delete(streamId);
      stream.onEnd(new IpcServiceError(shape || `message type ${String(type)}`, parseBody(m.payload)));
    } else if (ended) {
      this.streams.delete(streamId);
      stream.onEnd(new Error(`the nucleus ended the stream${shape === '' ? '' : ` (${shape})`}`));
    }
  }

  private onClose(cause: Error): void {
    const listener = this.closedListener;
    this.closedListener = undefined;
    this.socket = undefined;
    this.rejectAll(cause);
    listener?.(cause);
  }

  private rejectAll(cause: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(cause);
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.onEnd(cause);
  }
}

function parseBody(payload: Buffer): Record<string, unknown> {
  if (payload.length === 0) return {};
  try {
    const v = JSON.parse(payload.toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { message: payload.toString('utf8') };
  }
}
