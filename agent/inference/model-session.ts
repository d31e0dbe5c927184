/**
 * One ONNX Runtime session per model, created once and reused for every frame. Creation walks the
 * requested execution providers in order: a provider this build lacks (CUDA on a CPU-only build
 * throws at creation) is logged once and skipped, and the provider that actually loaded is
 * reported so results and metrics say where the model ran.
 */
import type { InferenceSession as OrtSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { Logger } from '../log/logger.js';
import type { ModelManifest } from '../models/manifest.js';
import { describeError } from '../errors/agent-error.js';
import { inferenceErrors } from './errors.js';
import { withCpuFallback, type ProviderName } from './providers.js';
import { loadOrt } from './ort.js';

/** Providers whose fallback was already logged at warn level in this process. */
const warnedProviders = new Set<ProviderName>();

/** How to build a session. */
export interface SessionOptions {
  /** Providers to try in order; `cpu` is always tried last. */
  executionProviders?: readonly ProviderName[];
  /** Threads for one operator; 0 lets ONNX Runtime choose (one per core). */
  intraOpThreads?: number;
  graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Run the model once on a blank input at load, so the first frame is not slow. */
  warmUp?: boolean;
  logger: Logger;
}

/** A provider that was asked for and could not be used. */
export interface ProviderFallback {
  provider: ProviderName;
  reason: string;
}

/** The model's output tensors by name, as plain typed arrays with their dimensions. */
export type OutputTensors = Record<string, { data: Float32Array; dims: readonly number[] }>;

/** A loaded model ready to run frames. */
export class ModelSession {
  /** The provider the session runs on after any fallback. */
  readonly provider: ProviderName;
  /** Providers that were requested but could not be used, with the reason. */
  readonly fallbacks: readonly ProviderFallback[];
  /** Milliseconds the warm-up run took (0 when skipped). */
  readonly warmUpMs: number;
  readonly manifest: ModelManifest;
  private readonly session: OrtSession;
  private readonly input: OrtTensor;

  private constructor(manifest: ModelManifest, session: OrtSession, input: OrtTensor, provider: ProviderName, fallbacks: ProviderFallback[], warmUpMs: number) {
    this.manifest = manifest;
    this.session = session;
    this.input = input;
    this.provider = provider;
    this.fallbacks = fallbacks;
    this.warmUpMs = warmUpMs;
  }

  /**
   * Loads the model at `path`; `inputData` is the preprocessor's reused buffer, wrapped once as the
   * input tensor so no frame allocates a new one.
   */
  static async create(manifest: ModelManifest, path: string, inputData: Float32Array | Uint8Array, options: SessionOptions): Promise<ModelSession> {
    const ort = await loadOrt();
    const fallbacks: ProviderFallback[] = [];
    let session: OrtSession | undefined;
    let provider: ProviderName = 'cpu';
    for (const candidate of withCpuFallback(options.executionProviders ?? ['cpu'])) {
      try {
        session = await ort.InferenceSession.create(path, {
          executionProviders: [candidate],
          intraOpNumThreads: options.intraOpThreads ?? 0,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: options.graphOptimization ?? 'all',
          // ONNX Runtime's intra-op threads spin while they wait for work by default; on a device
          // whose cores also run the event loop, sharp and the other cameras, the spinning takes
          // their CPU. Measured on 2 shared cores with intraOpThreads 0 (2 threads), person model:
          // 33-55 ms and 11.6-13.9 ms CPU a run spinning, 10.6-24 ms and 5.8-7.0 ms without
          // (docs/benchmarks.md, issue 17). No effect with one thread (there is no pool).
          extra: { session: { intra_op: { allow_spinning: '0' } } },
          // ONNX Runtime prints its own error for a missing provider library; ours is the one line.
          logSeverityLevel: candidate === 'cpu' ? 3 : 4,
        });
        provider = candidate;
        break;
      } catch (err) {
        const reason = describeError(err).split('\n')[0] ?? '';
        fallbacks.push({ provider: candidate, reason });
        if (candidate !== 'cpu') {
          // Degrade loudly but once: every model on the device would repeat the same line.
          const level = warnedProviders.has(candidate) ? 'debug' : 'warn';
          warnedProviders.add(candidate);
          options.logger[level]({ model: manifest.id, provider: candidate, reason }, `execution provider ${candidate} unavailable; falling back`);
        }
      }
    }
    if (session === undefined) {
      const reasons = fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ');
      throw inferenceErrors.EDGE_INFERENCE_SESSION_FAILED(`Could not load model "${manifest.id}" from ${path} on any execution provider (${reasons})`, { id: manifest.id, path, fallbacks });
    }
    const dims = manifest.input.shape;
    const input = new ort.Tensor(manifest.input.dtype, inputData, dims);
    const created = new ModelSession(manifest, session, input, provider, fallbacks, 0);
    if (options.warmUp === false) return created;
    const t0 = performance.now();
    await created.run();
    return new ModelSession(manifest, session, input, provider, fallbacks, performance.now() - t0);
  }

  /** Runs the model on whatever the input buffer holds now. */
  run(): Promise<OutputTensors> {
    return this.runOn(this.input);
  }

  /** Runs `batch` inputs laid end to end in `data`; only a graph with a dynamic batch accepts more than 1. */
  async runBatch(data: Float32Array | Uint8Array, batch: number): Promise<OutputTensors> {
    const ort = await loadOrt();
    return this.runOn(new ort.Tensor(this.manifest.input.dtype, data, [batch, ...this.manifest.input.shape.slice(1)]));
  }

  private async runOn(input: OrtTensor): Promise<OutputTensors> {
    let result: OrtSession.ReturnType;
    try {
      result = await this.session.run({ [this.manifest.input.name]: input });
    } catch (err) {
      throw inferenceErrors.EDGE_INFERENCE_RUN_FAILED(`Model "${this.manifest.id}" failed on a frame: ${describeError(err)}`, { id: this.manifest.id }, err);
    }
    const out: OutputTensors = {};
    for (const [name, tensor] of Object.entries(result)) {
      out[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
    }
    return out;
  }

  /** Inputs and outputs as ONNX Runtime reports them. */
  describe(): { inputs: { name: string; type: string; shape: (number | string)[] }[]; outputs: { name: string; type: string; shape: (number | string)[] }[] } {
    const meta = (list: readonly OrtSession.ValueMetadata[]) =>
      list.map((m) => (m.isTensor ? { name: m.name, type: String(m.type), shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] }));
    return { inputs: meta(this.session.inputMetadata), outputs: meta(this.session.outputMetadata) };
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
