/**
 * What the log says about the connection, bounded so a device offline for a month does not fill
 * its disk: the first failure of an offline period at warn with its cause and fix (the stack only
 * at debug), then one summary line per interval, a line when the connection returns and one when
 * the backlog kept meanwhile has drained. A period ends only when a connection proves stable, so
 * a connection that drops right after each connect (a session taken over) stays one period and
 * one summary line per interval, not two lines per attempt.
 */
import type { Logger } from '../log/logger.js';
import { AgentError, describeError } from '../errors/agent-error.js';

/** Why a connect attempt failed, as a metric label. */
export type ConnectFailureCause = 'unreachable' | 'tls' | 'refused' | 'timeout' | 'other';

/** Why an established connection ended, as a metric label. */
export type ConnectionLossCause = 'session-taken-over' | 'ack-timeout' | 'disconnected';

/** The metric label of a connect failure, from its error code. */
export function connectFailureCause(err: unknown): ConnectFailureCause {
  const code = err instanceof AgentError ? err.code : undefined;
  if (code === 'EDGE_PUBLISH_TLS_REJECTED') return 'tls';
  if (code === 'EDGE_PUBLISH_AUTH_REJECTED') return 'refused';
  if (code === 'EDGE_PUBLISH_CONNECT_FAILED') return /timed? ?out|TIMEOUT/i.test(describeError(err)) ? 'timeout' : 'unreachable';
  return 'other';
}

/** Where the log gets the figures of its summary lines. */
export interface ConnectionFacts {
  /** Pending rows now, or null when the outbox cannot say. */
  outboxDepth(): number | null;
  /** Rows acknowledged so far by this drainer. */
  rowsDelivered(): number;
}

/** Settings of the connection log. */
export interface ConnectionLogOptions {
  /** One summary line per this many ms while offline. */
  summaryIntervalMs: number;
  /** Named in the takeover line: the client id two devices may share. */
  clientId: string;
}

/** Tracks offline periods and writes their few log lines. */
export class ConnectionLog {
  private offlineSince: number | null = null;
  private attempts = 0;
  private resultsKept = 0;
  private lastCause: string | undefined;
  private summary: NodeJS.Timeout | undefined;
  private takeoverLogged = false;
  private reconnected = false;
  private backlog: { since: number; deliveredAtStart: number } | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly facts: ConnectionFacts,
    private readonly options: ConnectionLogOptions,
  ) {}

  /** A connect attempt failed. */
  connectFailed(err: Error): void {
    this.attempts += 1;
    const cause = err instanceof AgentError ? err.code : err.name;
    this.logger.debug({ err }, 'publish: connect failed');
    if (this.offlineSince === null) {
      this.beginOffline();
      this.logger.warn({ code: cause }, 'publish: cannot connect: %s; results are kept in the outbox and sent when the connection returns', describeError(err));
    } else if (cause !== this.lastCause) {
      this.logger.warn({ code: cause }, 'publish: still cannot connect, now: %s', describeError(err));
    }
    this.lastCause = cause;
  }

  /** An established connection ended; `takenOver` when the broker said so or the pattern shows it. */
  connectionLost(err: Error, cause: ConnectionLossCause): void {
    this.logger.debug({ err }, 'publish: connection lost');
    if (cause === 'session-taken-over' && !this.takeoverLogged) {
      this.takeoverLogged = true;
      this.logger.warn(
        { code: 'EDGE_PUBLISH_SESSION_TAKEN_OVER', clientId: this.options.clientId },
        'publish: the broker handed session "%s" to another client with the same client id (%s); every device needs its own: set publish.clientId or a unique deviceId. Reconnecting with backoff',
        this.options.clientId,
        describeError(err),
      );
    }
    if (this.offlineSince !== null) return;
    this.beginOffline();
    if (cause !== 'session-taken-over') {
      this.logger.warn({ code: err instanceof AgentError ? err.code : err.name }, 'publish: connection lost: %s; reconnecting, results are kept in the outbox', describeError(err));
    }
  }

  /** A result was kept while offline (for the summary). */
  resultKept(): void {
    if (this.offlineSince !== null) this.resultsKept += 1;
  }

  /** A connect attempt succeeded. */
  connected(): void {
    this.attempts += 1;
    if (this.offlineSince === null) {
      if (this.backlog === undefined && !this.reconnected) this.logger.info('publish: connected');
      this.reconnected = true;
      return;
    }
    if (this.reconnected) return;
    this.reconnected = true;
    const depth = this.facts.outboxDepth();
    this.logger.info(
      { offlineSeconds: this.offlineSeconds(), attempts: this.attempts, resultsKept: this.resultsKept, outboxDepth: depth },
      'publish: connected again after %d s offline and %d attempts; sending the %s rows kept',
      this.offlineSeconds(),
      this.attempts,
      depth ?? 'unknown number of',
    );
    this.backlog = { since: Date.now(), deliveredAtStart: this.facts.rowsDelivered() };
  }

  /** The connection has lasted long enough to trust: the offline period is over. */
  stable(): void {
    if (this.offlineSince === null) return;
    this.offlineSince = null;
    this.reconnected = false;
    this.takeoverLogged = false;
    this.lastCause = undefined;
    this.attempts = 0;
    this.resultsKept = 0;
    this.stopSummary();
  }

  /** The drainer found nothing left to send. */
  drained(): void {
    const b = this.backlog;
    if (b === undefined) return;
    this.backlog = undefined;
    const rows = this.facts.rowsDelivered() - b.deliveredAtStart;
    const seconds = Math.round((Date.now() - b.since) / 100) / 10;
    this.logger.info({ rows, seconds }, 'publish: backlog drained: %d rows delivered in %d s', rows, seconds);
  }

  /** Stops the summary timer (on stop). */
  close(): void {
    this.stopSummary();
  }

  private beginOffline(): void {
    this.offlineSince = Date.now();
    this.reconnected = false;
    this.backlog = undefined;
    this.stopSummary();
    this.summary = setInterval(() => this.writeSummary(), this.options.summaryIntervalMs);
    this.summary.unref();
  }

  private writeSummary(): void {
    // A timer callback: nothing here may throw (facts are guarded by their provider).
    try {
      const depth = this.facts.outboxDepth();
      this.logger.info(
        { attempts: this.attempts, resultsKept: this.resultsKept, outboxDepth: depth, offlineSeconds: this.offlineSeconds(), lastCause: this.lastCause },
        'publish: offline for %d s: %d connect attempts, %d results kept, outbox depth %s',
        this.offlineSeconds(),
        this.attempts,
        this.resultsKept,
        depth ?? 'unknown',
      );
    } catch {
      // A logger that throws has nowhere to report to.
    }
  }

  private offlineSeconds(): number {
    return this.offlineSince === null ? 0 : Math.round((Date.now() - this.offlineSince) / 1000);
  }

  private stopSummary(): void {
    if (this.summary !== undefined) clearInterval(this.summary);
    this.summary = undefined;
  }
}
