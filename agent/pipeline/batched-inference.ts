/**
 * One batch of frames through a batch-dynamic session: each frame is preprocessed (one after
 * another, as when frames run singly) and copied into its slot of the batch tensor, the session
 * runs once, and every output is split back into batch-1 tensors so decoders see what they see
 * for a single frame. A frame that fails preprocessing or decoding fails alone; a failed session
 * call fails the frames of that call only.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame } from '../capture/frame.js';
import type { ModelManifest } from '../models/manifest.js';
import type { PreparedInput, Preprocessor } from '../preprocess/preprocessor.js';
import type { TensorData } from '../preprocess/tensor-fill.js';
import { ModelSession, type OutputTensors, type SessionOptions } from '../inference/model-session.js';
import { describeError } from '../errors/agent-error.js';

/** How frames are batched (`inference.batching`). */
export interface BatchingOptions {
  /** Most frames in one session call; 1 turns batching off. */
  maxBatch: number;
  /** Longest a frame waits for others to join its batch while the model is idle; 0 runs what is waiting at once. */
  maxWaitMs: number;
}

/** One frame waiting for a batch, with its camera's score threshold. */
export interface BatchItem {
  frame: Frame;
  scoreThreshold?: number | undefined;
}

/** Turns one frame's batch-1 outputs into its result. */
export type RecordFrame<R> = (item: BatchItem, prepared: PreparedInput, outputs: OutputTensors, runMs: number) => R;

/**
 * Loads a batch-dynamic copy of the model at `path`. The copy is derived in memory, written to a
 * private temporary folder only for ONNX Runtime to read (never beside the model), and removed once
 * the session is created. Returns why not when the graph cannot be made batch-dynamic or the copy
 * does not load.
 */
export async function loadBatchDynamicSession(manifest: ModelManifest, path: string, inputData: TensorData, options: SessionOptions): Promise<{ ok: true; session: ModelSession } | { ok: false; reason: string }> {
  // onnx-proto is loaded only when batching is on: the command tree stays without it (lazy-modules test).
  const { makeBatchDynamic } = await import('../inference/batch-dynamic-graph.js');
  const rewritten = makeBatchDynamic(await readFile(path));
  if (!rewritten.ok) return { ok: false, reason: `the graph of ${path} cannot take a dynamic batch: ${rewritten.reason}` };
  const dir = await mkdtemp(join(tmpdir(), 'edge-agent-batch-'));
  try {
    const derived = join(dir, 'model.onnx');
    await writeFile(derived, rewritten.bytes);
    return { ok: true, session: await ModelSession.create(manifest, derived, inputData, options) };
  } catch (err) {
    return { ok: false, reason: `the batch-dynamic copy of ${path} did not load: ${describeError(err).split('\n')[0] ?? ''}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs batches of frames through one batch-dynamic session. */
export class BatchedInference {
  private readonly session: ModelSession;
  private readonly preprocessor: Preprocessor;
  private readonly batch: TensorData;
  private readonly frameSize: number;

  constructor(manifest: ModelManifest, session: ModelSession, preprocessor: Preprocessor, maxBatch: number) {
    this.session = session;
    this.preprocessor = preprocessor;
    this.frameSize = preprocessor.data.length;
    // One buffer for the largest batch, reused: frames are copied in, never allocated per call.
    this.batch = manifest.input.dtype === 'uint8' ? new Uint8Array(this.frameSize * maxBatch) : new Float32Array(this.frameSize * maxBatch);
  }

  /** Results in the order of `items`: a record, or the Error that frame failed with. */
  async run<R>(items: readonly BatchItem[], record: RecordFrame<R>): Promise<(R | Error)[]> {
    const results: (R | Error)[] = items.map(() => new Error('not run'));
    const slots: { index: number; prepared: PreparedInput }[] = [];
    for (const [index, item] of items.entries()) {
      try {
        const prepared = await this.preprocessor.prepare(item.frame.image, item.frame.source);
        this.batch.set(prepared.data, slots.length * this.frameSize);
        // The preprocessor's buffer is reused by the next frame: keep only what the decoder needs.
        slots.push({ index, prepared: { ...prepared, data: this.batch.subarray(slots.length * this.frameSize, (slots.length + 1) * this.frameSize) } });
      } catch (err) {
        results[index] = err instanceof Error ? err : new Error(String(err));
      }
    }
    if (slots.length === 0) return results;
    const t0 = performance.now();
    let outputs: OutputTensors;
    try {
      outputs = await this.session.runBatch(this.batch.subarray(0, slots.length * this.frameSize), slots.length);
    } catch (err) {
      const failure = err instanceof Error ? err : new Error(String(err));
      for (const s of slots) results[s.index] = failure;
      return results;
    }
    const runMs = performance.now() - t0;
    for (const [k, s] of slots.entries()) {
      try {
        results[s.index] = record(items[s.index] as BatchItem, s.prepared, sliceOutputs(outputs, k, slots.length), runMs);
      } catch (err) {
        results[s.index] = err instanceof Error ? err : new Error(String(err));
      }
    }
    return results;
  }
}

/** Frame `k`'s share of every output of a batch of `n`, as batch-1 tensors (views, not copies). */
export function sliceOutputs(outputs: OutputTensors, k: number, n: number): OutputTensors {
  const out: OutputTensors = {};
  for (const [name, t] of Object.entries(outputs)) {
    const per = t.data.length / n;
    out[name] = { data: t.data.subarray(k * per, (k + 1) * per), dims: [1, ...t.dims.slice(1)] };
  }
  return out;
}
