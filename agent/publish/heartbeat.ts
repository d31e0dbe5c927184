/**
 * Publishes the heartbeat every interval while the publisher is connected. Heartbeats bypass the
 * outbox on purpose: a stale one is worth nothing after a reconnect, so none is kept or resent.
 */
import type { Logger } from '../log/logger.js';
import type { Outbox } from '../outbox/outbox.js';
import { MESSAGE_CONTENT_TYPE } from './messages.js';
import type { Publisher } from './publisher.js';
import { heartbeatPayload, type HeartbeatMetrics } from './status-messages.js';

/** What the heartbeat reports and where. */
export interface HeartbeatOptions {
  publisher: Publisher;
  outbox: Outbox;
  topic: string;
  deviceId: string;
  intervalMs: number;
  /** Pipeline measurements at the moment of sending. */
  metrics: () => HeartbeatMetrics;
  logger: Logger;
}

/** Starts the timer; the returned function stops it. */
export function startHeartbeat(options: HeartbeatOptions): () => void {
  const beat = (): void => {
    if (!options.publisher.isReady()) return;
    const payload = heartbeatPayload(options.deviceId, options.outbox.status(), options.metrics());
    options.publisher.publish({ topic: options.topic, payload, contentType: MESSAGE_CONTENT_TYPE, userProperties: { kind: 'heartbeat' } }).then(
      (outcome) => {
        if (outcome.kind === 'refused') options.logger.warn({ reason: outcome.reason }, 'publish: heartbeat refused');
      },
      (err: unknown) => options.logger.debug({ err }, 'publish: heartbeat not sent'),
    );
  };
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
