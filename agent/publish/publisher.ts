/**
 * The seam between the drainer and a transport. A publisher delivers one message with QoS 1 and
 * settles only when the other side answered: `acked` on PUBACK (or IPC success), `refused` when
 * the answer is a permanent refusal (PUBACK reason code >= 0x80, IPC authorisation error).
 * Anything else (connection lost, timeout) rejects, and the drainer sends the row again later.
 */

/** One message on the wire: the payload is JSON text built by the contract in this folder. */
export interface OutgoingMessage {
  topic: string;
  payload: string;
  /** MQTT 5 content type; transports without it ignore it. */
  contentType?: string;
  /** MQTT 5 user properties; transports without them ignore them. */
  userProperties?: Record<string, string>;
}

/** How the other side answered one publish. */
export type PublishOutcome =
  | { readonly kind: 'acked' }
  | { readonly kind: 'refused'; readonly reason: string; readonly reasonCode?: number };

/** Called once when an established connection is lost (not when `close()` ends it). */
export type DisconnectListener = (cause: Error) => void;

/** A transport: mqtt.js, the AWS SDK's MQTT 5 client, or Greengrass IPC. */
export interface Publisher {
  /** Transport name for logs and metrics: `mqtt`, `aws-iot`, `greengrass`. */
  readonly transport: string;
  /** Largest payload the other side accepts; bigger rows are dead-lettered without sending. */
  readonly maxPayloadBytes: number;
  /** Opens the connection; rejects with an AgentError naming the cause (TLS, auth, unreachable). */
  connect(): Promise<void>;
  /** True while connected and able to publish (and, for Greengrass, while the core is online). */
  isReady(): boolean;
  /** Publishes with QoS 1; see the file comment for how it settles. */
  publish(message: OutgoingMessage): Promise<PublishOutcome>;
  /** Registers the listener told when the connection drops or the core goes offline. */
  onDisconnect(listener: DisconnectListener): void;
  /** Drops the connection at once, rejecting every publish in flight (used on an ack timeout). */
  abort(cause: Error): void;
  /** Says goodbye cleanly (status `offline` where the transport has one) and closes. */
  close(): Promise<void>;
}

/** AWS IoT Core refuses payloads over 128 KB; the default ceiling for every transport. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 128 * 1024;
