/**
 * What the outbox's metrics show, read from the outbox: its depth gauges and the running totals of
 * its background work (checkpoints, seq-mark writes, inserts that waited for a mark, failures).
 * The runtime calls it on a timer, so a scrape never waits on SQLite.
 */
import type { AgentMetrics } from '../health/metrics.js';
import type { SqliteOutbox } from '../outbox/index.js';

/** Reports the outbox's status and background-work totals to `metrics` once. */
export function observeOutbox(outbox: SqliteOutbox, metrics: AgentMetrics): void {
  metrics.outboxObserved(outbox.status());
  const checkpoints = outbox.checkpointStats();
  const marks = outbox.seqMarkStats();
  metrics.outboxThreadObserved({
    checkpoints: checkpoints.completed,
    checkpointFailures: checkpoints.failures,
    seqMarkWritesAhead: marks.writesAhead,
    seqMarkWritesOnLoop: marks.writesOnLoop,
    seqMarkInsertWaits: marks.insertWaits,
    seqMarkFailures: marks.failures,
  });
}
