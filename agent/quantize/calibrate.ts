/**
 * Activation calibration: runs the float model on real frames with every planned intermediate
 * tensor exposed as an extra graph output, and records each tensor's range (min/max, or a
 * histogram percentile that ignores rare outliers).
 */
import * as ort from 'onnxruntime-node';
import { ValueHistogram, updateRange, type TensorRange } from './activation-range.js';
import { quantizeErrors } from './errors.js';
import { decodeModel, encodeModel, graphOf, makeValueInfo, DataType, type ModelProto } from './onnx-model.js';

/** How activation ranges are chosen from the calibration frames. */
export type CalibrationMethod = 'minmax' | 'percentile';

/** Options of one calibration run. */
export interface CalibrationOptions {
  readonly method: CalibrationMethod;
  /** Central share of values kept by the percentile method, e.g. 99.99. */
  readonly percentile: number;
  /** Histogram bins per tensor for the percentile method. */
  readonly histogramBins: number;
  readonly intraOpNumThreads: number;
  /** Called after each frame; `pass` is 1 for min/max and 2 for the percentile histograms. */
  readonly onProgress?: (progress: { pass: 1 | 2; passes: 1 | 2; done: number; total: number }) => void;
}

/** One calibration frame ready for the model's input. */
export type CalibrationFrame = () => Promise<Float32Array>;

/** Measures the range of each of `tensors` over `frames` fed to the model's input `inputName`. */
export async function calibrateRanges(
  model: ModelProto,
  inputName: string,
  inputDims: readonly number[],
  tensors: readonly string[],
  frames: readonly CalibrationFrame[],
  options: CalibrationOptions,
): Promise<Map<string, TensorRange>> {
  const session = await createExposingSession(model, tensors, options.intraOpNumThreads);
  const passes = options.method === 'percentile' ? 2 : 1;
  try {
    const ranges = new Map<string, TensorRange>(tensors.map((t) => [t, { min: Infinity, max: -Infinity }]));
    await forEachFrame(session, inputName, inputDims, tensors, frames, (name, data) => updateRange(ranges.get(name)!, data), (done) =>
      options.onProgress?.({ pass: 1, passes, done, total: frames.length }),
    );
    if (options.method === 'minmax') return ranges;
    // Second pass: histograms over the now-known full range, then the central percentile.
    const histograms = new Map(tensors.map((t) => [t, new ValueHistogram(ranges.get(t)!.min, ranges.get(t)!.max, options.histogramBins)]));
    await forEachFrame(session, inputName, inputDims, tensors, frames, (name, data) => histograms.get(name)!.add(data), (done) =>
      options.onProgress?.({ pass: 2, passes, done, total: frames.length }),
    );
    return new Map(tensors.map((t) => [t, histograms.get(t)!.percentileRange(options.percentile)]));
  } finally {
    await session.release();
  }
}

async function forEachFrame(
  session: ort.InferenceSession,
  inputName: string,
  inputDims: readonly number[],
  tensors: readonly string[],
  frames: readonly CalibrationFrame[],
  visit: (name: string, data: Float32Array) => void,
  progress: (done: number) => void,
): Promise<void> {
  for (const [i, frame] of frames.entries()) {
    const data = await frame();
    let outputs: ort.InferenceSession.ReturnType;
    try {
      outputs = await session.run({ [inputName]: new ort.Tensor('float32', data, [...inputDims]) }, [...tensors]);
    } catch (err) {
      throw quantizeErrors.EDGE_QUANTIZE_RUNTIME_FAILED(`Expected the float model to run on calibration frame ${i + 1} but ONNX Runtime failed: ${(err as Error).message}`, { frame: i }, err);
    }
    for (const name of tensors) visit(name, outputs[name]!.data as Float32Array);
    progress(i + 1);
  }
}

/** A session on a copy of the model whose graph outputs include every tensor to measure. */
async function createExposingSession(model: ModelProto, tensors: readonly string[], threads: number): Promise<ort.InferenceSession> {
  const copy = decodeModel(encodeModel(model), 'calibration copy');
  const graph = graphOf(copy);
  const existing = new Set(graph.output.map((o) => o.name));
  // Only the element type is declared; ONNX Runtime infers shapes itself.
  for (const name of tensors) if (!existing.has(name)) graph.output.push(makeValueInfo(name, DataType.FLOAT));
  try {
    return await ort.InferenceSession.create(encodeModel(copy), { intraOpNumThreads: threads, interOpNumThreads: 1 });
  } catch (err) {
    throw quantizeErrors.EDGE_QUANTIZE_RUNTIME_FAILED(`Expected ONNX Runtime to load the float model with ${tensors.length} calibration outputs but it failed: ${(err as Error).message}`, {}, err);
  }
}
