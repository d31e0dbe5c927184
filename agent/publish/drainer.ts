/**
 * Store and forward: moves pending outbox rows to a publisher, oldest first, with QoS 1. A row
 * leaves the outbox only when the other side acknowledged it; acknowledgements are written back
 * in batched transactions. After a lost connection (or a restart) the drainer starts again from
 * the oldest pending row in the database, so the only duplicates are the messages that were in
 * flight when the connection or the process went away.
 *
 * Reconnects back off (exponential, jittered, capped) and only `stop()` cuts a wait short: a new
 * result never does, or a device that keeps producing would retry as fast as it infers.
 *
 * `attempts` on a row counts the connections that ended while that row's message was the oldest
 * unanswered one (connection lost, ack timeout): the message the broker choked on, not the ones
 * in flight behind it. At `maxAttempts` the row is dead-lettered. Recording every send would be a
 * SQLite write per read that the drain rate cannot afford (docs/messages.md has the numbers).
 */
import type { Logger } from '../log/logger.js';
import type { Outbox, OutboxRow } from '../outbox/outbox.js';
import { AgentError, describeError } from '../errors/agent-error.js';
import { Backoff, type BackoffBounds } from '../support/backoff.js';
import { groupRows, type BatchOptions, type RowMessage } from './batch.js';
import { ConnectionLog, connectFailureCause, type ConnectionLossCause } from './connection-log.js';
import { publishErrors } from './errors.js';
import { OutboxFailures } from './outbox-failures.js';
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
  /** Reconnect delays (and the retry delays of a failing outbox). */
  backoff: BackoffBounds;
  /** A row is dead-lettered after this many connections ended with it unanswered. */
  maxAttempts: number;
  /** One summary log line per this many ms while offline. */
  offlineSummaryMs: number;
  /** A connection that lasts this long (and had its publishes answered) resets the backoff. */
  stableConnectionMs: number;
  /** This many connections in a row that drop before they are stable suggest a session takeover. */
  shortConnectionsForTakeover: number;
  /** Named in the session-takeover log line. */
  clientId: string;
}

/** Library defaults for tests and tools; the agent passes the values of agent/config/schema.ts. */
export const DEFAULT_DRAINER_OPTIONS: Readonly<DrainerOptions> = Object.freeze({
  inFlightWindow: 64,
  ratePerSecond: 100,
  inFlightTimeoutMs: 15_000,
  batch: undefined,
  ackFlushRows: 500,
  ackFlushMs: 50,
  idlePollMs: 250,
  backoff: { initialMs: 1_000, maxMs: 300_000 },
  maxAttempts: 10,
  offlineSummaryMs: 300_000,
  stableConnectionMs: 10_000,
  shortConnectionsForTakeover: 3,
  clientId: 'unknown',
});

/** Acknowledged rows deleted per idle step: a bounded chunk, so a new row waits little for the write lock. */
const compactRowsPerStep = 1_000;

/** Acknowledgements held while the outbox cannot take them; older ones are forgotten (resent, never lost). */
const maxBufferedAcks = 100_000;

/** Counters for logs, metrics and tests. */
export interface DrainerStats {
  messagesSent: number;
  rowsDelivered: number;
  rowsDeadLettered: number;
  connects: number;
  /** Every connect call, successful or not. */
  connectAttempts: number;
  /** Failed connect calls by cause (unreachable, tls, refused, timeout, other). */
  connectFailures: Record<string, number>;
  connectionsLost: number;
  /** Established connections that ended, by cause (session-taken-over, ack-timeout, disconnected). */
  connectionLosses: Record<string, number>;
  /** Outbox calls that threw, by operation (read, acknowledge, compact, ...). */
  outboxFailures: Record<string, number>;
  /** The last connection failure or loss, as thrown (an AgentError where the cause is known). */
  lastError: Error | null;
}

interface Session {
  lost: Error | null;
  startedAt: number;
  /** The oldest unanswered message when the connection ended: its rows get an attempt. */
  blamed: RowMessage | undefined;
  inFlight: Map<RowMessage, number>;
  sent: number;
  acked: boolean;
  stable: boolean;
}

/** Runs the store-and-forward loop until `stop()`. */
export class Drainer {
  private readonly options: DrainerOptions;
  /** Wakes the drain loop: new rows, acks, a lost connection, stop. */
  private readonly wakeup = new Wakeup();
  /** Wakes backoff waits: only `stop()`. */
  private readonly stopWake = new Wakeup();
  private readonly stopping: Promise<'stopped'>;
  private signalStop: () => void = () => {};
  private readonly limiter: RateLimiter;
  private readonly reconnects: Backoff;
  private readonly outboxRetries: Backoff;
  private readonly failures: OutboxFailures;
  private readonly log: ConnectionLog;
  private readonly ackBuffer: number[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private session: Session | undefined;
  private shortConnections = 0;
  private unexpectedLogged = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly counters = {
    messagesSent: 0,
    rowsDelivered: 0,
    rowsDeadLettered: 0,
    connects: 0,
    connectAttempts: 0,
    connectionsLost: 0,
    lastError: null as Error | null,
  };
  private readonly connectFailures: Record<string, number> = {};
  private readonly connectionLosses: Record<string, number> = {};

  constructor(
    private readonly outbox: Outbox,
    private readonly publisher: Publisher,
    private readonly logger: Logger,
    options: Partial<DrainerOptions> = {},
  ) {
    this.options = { ...DEFAULT_DRAINER_OPTIONS, ...options };
    checkOptions(this.options);
    this.limiter = new RateLimiter(this.options.ratePerSecond);
    this.reconnects = new Backoff(this.options.backoff, { jitter: true });
    this.outboxRetries = new Backoff(this.options.backoff, { jitter: true });
    this.failures = new OutboxFailures(logger);
    this.log = new ConnectionLog(
      logger,
      { outboxDepth: () => this.failures.attempt('status', () => this.outbox.status().pendingRows) ?? null, rowsDelivered: () => this.counters.rowsDelivered },
      { summaryIntervalMs: this.options.offlineSummaryMs, clientId: this.options.clientId },
    );
    this.stopping = new Promise((resolve) => {
      this.signalStop = () => resolve('stopped');
    });
    publisher.onDisconnect((cause) => this.loseConnection(cause));
  }

  /** Starts the loop; it reconnects by itself until `stop()`. */
  start(): void {
    if (this.loop !== undefined) return;
    this.loop = this.run();
  }

  /** Tells the drainer that rows were enqueued, so it does not wait for the next poll (never cuts a reconnect wait short). */
  notify(): void {
    this.log.resultKept();
    this.wakeup.notify();
  }

  /** A snapshot of the counters. */
  stats(): DrainerStats {
    return {
      ...this.counters,
      connectFailures: { ...this.connectFailures },
      connectionLosses: { ...this.connectionLosses },
      outboxFailures: this.failures.failures(),
    };
  }

  /**
   * Stops at once: a pending connect is abandoned, messages in flight are not waited for (their
   * rows stay pending and are sent again after the next start), acks received are written, and
   * the publisher says `offline` (bounded by the transport) and closes.
   */
  async stop(): Promise<void> {
    if (this.stopped) {
      await this.loop;
      return;
    }
    this.stopped = true;
    this.signalStop();
    this.wakeup.notify();
    this.stopWake.notify();
    await this.loop;
    this.log.close();
    await this.publisher.close();
    // Acks that arrived while the transport said goodbye still count.
    this.flushAcks();
    this.clearAckTimer();
  }

  /** The loop; it never rejects: every failure inside is logged, counted and retried. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connectAndDrain();
      } catch (err) {
        // Nothing should get here (outbox calls are guarded); if something does, the policy is
        // the same: log once, back off, retry, never end the loop while the process lives.
        if (!this.unexpectedLogged) this.logger.error({ err }, 'publish: unexpected drainer failure, retrying with backoff: %s', describeError(err));
        this.unexpectedLogged = true;
        await this.stopWake.wait(this.outboxRetries.next());
      }
    }
  }

  private async connectAndDrain(): Promise<void> {
    this.counters.connectAttempts += 1;
    try {
      const outcome = await Promise.race([this.publisher.connect().then(() => 'connected' as const), this.stopping]);
      if (outcome === 'stopped') {
        this.publisher.abort(publishErrors.EDGE_PUBLISH_DISCONNECTED('The agent is stopping', {}));
        return;
      }
    } catch (err) {
      if (this.stopped) return;
      const error = err instanceof Error ? err : new Error(String(err));
      this.counters.lastError = error;
      const cause = connectFailureCause(error);
      this.connectFailures[cause] = (this.connectFailures[cause] ?? 0) + 1;
      this.log.connectFailed(error);
      await this.stopWake.wait(this.reconnects.next());
      return;
    }
    this.counters.connects += 1;
    this.log.connected();
    const session: Session = { lost: null, startedAt: performance.now(), blamed: undefined, inFlight: new Map(), sent: 0, acked: false, stable: false };
    this.session = session;
    await this.drain(session);
    this.session = undefined;
    this.flushAcks();
    if (this.stopped) return;
    this.endSession(session);
    await this.stopWake.wait(this.reconnects.next());
  }

  /** After a lost connection: blame the oldest unanswered message, classify the loss, log it. */
  private endSession(session: Session): void {
    const lost = session.lost ?? publishErrors.EDGE_PUBLISH_DISCONNECTED('The connection ended', {});
    this.counters.connectionsLost += 1;
    if (session.blamed !== undefined) this.recordAttempt(session.blamed, lost);
    if (session.stable) this.shortConnections = 0;
    else this.shortConnections += 1;
    let cause: ConnectionLossCause = 'disconnected';
    if (lost instanceof AgentError && lost.code === 'EDGE_PUBLISH_ACK_TIMEOUT') cause = 'ack-timeout';
    else if (lost instanceof AgentError && lost.code === 'EDGE_PUBLISH_SESSION_TAKEN_OVER') cause = 'session-taken-over';
    else if (this.shortConnections >= this.options.shortConnectionsForTakeover) {
      // MQTT 3.1.1 has no DISCONNECT reason: connections that keep dropping right after CONNACK
      // are how a takeover looks there.
      cause = 'session-taken-over';
      this.counters.lastError = publishErrors.EDGE_PUBLISH_SESSION_TAKEN_OVER(
        `The connection dropped right after connecting ${this.shortConnections} times in a row (${describeError(lost)}); another client with client id "${this.options.clientId}" is probably taking the session over`,
        { clientId: this.options.clientId },
      );
    }
    this.connectionLosses[cause] = (this.connectionLosses[cause] ?? 0) + 1;
    this.log.connectionLost(cause === 'session-taken-over' ? (this.counters.lastError ?? lost) : lost, cause);
  }

  /** One more failed send for the blamed message's rows; at `maxAttempts` they are dead-lettered. */
  private recordAttempt(item: RowMessage, cause: Error): void {
    this.failures.run('mark-attempted', () => this.outbox.markAttempted(item.rows.map((r) => r.id)));
    const sends = Math.max(...item.rows.map((r) => r.attempts)) + 1;
    if (sends < this.options.maxAttempts) return;
    this.deadLetter(item, `no acknowledgement after ${sends} sends (publish.maxAttempts ${this.options.maxAttempts}); last: ${describeError(cause)}`);
  }

  private async drain(session: Session): Promise<void> {
    const { inFlightWindow, batch, idlePollMs, inFlightTimeoutMs } = this.options;
    const watchdog = setInterval(() => this.checkInFlight(session), Math.max(10, Math.floor(inFlightTimeoutMs / 4)));
    const refillSlots = this.refillSlots();
    let cursor = 0;
    try {
      while (!this.stopped && session.lost === null) {
        this.checkStable(session);
        const free = inFlightWindow - session.inFlight.size;
        if (free <= 0 || (free < refillSlots && session.inFlight.size > 0)) {
          await this.wakeup.wait(idlePollMs);
          continue;
        }
        const limit = batch === undefined ? free : Math.min(free * batch.maxResults, 10_000);
        const rows = this.failures.attempt('read', () => this.outbox.nextPending(limit, cursor));
        if (rows === undefined) {
          await this.stopWake.wait(this.outboxRetries.next());
          continue;
        }
        this.outboxRetries.reset();
        if (rows.length === 0) {
          if (session.inFlight.size === 0) this.log.drained();
          // Nothing to send: delete a chunk of the rows acknowledged earlier, then look again
          // soon if there were some (a new row still wakes the loop at once).
          const compacted = this.failures.attempt('compact', () => this.outbox.compact(compactRowsPerStep)) ?? 0;
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
      // On a lost connection, let what is in flight settle (the abort rejects it at once); on
      // stop, abandon it: its rows stay pending.
      while (!this.stopped && session.inFlight.size > 0) await this.wakeup.wait(idlePollMs);
    } finally {
      clearInterval(watchdog);
    }
  }

  /** A connection that lasted and had its publishes answered ends the offline period and resets the backoff. */
  private checkStable(session: Session): void {
    if (session.stable || performance.now() - session.startedAt < this.options.stableConnectionMs) return;
    if (session.sent > 0 && !session.acked) return;
    session.stable = true;
    this.shortConnections = 0;
    this.reconnects.reset();
    this.log.stable();
  }

  private send(session: Session, item: RowMessage): void {
    const refusal = this.refuseLocally(item);
    if (refusal !== null) {
      this.deadLetter(item, refusal);
      return;
    }
    session.inFlight.set(item, performance.now());
    session.sent += 1;
    this.counters.messagesSent += 1;
    this.publisher.publish(item.message).then(
      (outcome) => this.settle(session, item, outcome),
      (err: unknown) => {
        if (this.stopped) return;
        // Lose the connection first, so the blame still sees this message in flight.
        this.loseConnection(err instanceof Error ? err : new Error(String(err)), session);
        session.inFlight.delete(item);
        if (session.inFlight.size === 0) this.wakeup.notify();
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

  /** Runs in a promise callback: every outbox write in here goes through the failure policy. */
  private settle(session: Session, item: RowMessage, outcome: PublishOutcome): void {
    session.inFlight.delete(item);
    const left = session.inFlight.size;
    if (outcome.kind === 'acked') {
      session.acked = true;
      for (const row of item.rows) this.ackBuffer.push(row.id);
      if (this.ackBuffer.length > maxBufferedAcks) this.ackBuffer.splice(0, this.ackBuffer.length - maxBufferedAcks);
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
    let written = 0;
    for (const row of item.rows) {
      // A row whose dead-lettering failed stays pending and is judged again when next sent.
      if (this.failures.run('dead-letter', () => this.outbox.deadLetter(row.id, reason))) written += 1;
    }
    this.counters.rowsDeadLettered += written;
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
    if (session === undefined || session.lost !== null || this.stopped) return;
    session.lost = cause;
    session.blamed = session.inFlight.keys().next().value;
    this.counters.lastError = cause;
    this.publisher.abort(cause);
    this.wakeup.notify();
  }

  /** Writes buffered acks; on an outbox failure they stay buffered and a retry is scheduled. Never throws. */
  private flushAcks(): void {
    this.clearAckTimer();
    if (this.ackBuffer.length === 0) return;
    const ids = this.ackBuffer.slice();
    if (!this.failures.run('acknowledge', () => this.outbox.markDelivered(ids))) {
      if (!this.stopped) this.ackTimer = setTimeout(() => this.flushAcks(), this.outboxRetries.next());
      return;
    }
    this.ackBuffer.splice(0, ids.length);
  }

  private clearAckTimer(): void {
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }
}

function checkOptions(o: DrainerOptions): void {
  const positive: [string, number][] = [
    ['inFlightWindow', o.inFlightWindow],
    ['inFlightTimeoutMs', o.inFlightTimeoutMs],
    ['ackFlushRows', o.ackFlushRows],
    ['idlePollMs', o.idlePollMs],
    ['maxAttempts', o.maxAttempts],
    ['offlineSummaryMs', o.offlineSummaryMs],
    ['backoff.initialMs', o.backoff.initialMs],
    ['backoff.maxMs', o.backoff.maxMs],
  ];
  for (const [key, value] of positive) {
    if (!Number.isInteger(value) || value < 1) throw publishErrors.EDGE_PUBLISH_BAD_OPTION(`Expected positive integer for ${key} but received ${value}`, { key, value });
  }
  if (o.backoff.maxMs < o.backoff.initialMs) {
    throw publishErrors.EDGE_PUBLISH_BAD_OPTION(`Expected backoff.maxMs >= backoff.initialMs but received ${o.backoff.maxMs} and ${o.backoff.initialMs}`, { key: 'backoff' });
  }
  if (!(o.ratePerSecond >= 0)) throw publishErrors.EDGE_PUBLISH_BAD_OPTION(`Expected ratePerSecond >= 0 (0 turns the limit off) but received ${o.ratePerSecond}`, { key: 'ratePerSecond' });
  if (o.batch !== undefined && (o.batch.maxResults < 1 || o.batch.maxBytes < 1024)) {
    throw publishErrors.EDGE_PUBLISH_BAD_OPTION(`Expected batch.maxResults >= 1 and batch.maxBytes >= 1024 but received ${o.batch.maxResults} and ${o.batch.maxBytes}`, { key: 'batch' });
  }
}
