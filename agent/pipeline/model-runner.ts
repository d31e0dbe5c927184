/**
 * Runs one model on frames end to end: preprocess into the reused tensor, one session run, decode,
 * and assemble the result record with per-stage timings. One runner per loaded model; frames go
 * through it one at a time because the input tensor is shared between them.
 */
import type { Frame } from '../capture/frame.js';
import type { ModelManifest } from '../models/manifest.js';
import type { ModelStore } from '../models/model-store.js';
import { Preprocessor } from '../preprocess/preprocessor.js';
import { createDecoder } from '../postprocess/create-decoder.js';
import type { Decoder } from '../postprocess/decoder.js';
import { RESULT_SCHEMA_VERSION, type ResultRecord } from '../results/result-record.js';
import { newResultId } from '../results/result-id.js';
import { ModelSession, type SessionOptions } from '../inference/model-session.js';

/** What a runner needs beyond the model. */
export interface RunnerOptions extends SessionOptions {
  deviceId: string;
  maxInputPixels?: number;
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
  /** Stage times of the most recent frame. */
  readonly lastStages: StageBreakdown = { decodeResizeMs: 0, tensorFillMs: 0, sessionRunMs: 0, decodeNmsMs: 0 };

  private constructor(manifest: ModelManifest, session: ModelSession, preprocessor: Preprocessor, deviceId: string) {
    this.manifest = manifest;
    this.session = session;
    this.preprocessor = preprocessor;
    this.decoder = createDecoder(manifest);
    this.deviceId = deviceId;
  }

  /** Loads model `id` from the store (pulling from the mirror if configured) and warms it up. */
  static async load(store: ModelStore, id: string, options: RunnerOptions): Promise<ModelRunner> {
    const manifest = store.manifest(id);
    const path = await store.ensure(id);
    return ModelRunner.fromFile(manifest, path, options);
  }

  /** Loads a model file already verified against `manifest`. */
  static async fromFile(manifest: ModelManifest, path: string, options: RunnerOptions): Promise<ModelRunner> {
    const preprocessor = new Preprocessor(manifest.input, options.maxInputPixels === undefined ? {} : { maxInputPixels: options.maxInputPixels });
    const session = await ModelSession.create(manifest, path, preprocessor.data, options);
    return new ModelRunner(manifest, session, preprocessor, options.deviceId);
  }

  /**
   * Infers one frame; `scoreThreshold` overrides the manifest's default. Calls are serialized:
   * the input tensor is shared, so a second camera using the same model waits its turn (each
   * camera loop awaits its own call, so at most one call per camera is ever waiting).
   */
  infer(frame: Frame, scoreThreshold?: number): Promise<ResultRecord> {
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
    const t2 = performance.now();
    const decoded = this.decoder.decode(outputs, { geometry: prepared.geometry, scoreThreshold: scoreThreshold ?? this.manifest.decoder.scoreThreshold });
    const t3 = performance.now();
    const ms = (v: number) => Math.round(v * 1000) / 1000;
    this.lastStages.decodeResizeMs = prepared.decodeResizeMs;
    this.lastStages.tensorFillMs = prepared.tensorFillMs;
    this.lastStages.sessionRunMs = t2 - t1;
    this.lastStages.decodeNmsMs = t3 - t2;
    return {
      schemaVersion: RESULT_SCHEMA_VERSION,
      resultId: newResultId(),
      deviceId: this.deviceId,
      model: { id: this.manifest.id, version: this.manifest.version, sha256: this.manifest.sha256 },
      frame: { source: frame.source, seq: frame.seq, capturedAt: frame.capturedAt.toISOString(), width: prepared.geometry.sourceWidth, height: prepared.geometry.sourceHeight },
      timing: { preprocessMs: ms(prepared.decodeResizeMs + prepared.tensorFillMs), inferenceMs: ms(t2 - t1), postprocessMs: ms(t3 - t2) },
      provider: this.session.provider,
      ...decoded,
    };
  }

  /** Frees the native session. */
  async close(): Promise<void> {
    await this.tail; // a frame in flight finishes before its session goes away
    await this.session.release();
  }
}
