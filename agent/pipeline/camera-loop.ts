/**
 * The frame loop of one camera: take the newest frame (latest wins, older ones are counted as
 * dropped), wait out the camera's interval, skip it if the change gate says nothing changed,
 * run each of the camera's models, apply each model's report policy, and enqueue what is kept in
 * the outbox. Nothing here touches the network, and nothing queues more than one frame.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameSource } from '../capture/frame-source.js';
import type { Frame } from '../capture/frame.js';
import { LatestFrame } from '../capture/latest-frame.js';
import { AgentError, noteUnexpected } from '../errors/agent-error.js';
import type { AgentMetrics } from '../health/metrics.js';
import type { ReadinessTracker } from '../health/readiness.js';
import type { RunnerPool } from './runner-pool.js';
import type { Logger } from '../log/logger.js';
import { LogThrottle } from '../log/throttle.js';
import type { ResultRecord } from '../results/result-record.js';
import type { EventRecord } from '../results/event-record.js';
import type { CountRecord } from '../results/count-record.js';
import type { FrameGate } from './change-gate.js';
import { decodeThreshold, keepClasses, type ClassFilter } from '../postprocess/class-filter.js';
import { pipelineErrors } from './errors.js';
import type { ReportPolicy } from './report-policy.js';
import type { CountPolicyStats } from './count-policy.js';

/** How often the loop asks `counts` policies for intervals that ended (a message is at most this late). */
const COUNTS_TICK_MS = 1000;

/** One model as this camera runs it. */
export interface CameraModel {
  id: string;
  threshold: number;
  /** Labels kept and per-label thresholds; absent keeps every label at `threshold`. */
  classFilter?: ClassFilter | undefined;
  policy: ReportPolicy;
  /** Topic the kept results go to. */
  topic: string;
}

/**
 * Where kept results go. The composition root backs it with the outbox (through the payload
 * guard); the loop only knows that `keep` stores the record or throws.
 */
export interface ResultStore {
  /** Stores one kept record, event or count record for `topic`; throws when it cannot (a full disk, a broken database). */
  keep(record: ResultRecord | EventRecord | CountRecord, topic: string): void;
}

/**
 * Sees each processed frame while someone watches (the local console). `active` is read once per
 * frame, so with no viewer the loop copies, encodes and collects nothing.
 */
export interface FrameTap {
  readonly active: boolean;
  /** The frame just processed, whether the change gate skipped it, and every model's record (before report policies). */
  offer(camera: string, frame: Frame, skipped: boolean, records: readonly ResultRecord[]): void;
}

/** Everything a camera loop works with; the composition root builds these. */
export interface CameraLoopOptions {
  name: string;
  source: FrameSource;
  /** Minimum time between two inferred frames. */
  intervalMs: number;
  gate: FrameGate | undefined;
  models: readonly CameraModel[];
  runners: RunnerPool;
  store: ResultStore;
  metrics: AgentMetrics;
  readiness: ReadinessTracker;
  logger: Logger;
  /** An inference with no result after this long is reported and its session rebuilt. */
  stuckTimeoutMs: number;
  /** Called with every kept record after it is in the outbox (the drainer's wake-up, a status line). */
  onKept?: (record: ResultRecord) => void;
  /** Called after every inference with the configured model id, its latency and the variant that ran (variant selection). */
  onInferred?: (modelId: string, latencyMs: number, variantId: string) => void;
  /** Latest-frame tap for the console; inert unless it says a viewer is connected. */
  tap?: FrameTap;
}

/** The settings a running loop can take without a restart (live reconfiguration). */
export type CameraLoopSettings = Pick<CameraLoopOptions, 'intervalMs' | 'gate' | 'models' | 'stuckTimeoutMs'>;

/** Counters of one camera loop. */
export interface CameraLoopStats {
  framesInferred: number;
  framesSkipped: number;
  framesDropped: number;
  resultsKept: number;
  enqueueFailures: number;
}

/** Runs one camera until stopped. */
export class CameraLoop {
  readonly name: string;
  private o: CameraLoopOptions;
  private readonly latest: LatestFrame;
  private readonly abort = new AbortController();
  private readonly throttle = new LogThrottle();
  private readonly counters: CameraLoopStats = { framesInferred: 0, framesSkipped: 0, framesDropped: 0, resultsKept: 0, enqueueFailures: 0 };
  private reportedDrops = 0;
  /** Each `counts` policy's interval counters as last reported to the metrics (a replaced policy starts at zero). */
  private readonly countsReported = new WeakMap<ReportPolicy, CountPolicyStats>();
  private done: Promise<void> | undefined;
  /** Closes `counts` intervals on the wall clock, so they are sent while no frame comes. */
  private countsTimer: NodeJS.Timeout | undefined;

  constructor(options: CameraLoopOptions) {
    this.o = options;
    this.name = options.name;
    this.latest = new LatestFrame(options.source);
    options.source.onFrame(() => {
      options.metrics.frameCaptured(options.name);
      options.readiness.frameDelivered(options.name);
    });
  }

  /** Starts the source (resolves at its first frame, rejects if it cannot open) and the loop. */
  async start(): Promise<void> {
    await this.o.source.start();
    // Tracks the previous run left open (a crash) get their end, reason `restart`, before new ones start.
    for (const model of this.o.models) for (const event of model.policy.recovered(Date.now())) this.keepOne(event, model);
    this.countsTimer = setInterval(() => this.keepDueCounts(Date.now()), COUNTS_TICK_MS);
    this.countsTimer.unref();
    this.done = this.loop().catch((err: unknown) => {
      // The loop itself never throws by design; if it does, say so loudly rather than lose it.
      this.o.logger.error({ camera: this.name, err }, 'camera loop crashed');
    });
  }

  /** Resolves when the source ended by itself (a files source played once) and the last frame is processed. */
  finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  /** Stops taking frames, lets the frame in flight finish, and stops the source. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.latest.close();
    await this.done;
    clearInterval(this.countsTimer);
    // Every track that started gets its end, with reason `shutdown`; counts their last, partial interval.
    const nowMs = Date.now();
    for (const model of this.o.models) for (const event of model.policy.close(nowMs)) this.keepOne(event, model);
    this.keepDueCounts(nowMs);
    await this.o.source.stop();
  }

  /**
   * Replaces rate, gate, models and timeout. Takes effect from the next frame: a frame in flight
   * finishes with the settings it started with, because `process` read them when it began.
   */
  update(settings: CameraLoopSettings): void {
    const before = this.o.models;
    this.o = { ...this.o, ...settings };
    // A replaced policy's open tracks end (reason `reconfigured`); a new one ends what a crash left open.
    const nowMs = Date.now();
    for (const old of before) {
      if (this.o.models.some((m) => m.policy === old.policy)) continue;
      const target = this.o.models.find((m) => m.id === old.id) ?? old;
      for (const event of old.policy.close(nowMs, 'reconfigured')) this.keepOne(event, target);
      for (const counts of old.policy.dueCounts(nowMs)) this.keepOne(counts, target);
      this.reportCountStats(old.policy, target.id);
    }
    for (const model of this.o.models) {
      if (before.some((m) => m.policy === model.policy)) continue;
      for (const event of model.policy.recovered(nowMs)) this.keepOne(event, model);
    }
  }

  /** The models this loop runs now. */
  get models(): readonly CameraModel[] {
    return this.o.models;
  }

  /** The change gate in use, if any. */
  get gate(): FrameGate | undefined {
    return this.o.gate;
  }

  /** The source's counters. */
  sourceStats(): ReturnType<FrameSource['stats']> {
    return this.o.source.stats();
  }

  /**
   * Results `keep` took but the store could not write later (a group commit that failed):
   * counted in `enqueueFailures` and logged (bounded), as a `keep` that throws is.
   */
  storeFailed(modelId: string, results: number, err: unknown): void {
    this.counters.enqueueFailures += results;
    this.failure(err, { model: modelId }, 'results could not be stored');
  }

  /** A snapshot of the counters. */
  stats(): CameraLoopStats {
    return { ...this.counters };
  }

  private async loop(): Promise<void> {
    let nextAtMs = 0;
    for (;;) {
      const waitMs = nextAtMs - Date.now();
      if (waitMs > 0) {
        try {
          await sleep(waitMs, undefined, { signal: this.abort.signal });
        } catch {
          return; // aborted by stop()
        }
      }
      const frame = await this.latest.next();
      if (frame === undefined || this.abort.signal.aborted) return;
      this.countDrops();
      nextAtMs = Date.now() + this.o.intervalMs;
      await this.process(frame);
    }
  }

  private countDrops(): void {
    const total = this.latest.dropped;
    for (; this.reportedDrops < total; this.reportedDrops++) this.o.metrics.frameDropped(this.name, 'busy');
    this.counters.framesDropped = total;
  }

  private async process(frame: Frame): Promise<void> {
    const { gate, models } = this.o;
    const tap = this.o.tap?.active === true ? this.o.tap : undefined;
    const seen: ResultRecord[] | undefined = tap === undefined ? undefined : [];
    if (gate !== undefined) {
      try {
        const trackedObjects = models.reduce((n, m) => n + m.policy.trackedObjects, 0);
        const decision = await gate.check(frame.image, { nowMs: Date.now(), trackedObjects });
        if (!decision.pass) {
          const skippedAtMs = Date.now();
          for (const m of models) m.policy.skipped(skippedAtMs);
          this.counters.framesSkipped++;
          this.o.metrics.frameSkipped(this.name);
          tap?.offer(this.name, frame, true, []);
          return;
        }
      } catch (err) {
        this.badFrame(frame, err);
        return;
      }
    }
    this.counters.framesInferred++;
    for (const model of models) {
      let record: ResultRecord;
      try {
        record = await this.inferWithTimeout(model, frame);
      } catch (err) {
        if (err instanceof AgentError && err.kind === 'input') {
          this.badFrame(frame, err);
          return; // the frame is bad for every model
        }
        this.failure(err, { model: model.id }, 'inference failed');
        continue;
      }
      const { record: kept, events, counts, tracked } = model.policy.apply(record, Date.now());
      seen?.push(tracked ?? record);
      // Counts of intervals that ended before this frame go first: they are about earlier time.
      for (const c of counts) this.keepOne(c, model);
      if (counts.length > 0) this.reportCountStats(model.policy, model.id);
      for (const event of events) this.keepOne(event, model);
      if (kept !== undefined && this.keepOne(kept, model)) this.o.onKept?.(kept);
    }
    if (seen !== undefined) tap?.offer(this.name, frame, false, seen);
  }

  /** Keeps the count records of every `counts` model due at `nowMs` (the timer, and stop). */
  private keepDueCounts(nowMs: number): void {
    for (const model of this.o.models) {
      try {
        for (const c of model.policy.dueCounts(nowMs)) this.keepOne(c, model);
        this.reportCountStats(model.policy, model.id);
      } catch (err) {
        // Runs from a timer: nothing may escape it.
        this.failure(err, { model: model.id }, 'count records could not be made');
      }
    }
  }

  /** Stores one record, event or count record; false when it could not be stored (counted and logged). */
  private keepOne(kept: ResultRecord | EventRecord | CountRecord, model: CameraModel): boolean {
    try {
      this.o.store.keep(kept, model.topic);
    } catch (err) {
      // A full disk or a broken database must not stop inference: count, log (bounded), go on.
      this.counters.enqueueFailures++;
      this.failure(err, { model: model.id }, 'result could not be stored');
      return false;
    }
    this.counters.resultsKept++;
    this.o.metrics.resultKept(this.name, model.id);
    if ('kind' in kept && kept.kind === 'event') this.o.metrics.eventKept(this.name, model.id, kept.type);
    return true;
  }

  /** Counts what grew of a `counts` policy's intervals (sent, skipped after a clock jump, dropped while held) since the last report. */
  private reportCountStats(policy: ReportPolicy, modelId: string): void {
    const now = policy.countStats();
    if (now === undefined) return;
    const before = this.countsReported.get(policy) ?? { intervalsSent: 0, intervalsSkipped: 0, intervalsDropped: 0 };
    const grew = (outcome: 'sent' | 'skipped' | 'dropped', by: number): void => {
      if (by > 0) this.o.metrics.countIntervals(this.name, modelId, outcome, by);
    };
    grew('sent', now.intervalsSent - before.intervalsSent);
    grew('skipped', now.intervalsSkipped - before.intervalsSkipped);
    grew('dropped', now.intervalsDropped - before.intervalsDropped);
    this.countsReported.set(policy, now);
  }

  private async inferWithTimeout(model: CameraModel, frame: Frame): Promise<ResultRecord> {
    const runner = this.o.runners.get(model.id);
    const call = runner.infer(frame, decodeThreshold(model.threshold, model.classFilter));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'stuck'>((resolve) => {
      timer = setTimeout(() => resolve('stuck'), this.o.stuckTimeoutMs);
    });
    const winner = await Promise.race([call, timeout]).finally(() => clearTimeout(timer));
    if (winner !== 'stuck') {
      const latencyMs = winner.timing.preprocessMs + winner.timing.inferenceMs + winner.timing.postprocessMs;
      this.o.metrics.inferenceObserved(model.id, latencyMs / 1000);
      this.o.onInferred?.(model.id, latencyMs, winner.model.id);
      return keepClasses(winner, model.threshold, model.classFilter);
    }
    const givenUp = this.o.runners.givenUp(model.id);
    if (givenUp !== undefined) {
      // Given up already: no more sessions are piled up; the agent waits for its restart.
      throw pipelineErrors.EDGE_PIPELINE_INFERENCE_STUCK(`Model "${model.id}" gave no result within ${this.o.stuckTimeoutMs} ms on camera ${this.name}; not rebuilt again because ${givenUp.reason}; the agent is waiting to be restarted`, { model: model.id, camera: this.name });
    }
    this.o.readiness.modelUnloaded(model.id);
    this.o.metrics.sessionRebuilt(model.id);
    this.o.logger.error({ camera: this.name, model: model.id, stuckTimeoutMs: this.o.stuckTimeoutMs }, 'inference stuck; rebuilding the model session');
    const outcome = await this.o.runners.rebuild(model.id, call);
    if (outcome.givenUp !== undefined) {
      this.o.readiness.modelFailed(model.id, outcome.givenUp.reason);
      this.o.logger.error({ camera: this.name, model: model.id, rebuilds: outcome.givenUp.rebuilds, windowMs: outcome.givenUp.windowMs }, `model ${model.id} given up: ${outcome.givenUp.reason}; the agent reports not ready and asks to be restarted`);
    }
    throw pipelineErrors.EDGE_PIPELINE_INFERENCE_STUCK(`Model "${model.id}" gave no result within ${this.o.stuckTimeoutMs} ms on camera ${this.name}; its session was rebuilt`, { model: model.id, camera: this.name });
  }

  private badFrame(frame: Frame, err: unknown): void {
    this.o.metrics.frameDropped(this.name, 'decode-failed');
    this.failure(err, { frameSeq: frame.seq }, 'frame could not be decoded');
  }

  private failure(err: unknown, context: { model?: string; frameSeq?: number }, message: string): void {
    const code = err instanceof AgentError ? err.code : 'EDGE_UNEXPECTED';
    noteUnexpected(err);
    const suppressed = this.throttle.shouldLog(`${code}:${context.model ?? ''}`);
    if (suppressed !== undefined) this.o.logger.warn({ camera: this.name, code, suppressed, err: err instanceof Error ? err.message : String(err), ...context }, message);
  }
}
