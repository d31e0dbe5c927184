/**
 * Every metric the agent exports, in one place: names, labels, help text and buckets. Parts of the
 * agent receive an `AgentMetrics` and call its methods; none of them touches prom-client, so a
 * metric name cannot be misspelled or declared twice, and `/metrics` lists them all.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why a frame was dropped before inference. */
export type FrameDropReason = 'busy' | 'decode-failed';
/** Why a camera process was restarted. */
export type CameraRestartReason = 'exited' | 'stalled' | 'failed-to-start';
/** Why the outbox dropped rows: the limit that was hit. */
export type OutboxDropReason = 'maxRows' | 'maxBytes' | 'maxAge' | 'minFreeDisk' | 'diskFull' | 'storeLost';
/** The type of a kept event message (the `events` report policy). */
export type EventMetricType = 'start' | 'update' | 'end';
/** What became of a `counts` interval: sent, skipped after a clock jump, or dropped while too many were held. */
export type CountIntervalOutcome = 'sent' | 'skipped' | 'dropped';

/**
 * Running totals of the outbox's background work since it opened (its checkpoint and seq-mark
 * counters), so health needs no outbox import. The metrics add what grew since the last call.
 */
export interface OutboxThreadCounts {
  /** WAL checkpoints completed on the outbox thread. */
  checkpoints: number;
  /** Checkpoints that failed on the thread. */
  checkpointFailures: number;
  /** Seq marks written ahead in the background and made durable. */
  seqMarkWritesAhead: number;
  /** Seq marks written on the event loop (open, close, and every insert that waited for one). */
  seqMarkWritesOnLoop: number;
  /** Inserts that waited for a seq mark because a counter reached the durable reservation. */
  seqMarkInsertWaits: number;
  /** Seq-mark writes that failed. */
  seqMarkFailures: number;
}

/** What the agent counts; every method is cheap enough to call per frame. */
/** The outbox figures the gauges show (a subset of the outbox's status, so health needs no outbox import). */
export interface OutboxGauges {
  pendingRows: number;
  pendingBytes: number;
  /** Age of the oldest pending row in ms, or null when empty. */
  oldestPendingAgeMs: number | null;
  deadRows: number;
}

export interface AgentMetrics {
  /** The prom-client registry holding every agent metric (the health server serves it). */
  readonly registry: Registry;
  /** A camera delivered a frame. */
  frameCaptured(camera: string): void;
  /** A frame was thrown away before inference (latest-frame-wins, or it could not be decoded). */
  frameDropped(camera: string, reason: FrameDropReason): void;
  /** The change gate skipped inference on a frame that barely differed from the last one. */
  frameSkipped(camera: string): void;
  /** One inference of `model` took `seconds` (preprocess to decoded result). */
  inferenceObserved(model: string, seconds: number): void;
  /** A result was kept (stored in the outbox) under the model's report policy. */
  resultKept(camera: string, model: string): void;
  /** The outbox's current depth, bytes and oldest age. */
  outboxObserved(status: OutboxGauges): void;
  /** The outbox dropped `rows` oldest rows because a limit was hit. */
  outboxDropped(reason: OutboxDropReason, rows: number): void;
  /** The outbox database failed its integrity check and was moved aside. */
  outboxRecreated(): void;
  /** Rows whose checksum did not match when read for sending: dead-lettered, never sent. */
  outboxCorruptRows(rows: number): void;
  /** A camera process (rpicam-vid, ffmpeg, ...) was restarted. */
  cameraRestarted(camera: string, reason: CameraRestartReason): void;
  /** An AgentError with this code happened (counted wherever it is caught and logged). */
  errorCounted(code: string): void;
  /** An execution provider failed to load for a model and the next one in the list was used. */
  executionProviderFallback(model: string, provider: string): void;
  /** A stuck inference made the model's session be rebuilt. */
  sessionRebuilt(model: string): void;
  /** `count` results were acknowledged by the broker. */
  resultsPublished(count: number): void;
  /** The publisher's connection state. */
  publisherConnected(connected: boolean): void;
  /** `count` more connect attempts by the publisher (successful or not). */
  publishConnectAttempts(count: number): void;
  /** `count` more failed connect attempts, by cause (unreachable, tls, refused, timeout, other). */
  publishConnectFailures(cause: string, count: number): void;
  /** `count` more established connections ended, by cause (session-taken-over, ack-timeout, disconnected). */
  publishConnectionsLost(cause: string, count: number): void;
  /** `count` more outbox calls of the drainer failed, by operation (read, acknowledge, compact, ...). */
  publishOutboxFailures(operation: string, count: number): void;
  /** The variant selector replaced the runner of `model` (a base model id) with variant `to`. */
  variantSwitched(model: string, from: string, to: string, reason: string): void;
  /** `variant` is now the one running for `model` (the previous one's series is removed). */
  variantInUse(model: string, variant: string): void;
  /** An event message of `type` from `model` on `camera` was stored in the outbox. */
  eventKept(camera: string, model: string, type: EventMetricType): void;
  /** `intervals` more count intervals of `model` on `camera` ended as `outcome`. */
  countIntervals(camera: string, model: string, outcome: CountIntervalOutcome, intervals: number): void;
  /** One session call of `model` with batching on ran `frames` frames together. */
  inferenceBatchObserved(model: string, frames: number): void;
  /** `model` was loaded with batching asked for, but its graph could not take a dynamic batch: it runs one frame at a time. */
  batchingFallback(model: string): void;
  /** The outbox's background-work totals now; what grew since the last call is counted. */
  outboxThreadObserved(counts: OutboxThreadCounts): void;
}

/** Options for createAgentMetrics. */
export interface AgentMetricsOptions {
  /** Also export Node's process metrics (resident memory, CPU, event loop lag). Default true. */
  processMetrics?: boolean;
}

// From 1 ms (a small model on a PC) to 10 s (a large model on a Pi Zero 2 W).
const inferenceBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Frames per batched call: 1 to inference.batching.maxBatch's maximum, 16.
const batchSizeBuckets = [1, 2, 3, 4, 6, 8, 12, 16];

/** How much a running total grew; a total below the last one started again (a new outbox), so all of it is new. */
function grewBy(now: number, before: number): number {
  return now >= before ? now - before : now;
}

/** Creates the agent's metrics in a fresh registry (one per agent, so tests never share state). */
export function createAgentMetrics(options: AgentMetricsOptions = {}): AgentMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'edge_agent_' });
  const registers = [registry];

  const framesCaptured = new Counter({ name: 'edge_agent_frames_captured_total', help: 'Frames delivered by each camera.', labelNames: ['camera'] as const, registers });
  const framesDropped = new Counter({
    name: 'edge_agent_frames_dropped_total',
    help: 'Frames thrown away before inference: busy (a newer frame replaced it) or decode-failed.',
    labelNames: ['camera', 'reason'] as const,
    registers,
  });
  const framesSkipped = new Counter({ name: 'edge_agent_frames_skipped_total', help: 'Frames the change gate skipped.', labelNames: ['camera'] as const, registers });
  const inferenceDuration = new Histogram({
    name: 'edge_agent_inference_duration_seconds',
    help: 'Time of one inference per model, preprocessing to decoded result.',
    labelNames: ['model'] as const,
    buckets: inferenceBuckets,
    registers,
  });
  const resultsKept = new Counter({ name: 'edge_agent_results_kept_total', help: 'Results stored in the outbox.', labelNames: ['camera', 'model'] as const, registers });
  const outboxRows = new Gauge({ name: 'edge_agent_outbox_pending_rows', help: 'Rows waiting in the outbox.', registers });
  const outboxBytes = new Gauge({ name: 'edge_agent_outbox_pending_bytes', help: 'Payload bytes waiting in the outbox.', registers });
  const outboxOldest = new Gauge({ name: 'edge_agent_outbox_oldest_pending_age_seconds', help: 'Age of the oldest pending row (0 when empty).', registers });
  const outboxDead = new Gauge({ name: 'edge_agent_outbox_dead_rows', help: 'Rows the other side refused for good (dead letters).', registers });
  const outboxDrops = new Counter({ name: 'edge_agent_outbox_dropped_rows_total', help: 'Rows dropped because an outbox limit was hit, by limit.', labelNames: ['reason'] as const, registers });
  const outboxCorrupt = new Counter({ name: 'edge_agent_outbox_corrupt_rows_total', help: 'Outbox rows whose checksum failed when read for sending; dead-lettered, never sent.', registers });
  const outboxRecreations = new Counter({ name: 'edge_agent_outbox_recreated_total', help: 'Outbox databases moved aside after a failed integrity check.', registers });
  const cameraRestarts = new Counter({ name: 'edge_agent_camera_restarts_total', help: 'Camera process restarts, by reason.', labelNames: ['camera', 'reason'] as const, registers });
  const errors = new Counter({ name: 'edge_agent_errors_total', help: 'Errors by code (docs/errors.md).', labelNames: ['code'] as const, registers });
  const fallbacks = new Counter({
    name: 'edge_agent_execution_provider_fallbacks_total',
    help: 'Execution providers that failed to load for a model, so the next one in the list was used.',
    labelNames: ['model', 'provider'] as const,
    registers,
  });
  const rebuilds = new Counter({ name: 'edge_agent_session_rebuilds_total', help: 'Inference sessions rebuilt after a stuck inference.', labelNames: ['model'] as const, registers });
  const published = new Counter({ name: 'edge_agent_results_published_total', help: 'Results acknowledged by the broker.', registers });
  const connected = new Gauge({ name: 'edge_agent_publisher_connected', help: '1 while the publisher is connected, else 0.', registers });
  const connectAttempts = new Counter({ name: 'edge_agent_publish_connect_attempts_total', help: 'Connect attempts by the publisher, successful or not.', registers });
  const connectFailures = new Counter({ name: 'edge_agent_publish_connect_failures_total', help: 'Failed connect attempts, by cause (unreachable, tls, refused, timeout, other).', labelNames: ['cause'] as const, registers });
  const connectionsLost = new Counter({ name: 'edge_agent_publish_connections_lost_total', help: 'Established connections that ended, by cause (session-taken-over, ack-timeout, disconnected).', labelNames: ['cause'] as const, registers });
  const publishOutboxFailures = new Counter({ name: 'edge_agent_publish_outbox_failures_total', help: 'Outbox calls of the drainer that failed and were retried, by operation.', labelNames: ['operation'] as const, registers });
  const variantSwitches = new Counter({
    name: 'edge_agent_model_variant_switches_total',
    help: 'Changes of the variant running for a model, by previous and new variant and reason (initial, over-budget, headroom, remeasured).',
    labelNames: ['model', 'from', 'to', 'reason'] as const,
    registers,
  });
  const variantInfo = new Gauge({ name: 'edge_agent_model_variant_info', help: 'Always 1, for the variant running for each model now.', labelNames: ['model', 'variant'] as const, registers });
  // One series per model: the previous variant's series goes, so a query needs no max_over_time.
  const variantNow = new Map<string, string>();
  const events = new Counter({ name: 'edge_agent_events_total', help: 'Event messages stored in the outbox (report.policy events), by camera, model and type (start, update, end).', labelNames: ['camera', 'model', 'type'] as const, registers });
  const countIntervals = new Counter({
    name: 'edge_agent_count_intervals_total',
    help: 'Count intervals (report.policy counts) by outcome: sent, skipped (more than 1000 elapsed at once, a clock jump), dropped (more than 1000 held before the first inferred frame).',
    labelNames: ['camera', 'model', 'outcome'] as const,
    registers,
  });
  const batchSizes = new Histogram({ name: 'edge_agent_inference_batch_size', help: 'Frames per session call of a model with batching on (inference.batching).', labelNames: ['model'] as const, buckets: batchSizeBuckets, registers });
  const batchingFallbacks = new Counter({ name: 'edge_agent_inference_batching_fallbacks_total', help: 'Model loads with batching asked for whose graph could not take a dynamic batch, so the model runs one frame at a time.', labelNames: ['model'] as const, registers });
  const checkpoints = new Counter({ name: 'edge_agent_outbox_checkpoints_total', help: 'WAL checkpoints completed on the outbox thread.', registers });
  const seqMarkWrites = new Counter({ name: 'edge_agent_outbox_seq_mark_writes_total', help: 'Seq marks written: ahead (in the background) or on-loop (open, close, or an insert that waited).', labelNames: ['where'] as const, registers });
  const seqMarkWaits = new Counter({ name: 'edge_agent_outbox_seq_mark_insert_waits_total', help: 'Inserts that waited for a seq mark written on the spot (a counter reached the durable reservation).', registers });
  const threadFailures = new Counter({ name: 'edge_agent_outbox_thread_failures_total', help: 'Background work of the outbox that failed, by job (checkpoint, seq-mark).', labelNames: ['job'] as const, registers });
  let threadBefore: OutboxThreadCounts = { checkpoints: 0, checkpointFailures: 0, seqMarkWritesAhead: 0, seqMarkWritesOnLoop: 0, seqMarkInsertWaits: 0, seqMarkFailures: 0 };

  return Object.freeze({
    registry,
    frameCaptured: (camera: string) => framesCaptured.inc({ camera }),
    frameDropped: (camera: string, reason: FrameDropReason) => framesDropped.inc({ camera, reason }),
    frameSkipped: (camera: string) => framesSkipped.inc({ camera }),
    inferenceObserved: (model: string, seconds: number) => inferenceDuration.observe({ model }, seconds),
    resultKept: (camera: string, model: string) => resultsKept.inc({ camera, model }),
    outboxObserved: (status: OutboxGauges) => {
      outboxRows.set(status.pendingRows);
      outboxBytes.set(status.pendingBytes);
      outboxOldest.set(status.oldestPendingAgeMs === null ? 0 : status.oldestPendingAgeMs / 1000);
      outboxDead.set(status.deadRows);
    },
    outboxDropped: (reason: OutboxDropReason, rows: number) => outboxDrops.inc({ reason }, rows),
    outboxRecreated: () => outboxRecreations.inc(),
    outboxCorruptRows: (rows: number) => outboxCorrupt.inc(rows),
    cameraRestarted: (camera: string, reason: CameraRestartReason) => cameraRestarts.inc({ camera, reason }),
    errorCounted: (code: string) => errors.inc({ code }),
    executionProviderFallback: (model: string, provider: string) => fallbacks.inc({ model, provider }),
    sessionRebuilt: (model: string) => rebuilds.inc({ model }),
    resultsPublished: (count: number) => published.inc(count),
    publisherConnected: (isConnected: boolean) => connected.set(isConnected ? 1 : 0),
    publishConnectAttempts: (count: number) => connectAttempts.inc(count),
    publishConnectFailures: (cause: string, count: number) => connectFailures.inc({ cause }, count),
    publishConnectionsLost: (cause: string, count: number) => connectionsLost.inc({ cause }, count),
    publishOutboxFailures: (operation: string, count: number) => publishOutboxFailures.inc({ operation }, count),
    variantSwitched: (model: string, from: string, to: string, reason: string) => variantSwitches.inc({ model, from, to, reason }),
    variantInUse: (model: string, variant: string) => {
      const previous = variantNow.get(model);
      if (previous !== undefined && previous !== variant) variantInfo.remove({ model, variant: previous });
      variantNow.set(model, variant);
      variantInfo.set({ model, variant }, 1);
    },
    eventKept: (camera: string, model: string, type: EventMetricType) => events.inc({ camera, model, type }),
    countIntervals: (camera: string, model: string, outcome: CountIntervalOutcome, intervals: number) => countIntervals.inc({ camera, model, outcome }, intervals),
    inferenceBatchObserved: (model: string, frames: number) => batchSizes.observe({ model }, frames),
    batchingFallback: (model: string) => batchingFallbacks.inc({ model }),
    outboxThreadObserved: (counts: OutboxThreadCounts) => {
      const b = threadBefore;
      checkpoints.inc(grewBy(counts.checkpoints, b.checkpoints));
      seqMarkWrites.inc({ where: 'ahead' }, grewBy(counts.seqMarkWritesAhead, b.seqMarkWritesAhead));
      seqMarkWrites.inc({ where: 'on-loop' }, grewBy(counts.seqMarkWritesOnLoop, b.seqMarkWritesOnLoop));
      seqMarkWaits.inc(grewBy(counts.seqMarkInsertWaits, b.seqMarkInsertWaits));
      threadFailures.inc({ job: 'checkpoint' }, grewBy(counts.checkpointFailures, b.checkpointFailures));
      threadFailures.inc({ job: 'seq-mark' }, grewBy(counts.seqMarkFailures, b.seqMarkFailures));
      threadBefore = { ...counts };
    },
  });
}
