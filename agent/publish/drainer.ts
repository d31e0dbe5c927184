/**
 * Store and forward: moves pending outbox rows to a publisher, oldest first, with QoS 1. A row
 * leaves the outbox only when the other side acknowledged it; acknowledgements are written back
 * in batched transactions. After a lost connection (or a restart) the drainer starts again from
 * the oldest pending row in the database, so the only duplicates are the messages that were in
 * flight when the connection or the process went away.
 *
 * `attempts` on a row counts sends that ended without an answer (connection lost, ack timeout):
 * recording every send would be a SQLite write per read that the drain rate cannot afford
 * (docs/messages.md has the numbers), and a row acknowledged first time leaves anyway.
 */
import type { Logger } from '../log/logger.js';
import type { Outbox, OutboxRow } from '../outbox/outbox.js';
import { AgentError, describeError } from '../errors/agent-error.js';
import { backoffDelayMs, type BackoffBounds } from '../support/backoff.js';
import { groupRows, type BatchOptions, type RowMessage } from './batch.js';
import { publishErrors } from './errors.js';
import { findImageBytesInJson } from './payload-guard.js';
import type { PublishOutcome, Publisher } from './publisher.js';
import { RateLimiter } from './rate-limiter.js';
import { Wakeup } from './wakeup.js';

/** Tuning of the drainer; every bound is named here. */
export interface DrainerOptions {
  /** Messages published and not yet acknowledged, at most. */
  inFlightWindow: number;
  /** Publishes per second per connection; 0 turns the limit off (AWS IoT Core allows 100). */
  ratePerSecond: number;
  /** A publish unanswered this long means the broker stopped acknowledging: reconnect. */
  inFlightTimeoutMs: number;
  /** Batching of a backlog; undefined sends one result per message. */
  batch: BatchOptions | undefined;
  /** Acknowledged rows are written to the outbox when this many are buffered ... */
  ackFlushRows: number;
  /** ... or this long after the first of them arrived. */
  ackFlushMs: number;
  /** How often an empty outbox is looked at again when nobody calls `notify()`. */
  idlePollMs: number;
  backoff: BackoffBounds;
}

/** Defaults: AWS IoT Core's rate limit, a window of 64, no batching. */
export const DEFAULT_DRAINER_OPTIONS: Readonly<DrainerOptions> = Object.freeze({
  inFlightWindow: 64,
  ratePerSecond: 100,
  inFlightTimeoutMs: 15_000,
  batch: undefined,
  ackFlushRows: 500,
  ackFlushMs: 50,
  idlePollMs: 250,
  backoff: { initialMs: 500, maxMs: 30_000 },
});

/** Acknowledged rows deleted per idle step: a bounded chunk, so a new row waits little for the write lock. */
const compactRowsPerStep = 1_000;

/** Counters for logs, metrics and tests. */
export interface DrainerStats {
  messagesSent: number;
  rowsDelivered: number;
  rowsDeadLettered: number;
  connects: number;
  connectionsLost: number;
  /** The last connection failure or loss, as thrown (an AgentError where the cause is known). */
  lastError: Error | null;
}

interface Session {
  lost: Error | null;
  /** Rows whose send ended without an answer; their `attempts` grow when the session ends. */
  failedIds: number[];
  inFlight: Map<RowMessage, number>;
  acked: boolean;
}

/** Runs the store-and-forward loop until `stop()`. */
export class Drainer {
  private readonly options: DrainerOptions;
  private readonly wakeup = new Wakeup();
  private readonly limiter: RateLimiter;
  private readonly ackBuffer: number[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private session: Session | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly counters: DrainerStats = { messagesSent: 0, rowsDelivered: 0, rowsDeadLettered: 0, connects: 0, connectionsLost: 0, lastError: null };

  constructor(
    private readonly outbox: Outbox,
    private readonly publisher: Publisher,
    private readonly logger: Logger,
    options: Partial<DrainerOptions> = {},
  ) {
    this.options = { ...DEFAULT_DRAINER_OPTIONS, ...options };
    checkOptions(this.options);
    this.limiter = new RateLimiter(this.options.ratePerSecond);
    publisher.onDisconnect((cause) => this.loseConnection(cause));
  }

  /** Starts the loop; it reconnects by itself until `stop()`. */
  start(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run().catch((err: unknown) => {
      // Only an outbox failure gets here (the disk is gone); say so loudly rather than spin.
      this.logger.error({ err }, 'publish drainer stopped: %s', describeError(err));
      this.counters.lastError = err instanceof Error ? err : new Error(String(err));
    });
  }

  /** Tells the drainer that rows were enqueued, so it does not wait for the next poll. */
  notify(): void {
    this.wakeup.notify();
  }

  /** A snapshot of the counters. */
  stats(): DrainerStats {
    return { ...this.counters };
  }

  /** Stops sending, waits for the messages in flight (bounded by the in-flight timeout), writes acks, closes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeup.notify();
    await this.loop;
    this.flushAcks();
    await this.publisher.close();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        await this.publisher.connect();
      } catch (err) {
        this.counters.lastError = err instanceof Error ? err : new Error(String(err));
        this.logger.warn({ err, attempt }, 'publish: connect failed: %s', describeError(err));
        await this.wakeup.wait(backoffDelayMs(attempt++, this.options.backoff, { jitter: true }));
        continue;
      }
      this.counters.connects += 1;
      const session: Session = { lost: null, failedIds: [], inFlight: new Map(), acked: false };
      this.session = session;
      await this.drain(session);
      this.session = undefined;
      this.flushAcks();
      if (session.failedIds.length > 0) this.outbox.markAttempted(session.failedIds);
      // A connection that never acknowledged anything does not reset the backoff, so a broker
      // that accepts and then ignores us is not hammered.
      if (session.acked) attempt = 0;
      if (!this.stopped) {
        this.counters.connectionsLost += 1;
        this.logger.warn({ err: session.lost, attempt }, 'publish: connection lost, resending from the oldest pending row');
        await this.wakeup.wait(backoffDelayMs(attempt++, this.options.backoff, { jitter: true }));
      }
    }
  }

  private async drain(session: Session): Promise<void> {
    const { inFlightWindow, batch, idlePollMs, inFlightTimeoutMs } = this.options;
    const watchdog = setInterval(() => this.checkInFlight(session), Math.max(10, Math.floor(inFlightTimeoutMs / 4)));
    const refillSlots = this.refillSlots();
    let cursor = 0;
    try {
      while (!this.stopped && session.lost === null) {
        const free = inFlightWindow - session.inFlight.size;
        if (free <= 0 || (free < refillSlots && session.inFlight.size > 0)) {
          await this.wakeup.wait(idlePollMs);
          continue;
        }
        const limit = batch === undefined ? free : Math.min(free * batch.maxResults, 10_000);
        const rows = this.outbox.nextPending(limit, cursor);
        if (rows.length === 0) {
          // Nothing to send: delete a chunk of the rows acknowledged earlier, then look again
          // soon if there were some (a new row still wakes the loop at once).
          const compacted = this.compactQuietly();
          await this.wakeup.wait(compacted > 0 ? 0 : idlePollMs);
          continue;
        }
        cursor = (rows[rows.length - 1] as OutboxRow).id;
        for (const item of groupRows(rows, batch, this.publisher.maxPayloadBytes)) {
          let waitMs = this.limiter.reserve();
          while (waitMs > 0 && !this.stopped && session.lost === null) {
            await this.wakeup.wait(waitMs);
            waitMs = this.limiter.reserve();
          }
          if (this.stopped || session.lost !== null) break;
          this.send(session, item);
        }
      }
      // Let what is in flight settle: acks arrive, or the watchdog or a disconnect ends them.
      while (session.inFlight.size > 0) await this.wakeup.wait(idlePollMs);
    } finally {
      clearInterval(watchdog);
    }
  }

  /** Compaction is housekeeping: a failure (a full disk) is logged and retried on the next idle turn, never fatal. */
  private compactQuietly(): number {
    try {
      return this.outbox.compact(compactRowsPerStep);
    } catch (err) {
      this.logger.warn({ err }, 'publish: could not delete acknowledged rows from the outbox: %s', describeError(err));
      return 0;
    }
  }

  private send(session: Session, item: RowMessage): void {
    const refusal = this.refuseLocally(item);
    if (refusal !== null) {
      this.deadLetter(item, refusal);
      return;
    }
    session.inFlight.set(item, performance.now());
    this.counters.messagesSent += 1;
    this.publisher.publish(item.message).then(
      (outcome) => this.settle(session, item, outcome),
      (err: unknown) => {
        session.inFlight.delete(item);
        for (const row of item.rows) session.failedIds.push(row.id);
        this.loseConnection(err instanceof Error ? err : new Error(String(err)), session);
      },
    );
  }

  /**
   * The window is refilled in chunks of this many slots, not one slot at a time: each read is a
   * SQLite query, and small reads after every ack cost more than the publishes they feed.
   */
  private refillSlots(): number {
    return Math.max(1, Math.ceil(this.options.inFlightWindow / 4));
  }

  private settle(session: Session, item: RowMessage, outcome: PublishOutcome): void {
    session.inFlight.delete(item);
    const left = session.inFlight.size;
    if (outcome.kind === 'acked') {
      session.acked = true;
      for (const row of item.rows) this.ackBuffer.push(row.id);
      this.counters.rowsDelivered += item.rows.length;
      if (this.ackBuffer.length >= this.options.ackFlushRows) this.flushAcks();
      else this.ackTimer ??= setTimeout(() => this.flushAcks(), this.options.ackFlushMs);
    } else {
      const code = outcome.reasonCode === undefined ? '' : ` (reason code 0x${outcome.reasonCode.toString(16)})`;
      this.deadLetter(item, `refused by ${this.publisher.transport}: ${outcome.reason}${code}`);
    }
    // Wake the loop only when a refill is worth a read, or when the last publish settled (stop and
    // reconnect wait for that); a wake-up per ack cost a timer and a turn of the loop each.
    if (left === 0 || left === this.options.inFlightWindow - this.refillSlots()) this.wakeup.notify();
  }

  /** Rows that must not or cannot be sent: image bytes, or bigger than the transport takes. */
  private refuseLocally(item: RowMessage): string | null {
    const bytes = Buffer.byteLength(item.message.payload);
    if (bytes > this.publisher.maxPayloadBytes) {
      return `too large: ${bytes} bytes, ${this.publisher.transport} accepts at most ${this.publisher.maxPayloadBytes}`;
    }
    const image = findImageBytesInJson(item.message.payload);
    return image === null ? null : `image bytes never leave the device: payload holds ${image}`;
  }

  private deadLetter(item: RowMessage, reason: string): void {
    for (const row of item.rows) this.outbox.deadLetter(row.id, reason);
    this.counters.rowsDeadLettered += item.rows.length;
    this.logger.warn({ seq: item.rows.map((r) => r.seq), reason }, 'publish: message dead-lettered');
  }

  private checkInFlight(session: Session): void {
    const oldest = session.inFlight.values().next();
    if (oldest.done === true || performance.now() - oldest.value < this.options.inFlightTimeoutMs) return;
    const err = publishErrors.EDGE_PUBLISH_ACK_TIMEOUT(
      `Expected a PUBACK within ${this.options.inFlightTimeoutMs} ms but ${session.inFlight.size} publishes are unanswered; reconnecting`,
      { inFlight: session.inFlight.size },
    );
    this.loseConnection(err, session);
  }

  private loseConnection(cause: Error, session: Session | undefined = this.session): void {
    if (session === undefined || session.lost !== null) return;
    session.lost = cause;
    this.counters.lastError = cause;
    if (!(cause instanceof AgentError)) this.logger.debug({ err: cause }, 'publish: connection lost');
    this.publisher.abort(cause);
    this.wakeup.notify();
  }

  private flushAcks(): void {
    if (this.ackTimer !== undefined) {
      clearTimeout(this.ackTimer);
      this.ackTimer = undefined;
    }
    if (this.ackBuffer.length === 0) return;
    const ids = this.ackBuffer.splice(0, this.ackBuffer.length);
    this.outbox.markDelivered(ids);
  }
}

function checkOptions(o: DrainerOptions): void {
  const positive: [string, number][] = [
    ['inFlightWindow', o.inFlightWindow],
    ['inFlightTimeoutMs', o.inFlightTimeoutMs],
    ['ackFlushRows', o.ackFlushRows],
    ['idlePollMs', o.idlePollMs],
  ];
  for (const [key, value] of positive) {
    if (!Number.isInteger(value) || value < 1) throw publishErrors.EDGE_PUBLISH_BAD_OPTION(`Expected positive integer for ${key} but received ${value}`, { key, value });
  }
  if (!(o.ratePerSecond >= 0)) throw publishErrors.EDGE_PUBLISH_BAD_OPTION(`Expected ratePerSecond >= 0 (0 turns the limit off) but received ${o.ratePerSecond}`, { key: 'ratePerSecond' });
  if (o.batch !== undefined && (o.batch.maxResults < 1 || o.batch.maxBytes < 1024)) {
    throw publishErrors.EDGE_PUBLISH_BAD_OPTION(`Expected batch.maxResults >= 1 and batch.maxBytes >= 1024 but received ${o.batch.maxResults} and ${o.batch.maxBytes}`, { key: 'batch' });
  }
}
