/**
 * The drainer's one policy for a failing outbox (a full or vanished disk, a locked file), the same
 * for every call wherever it comes from (the main read, an acknowledgement written from a
 * callback or timer, compaction): never throw, count each failure, log the first of a run at warn
 * (its stack only at debug) and the recovery at info, and tell the caller to back off and retry.
 * The process stays up and delivery resumes when the outbox answers again.
 */
import type { Logger } from '../log/logger.js';
import { describeError } from '../errors/agent-error.js';

/** Which outbox call failed, as a metric label. */
export type OutboxOperation = 'read' | 'acknowledge' | 'compact' | 'mark-attempted' | 'dead-letter' | 'status';

/** Runs outbox calls under the policy and counts what failed. */
export class OutboxFailures {
  private readonly counts = new Map<OutboxOperation, number>();
  /** Operations failing now: since when, and how many failures in this run. */
  private readonly runs = new Map<OutboxOperation, { since: number; failures: number }>();

  constructor(private readonly logger: Logger) {}

  /** The value of `call()`, or `undefined` when it threw (then logged per the policy and counted). */
  attempt<T>(operation: OutboxOperation, call: () => T): T | undefined {
    let value: T;
    try {
      value = call();
    } catch (err) {
      this.failed(operation, err);
      return undefined;
    }
    this.succeeded(operation);
    return value;
  }

  /** Runs a call that returns nothing; true when it went through. */
  run(operation: OutboxOperation, call: () => void): boolean {
    try {
      call();
    } catch (err) {
      this.failed(operation, err);
      return false;
    }
    this.succeeded(operation);
    return true;
  }

  /** Failures so far, per operation. */
  failures(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  private failed(operation: OutboxOperation, err: unknown): void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    this.logger.debug({ err, operation }, 'publish: outbox call failed');
    const run = this.runs.get(operation);
    if (run !== undefined) {
      run.failures += 1;
      return;
    }
    // A run is per operation: a read that works between two failed compactions does not make
    // the second compaction failure news.
    this.runs.set(operation, { since: Date.now(), failures: 1 });
    this.logger.warn(
      { operation, code: (err as { code?: unknown }).code },
      'publish: the outbox failed (%s: %s); delivery pauses and retries with backoff, nothing is lost; check the data directory\'s disk space and permissions',
      operation,
      describeError(err),
    );
  }

  private succeeded(operation: OutboxOperation): void {
    const run = this.runs.get(operation);
    if (run === undefined) return;
    this.runs.delete(operation);
    const seconds = Math.round((Date.now() - run.since) / 1000);
    this.logger.info({ operation, failures: run.failures, seconds }, 'publish: the outbox answers again (%s) after %d failed calls in %d s; delivery resumes', operation, run.failures, seconds);
  }
}
