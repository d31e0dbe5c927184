/**
 * The `greengrass` transport: PublishToIoTCore over the nucleus's IPC socket (eventstream RPC),
 * authenticated with the SVCUID token the nucleus gives the component. The nucleus answers once
 * the message is in its spooler, not when IoT Core acknowledged it; its spooler is in memory by
 * default and lost on restart.
 *
 * The issue asked to pause while the core is offline using the IPC connection-status stream.
 * The Greengrass IPC model in aws-iot-device-sdk-v2 1.28 has no such operation (its streaming
 * operations are certificate, component, configuration, IoT Core and topic subscriptions), so
 * this transport cannot see the core's cloud connection: `isReady()` reflects the IPC socket.
 *
 * The wire client is ours (agent/greengrass/), not the SDK's greengrasscoreipc: the SDK's native
 * binding crashed the process when the nucleus went away with requests in flight.
 */
import type { Logger } from '../log/logger.js';
import { publishErrors } from './errors.js';
import { IpcClient, IpcServiceError } from '../greengrass/ipc-client.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, type DisconnectListener, type OutgoingMessage, type PublishOutcome, type Publisher } from './publisher.js';

/** Where the nucleus listens and the token that proves we are its component. */
export interface GreengrassPublisherOptions {
  /** AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT, read by agent/config. */
  socketPath: string;
  /** SVCUID, read by agent/config. */
  authToken: string;
  maxPayloadBytes?: number;
  connectTimeoutMs?: number;
  logger: Logger;
}

const PUBLISH_OPERATION = 'aws.greengrass#PublishToIoTCore';
const PUBLISH_REQUEST_SHAPE = 'aws.greengrass#PublishToIoTCoreRequest';
const UNAUTHORIZED_SHAPE = 'aws.greengrass#UnauthorizedError';

/** Publishes to IoT Core through the Greengrass nucleus. */
export class GreengrassPublisher implements Publisher {
  readonly transport = 'greengrass';
  readonly maxPayloadBytes: number;
  private client: IpcClient | undefined;
  private readonly listeners: DisconnectListener[] = [];

  constructor(private readonly options: GreengrassPublisherOptions) {
    if (options.socketPath === '' || options.authToken === '') {
      throw publishErrors.EDGE_PUBLISH_IPC_UNAVAILABLE(
        'Expected the nucleus socket path and SVCUID token but one is empty; run the agent as a Greengrass component (the nucleus sets AWS_GG_NUCLEUS_DOMAIN_SOCKET_FILEPATH_FOR_COMPONENT and SVCUID)',
        {},
      );
    }
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  async connect(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    const client = new IpcClient();
    try {
      await client.connect(this.options.socketPath, this.options.authToken, this.options.connectTimeoutMs ?? 10_000);
    } catch (err) {
      throw publishErrors.EDGE_PUBLISH_IPC_UNAVAILABLE(
        `Expected the Greengrass nucleus to accept an IPC connection on ${this.options.socketPath} but it failed: ${(err as Error).message}; check the agent runs as a component of a running nucleus and SVCUID is current`,
        { socketPath: this.options.socketPath },
        err,
      );
    }
    client.onClosed((reason) => {
      if (this.client !== client) return;
      this.client = undefined;
      const cause = publishErrors.EDGE_PUBLISH_DISCONNECTED(`The IPC connection to the nucleus at ${this.options.socketPath} closed: ${reason.message}`, { socketPath: this.options.socketPath });
      for (const l of this.listeners) l(cause);
    });
    this.client = client;
  }

  isReady(): boolean {
    return this.client !== undefined;
  }

  async publish(message: OutgoingMessage): Promise<PublishOutcome> {
    const client = this.client;
    if (client === undefined) throw publishErrors.EDGE_PUBLISH_DISCONNECTED(`Expected an IPC connection to ${this.options.socketPath} but there is none`, {});
    const request = {
      topicName: message.topic,
      qos: '1',
      payload: Buffer.from(message.payload).toString('base64'),
      ...(message.contentType === undefined ? {} : { contentType: message.contentType }),
      ...(message.userProperties === undefined ? {} : { userProperties: Object.entries(message.userProperties).map(([key, value]) => ({ key, value })) }),
    };
    try {
      await client.call(PUBLISH_OPERATION, PUBLISH_REQUEST_SHAPE, request);
      return { kind: 'acked' };
    } catch (err) {
      // Only an authorisation refusal is final; a ServiceError (spooler full, nucleus busy) is tried again.
      if (err instanceof IpcServiceError && err.shape === UNAUTHORIZED_SHAPE) return { kind: 'refused', reason: `not authorized: ${err.message}` };
      const what = err instanceof IpcServiceError ? `${err.shape}: ${err.message}` : (err as Error).message;
      throw publishErrors.EDGE_PUBLISH_DISCONNECTED(`PublishToIoTCore failed: ${what}`, {}, err);
    }
  }

  onDisconnect(listener: DisconnectListener): void {
    this.listeners.push(listener);
  }

  abort(cause: Error): void {
    const client = this.client;
    this.client = undefined;
    client?.close(cause);
  }

  close(): Promise<void> {
    this.abort(publishErrors.EDGE_PUBLISH_DISCONNECTED('The publisher was closed', {}));
    return Promise.resolve();
  }
}
