/**
 * Runs one model on frames end to end: preprocess into the reused tensor, one session run, decode,
 * and assemble the result record with per-stage timings. One runner per loaded model; frames go
 * through it one at a time because the input tensor is shared between them, unless batching is
 * on: then the frames of several cameras waiting at once run as one call of a batch-dynamic copy
 * of the graph (adaptive-batcher.ts, batched-inference.ts), and a graph that cannot be made
 * batch-dynamic runs one at a time as before (the reason is kept in `batching.fallback`).
 */
import type { Frame } from '../capture/frame.js';
import type { ModelManifest } from '../models/manifest.js';
import type { ModelStore } from '../models/model-store.js';
import { Preprocessor, type PreparedInput } from '../preprocess/preprocessor.js';
import { createDecoder } from '../postprocess/create-decoder.js';
import type { Decoder } from '../postprocess/decoder.js';
import { RESULT_SCHEMA_VERSION, type ResultRecord } from '../results/result-record.js';
import { newResultId } from '../results/result-id.js';
import { ModelSession, type OutputTensors, type SessionOptions } from '../inference/model-session.js';
import { AdaptiveBatcher } from './adaptive-batcher.js';
import { BatchedInference, loadBatchDynamicSession, type BatchItem, type BatchingOptions } from './batched-inference.js';

/** What a runner needs beyond the model. */
export interface RunnerOptions extends SessionOptions {
  deviceId: string;
  maxInputPixels?: number;
  /** Frames of several cameras in one call; absent or `maxBatch` 1 runs them one at a time. */
  batching?: BatchingOptions;
  /** Called with the model id and the frames of each batched call as it starts (metrics); never with batching off. */
  onBatch?: (model: string, frames: number) => void;
}

/** Whether a runner batches, and what its batcher did. */
export interface RunnerBatching {
  /** Most frames per call (1 when not batching). */
  maxBatch: number;
  /** Why batching was asked for but the model runs one frame at a time; undefined otherwise. */
  fallback: string | undefined;
  batches: number;
  frames: number;
  failedBatches: number;
}

/** Milliseconds per stage of the last frame, finer than the record's timing (for metrics and benchmarks). */
export interface StageBreakdown {
  decodeResizeMs: number;
  tensorFillMs: number;
  sessionRunMs: number;
  decodeNmsMs: number;
}

/** A model loaded and warmed up, ready to turn frames into result records. */
export class ModelRunner {
  readonly manifest: ModelManifest;
  readonly session: ModelSession;
  private readonly preprocessor: Preprocessor;
  private readonly decoder: Decoder;
  private readonly deviceId: string;
  private tail: Promise<void> = Promise.resolve();
  private readonly batcher: AdaptiveBatcher<BatchItem, ResultRecord> | undefined;
  private readonly batchFallback: string | undefined;
  /** Stage times of the most recent frame. */
  readonly lastStages: StageBreakdown = { decodeResizeMs: 0, tensorFillMs: 0, sessionRunMs: 0, decodeNmsMs: 0 };

  private constructor(manifest: ModelManifest, session: ModelSession, preprocessor: Preprocessor, deviceId: string, batched?: { inference: BatchedInference; options: BatchingOptions; onBatch: RunnerOptions['onBatch'] }, batchFallback?: string) {
    this.manifest = manifest;
    this.session = session;
    this.preprocessor = preprocessor;
    this.decoder = createDecoder(manifest);
    this.deviceId = deviceId;
    this.batchFallback = batchFallback;
    if (batched !== undefined) {
      const b = batched.inference;
      const onBatch = batched.onBatch;
      this.batcher = new AdaptiveBatcher((items) => {
        onBatch?.(manifest.id, items.length);
        return b.run(items, (f, prepared, outputs, runMs) => this.record(f, prepared, outputs, runMs));
      }, batched.options);
    }
  }

  /** Loads model `id` from the store (pulling from the mirror if configured) and warms it up. */
  static async load(store: ModelStore, id: string, options: RunnerOptions): Promise<ModelRunner> {
    const manifest = store.manifest(id);
    const path = await store.ensure(id);
    return ModelRunner.fromFile(manifest, path, options);
  }

  /** Loads a model file already verified against `manifest`. */
  static async fromFile(manifest: ModelManifest, path: string, options: RunnerOptions): Promise<ModelRunner> {
    const limits = options.maxInputPixels === undefined ? {} : { maxInputPixels: options.maxInputPixels };
    const preprocessor = new Preprocessor(manifest.input, limits);
    const batching = options.batching;
    if (batching !== undefined && batching.maxBatch > 1) {
      const loaded = await loadBatchDynamicSession(manifest, path, preprocessor.data, options);
      if (loaded.ok) {
        const inference = new BatchedInference(manifest, loaded.session, preprocessor, batching.maxBatch);
        return new ModelRunner(manifest, loaded.session, preprocessor, options.deviceId, { inference, options: batching, onBatch: options.onBatch });
      }
      // Degrade loudly: the model still runs, one frame at a time.
      options.logger.warn({ model: manifest.id, reason: loaded.reason }, 'batching unavailable for this model; running it one frame at a time');
      const session = await ModelSession.create(manifest, path, preprocessor.data, options);
      return new ModelRunner(manifest, session, preprocessor, options.deviceId, undefined, loaded.reason);
    }
    const session = await ModelSession.create(manifest, path, preprocessor.data, options);
    return new ModelRunner(manifest, session, preprocessor, options.deviceId);
  }

  /** Whether this runner batches frames, why not when it was asked to, and how many batches ran. */
  get batching(): RunnerBatching {
    const c = this.batcher?.counts;
    return { maxBatch: this.batcher === undefined ? 1 : this.batcher.limits.maxBatch, fallback: this.batchFallback, batches: c?.batches ?? 0, frames: c?.items ?? 0, failedBatches: c?.failedBatches ?? 0 };
  }

  /**
   * Infers one frame; `scoreThreshold` overrides the manifest's default. Calls are serialized:
   * the input tensor is shared, so a second camera using the same model waits its turn (each
   * camera loop awaits its own call, so at most one call per camera is ever waiting). With batching
   * on, the calls waiting when the previous session call ends go together as the next batch.
   */
  infer(frame: Frame, scoreThreshold?: number): Promise<ResultRecord> {
    if (this.batcher !== undefined) return this.batcher.submit({ frame, scoreThreshold });
    const run = this.tail.then(() => this.inferNow(frame, scoreThreshold));
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async inferNow(frame: Frame, scoreThreshold?: number): Promise<ResultRecord> {
    const prepared = await this.preprocessor.prepare(frame.image, frame.source);
    const t1 = performance.now();
    const outputs = await this.session.run();
    return this.record({ frame, scoreThreshold }, prepared, outputs, performance.now() - t1);
  }

  /** Decodes one frame's batch-1 outputs into its record; `runMs` is the session call it was part of. */
  private record({ frame, scoreThreshold }: BatchItem, prepared: PreparedInput, outputs: OutputTensors, runMs: number): ResultRecord {
    const t2 = performance.now();
    const decoded = this.decoder.decode(outputs, { geometry: prepared.geometry, scoreThreshold: scoreThreshold ?? this.manifest.decoder.scoreThreshold });
    const t3 = performance.now();
    const ms = (v: number) => Math.round(v * 1000) / 1000;
    this.lastStages.decodeResizeMs = prepared.decodeResizeMs;
    this.lastStages.tensorFillMs = prepared.tensorFillMs;
    this.lastStages.sessionRunMs = runMs;
    this.lastStages.decodeNmsMs = t3 - t2;
    return {
      schemaVersion: RESULT_SCHEMA_VERSION,
      resultId: newResultId(),
      deviceId: this.deviceId,
      model: { id: this.manifest.id, version: this.manifest.version, sha256: this.manifest.sha256 },
      frame: { source: frame.source, seq: frame.seq, capturedAt: frame.capturedAt.toISOString(), width: prepared.geometry.sourceWidth, height: prepared.geometry.sourceHeight },
      timing: { preprocessMs: ms(prepared.decodeResizeMs + prepared.tensorFillMs), inferenceMs: ms(runMs), postprocessMs: ms(t3 - t2) },
      provider: this.session.provider,
      ...decoded,
    };
  }

  /** Frees the native session. */
  async close(): Promise<void> {
    await this.tail; // a frame in flight finishes before its session goes away
    await this.batcher?.drained();
    await this.session.release();
  }
}
