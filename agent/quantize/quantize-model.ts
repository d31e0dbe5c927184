/**
 * The quantizer's library entry point: float ONNX in, static int8 QDQ ONNX out, calibrated on
 * real images. The new file is written atomically (temporary file, then rename) after ONNX
 * Runtime has loaded it, and the float model is only ever read.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../log/logger.js';
import type { ActivationType, TensorRange } from './activation-range.js';
import { calibrateRanges, type CalibrationFrame, type CalibrationMethod, type CalibrationOptions } from './calibrate.js';
import { letterboxImage, type LetterboxSpec } from './calibration-input.js';
import { quantizeErrors } from './errors.js';
import { compactGraph } from './compact-graph.js';
import { changedBefore13, quantizedOps } from './op-support.js';
import { DataType, decodeModel, defaultOpsetVersion, encodeModel, graphOf, readModel, toNumber, type ModelProto } from './onnx-model.js';
import { planQdq, type QdqPlan } from './qdq-plan.js';
import { rewriteToQdq } from './qdq-rewrite.js';
import { measureSensitivity, type LayerSensitivity } from './sensitivity.js';
import { writeAtomically } from './write-atomically.js';

/** Options of {@link quantizeModel}. */
export interface QuantizeModelOptions {
  /** The float model; never modified. */
  readonly inputPath: string;
  /** Where the int8 model goes; must differ from inputPath. */
  readonly outputPath: string;
  /** Image files (JPEG, PNG, ...) shown to the float model to measure activation ranges. */
  readonly calibrationImages: readonly string[];
  readonly method: CalibrationMethod;
  /** Central share of values kept by the percentile method (default 99.99). */
  readonly percentile?: number;
  /** Histogram bins per tensor for the percentile method (default 2048). */
  readonly histogramBins?: number;
  /** How calibration images are letterboxed; width and height come from the model input. */
  readonly letterbox: Pick<LetterboxSpec, 'padValue' | 'channelOrder'>;
  /**
   * Activation element type (default int8, S8S8). The CLI passes defaultActivationType() (uint8
   * on x86); the library keeps int8 so configurations matching `quantization: int8-qdq` still do.
   */
  readonly activationType?: ActivationType;
  /**
   * 7-bit weights (default true): x86 CPUs without VNNI multiply u8 x s8 pairs into int16 and
   * saturate with full 8-bit weights; ARM and VNNI CPUs can set false for a little accuracy.
   */
  readonly reduceRange?: boolean;
  /**
   * A weight gets one scale instead of one per channel when that raises its mean per-channel
   * error at most this many times; saves 8 bytes per output channel (weight and bias scale).
   * Default 2: on YuNet it kept scene agreement and cut the file by 2 points; 1 keeps every
   * weight per-channel.
   */
  readonly perTensorTolerance?: number;
  /** Keep the Convs on the image (and the slicing in front of them) float; default true (see qdq-plan.ts inputStem). */
  readonly floatStem?: boolean;
  /**
   * How many blocks (a weighted node and its activation) to keep float, chosen by measured
   * sensitivity (the output error when that block alone is quantized, see sensitivity.ts); default 0.
   */
  readonly keepFloat?: number;
  /**
   * Chooses keepFloat by trying candidates instead (keepFloat is then ignored): the ranked blocks
   * are measured once, each count on the ladder is rewritten and scored, and the first count whose
   * score reaches `target` is written (or, when none does, the best, the smaller on a tie).
   */
  readonly keepFloatSearch?: KeepFloatSearch;
  /** ONNX Runtime threads for calibration (default 2). */
  readonly intraOpNumThreads?: number;
  /**
   * Turns one calibration image into the model's input tensor; default: the quantizer's own
   * letterbox (`letterbox` above). The model store path passes the agent's Preprocessor so
   * calibration sees exactly what inference will.
   */
  readonly prepareInput?: (imagePath: string) => Promise<Float32Array>;
  /** More calibration frames, already prepared (e.g. scenes composited in memory), after the images. */
  readonly calibrationFrames?: readonly CalibrationFrame[];
  readonly logger?: Logger;
  readonly onProgress?: CalibrationOptions['onProgress'];
}

/** How quantizeModel picks the number of float blocks when it searches (see keepFloatSearch). */
export interface KeepFloatSearch {
  /** Counts of most-sensitive blocks to keep float, tried in this order; counts past the model's blocks are skipped. */
  readonly ladder: readonly number[];
  /** The score a candidate must reach to be taken. */
  readonly target: number;
  /** Scores one candidate model (encoded ONNX); higher is better, e.g. detection agreement with float. */
  readonly score: (model: Uint8Array, keepFloat: number) => Promise<number>;
}

/** What was written and how it compares with the float model. */
export interface QuantizationReport {
  readonly inputPath: string;
  readonly outputPath: string;
  readonly format: 'qdq';
  /** Symmetric int8 weights, per channel, or per tensor where perTensorTolerance allows. */
  readonly weightType: 'int8-symmetric-per-channel-or-tensor';
  readonly activationType: 'int8-asymmetric' | 'uint8-asymmetric';
  /** Weights limited to [-63, 63] (7 bits). */
  readonly reduceRange: boolean;
  readonly method: CalibrationMethod;
  readonly percentile: number | undefined;
  readonly calibrationImages: number;
  /** Extra prepared frames (composited scenes) calibrated on besides the images. */
  readonly calibrationFrames: number;
  readonly floatBytes: number;
  readonly int8Bytes: number;
  /** int8Bytes / floatBytes. */
  readonly sizeRatio: number;
  readonly sha256: string;
  readonly quantizedNodes: Readonly<Record<string, number>>;
  /** Blocks left float as the most sensitive (keyed by their weighted node), with their measured error. */
  readonly keptFloat: readonly LayerSensitivity[];
  /** The candidates a keepFloatSearch scored, in the order tried; empty without a search. */
  readonly keepFloatTried: readonly { readonly keepFloat: number; readonly score: number }[];
  readonly quantizedActivations: number;
  readonly quantizedWeights: number;
  readonly foldedRelus: number;
  readonly durationMs: number;
}

/** Quantizes a float ONNX model to static int8 QDQ and writes it to `outputPath`. */
export async function quantizeModel(options: QuantizeModelOptions): Promise<QuantizationReport> {
  const started = performance.now();
  const percentile = options.percentile ?? 99.99;
  validateOptions(options, percentile);
  const { model, bytes } = await readModel(options.inputPath);
  const input = checkModel(model, options.inputPath);
  const stemOption = { floatStem: options.floatStem ?? true };
  const fullPlan = planQdq(graphOf(model), new Set(), stemOption);
  const measured = [...fullPlan.activations].filter((t) => !fullPlan.sharedParams.has(t));
  options.logger?.info({ model: options.inputPath, tensors: measured.length, images: options.calibrationImages.length, frames: options.calibrationFrames?.length ?? 0, method: options.method }, 'calibrating activations');

  const spec: LetterboxSpec = { width: input.dims[3]!, height: input.dims[2]!, ...options.letterbox };
  const prepare = options.prepareInput ?? (async (path: string) => (await letterboxImage(path, spec)).data);
  const frames = [...options.calibrationImages.map((path) => () => prepare(path)), ...(options.calibrationFrames ?? [])];
  const threads = options.intraOpNumThreads ?? 2;
  const ranges = await calibrateRanges(model, input.name, input.dims, measured, frames, {
    method: options.method,
    percentile,
    histogramBins: options.histogramBins ?? 2048,
    intraOpNumThreads: threads,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  clipToSaturation(ranges, fullPlan);
  const activationType = options.activationType ?? 'int8';
  const rewriteOptions = { activationType, reduceRange: options.reduceRange ?? true, perTensorTolerance: options.perTensorTolerance ?? 2 } as const;

  // Measured only when some block is to stay float: one model run per block and frame.
  let ranking: LayerSensitivity[] | undefined;
  const rank = async (): Promise<LayerSensitivity[]> => {
    if (ranking) return ranking;
    // A spread-out dozen frames ranks the blocks.
    const step = Math.max(1, Math.floor(frames.length / 12));
    const sample = await Promise.all(frames.filter((_, i) => i % step === 0).slice(0, 12).map((f) => f()));
    ranking = await measureSensitivity(model, input.name, input.dims, sample, ranges, rewriteOptions, threads, stemOption);
    return ranking;
  };
  const search = options.keepFloatSearch;
  const original = encodeModel(model);
  const candidate = async (keepFloat: number) => {
    const kept = keepFloat > 0 ? (await rank()).slice(0, keepFloat) : [];
    const copy = decodeModel(original, options.inputPath);
    const plan = planQdq(graphOf(copy), new Set(kept.map((k) => k.output)), stemOption);
    const summary = rewriteToQdq(copy, plan, ranges, rewriteOptions);
    compactGraph(copy);
    copy.producerName = 'edge-agent-quantize';
    return { plan, summary, kept, encoded: encodeModel(copy) };
  };

  const tried: { keepFloat: number; score: number }[] = [];
  let chosen: Awaited<ReturnType<typeof candidate>> | undefined;
  if (search) {
    let bestScore = -Infinity;
    for (const n of search.ladder.filter((n) => n <= fullPlan.weighted.size)) {
      const c = await candidate(n);
      const score = await search.score(c.encoded, n);
      tried.push({ keepFloat: n, score });
      options.logger?.info({ keepFloat: n, score }, 'scored a candidate number of float blocks');
      if (score > bestScore) {
        bestScore = score;
        chosen = c;
      }
      if (score >= search.target) break;
    }
  }
  const { plan, summary, kept: keptFloat, encoded } = chosen ?? (await candidate(options.keepFloat ?? 0));
  if (keptFloat.length > 0) options.logger?.info({ keptFloat }, 'keeping the most sensitive blocks float');
  await checkLoads(encoded);
  await writeAtomically(options.outputPath, encoded);
  const report: QuantizationReport = {
    inputPath: options.inputPath,
    outputPath: options.outputPath,
    format: 'qdq',
    weightType: 'int8-symmetric-per-channel-or-tensor',
    activationType: activationType === 'uint8' ? 'uint8-asymmetric' : 'int8-asymmetric',
    reduceRange: options.reduceRange ?? true,
    method: options.method,
    percentile: options.method === 'percentile' ? percentile : undefined,
    calibrationImages: options.calibrationImages.length,
    calibrationFrames: options.calibrationFrames?.length ?? 0,
    floatBytes: bytes.length,
    int8Bytes: encoded.length,
    sizeRatio: encoded.length / bytes.length,
    sha256: createHash('sha256').update(encoded).digest('hex'),
    quantizedNodes: plan.quantizedNodes,
    keptFloat,
    keepFloatTried: tried,
    ...summary,
    durationMs: performance.now() - started,
  };
  options.logger?.info({ output: options.outputPath, sizeRatio: report.sizeRatio, nodes: report.quantizedNodes }, 'wrote int8 model');
  return report;
}

/** Narrows the calibrated ranges of tensors only saturating functions read (see QdqPlan.saturationBounds). */
function clipToSaturation(ranges: Map<string, TensorRange>, plan: QdqPlan): void {
  for (const [tensor, bound] of plan.saturationBounds) {
    const range = ranges.get(tensor);
    if (range) ranges.set(tensor, { min: Math.max(range.min, bound.min), max: Math.min(range.max, bound.max) });
  }
}

function validateOptions(options: QuantizeModelOptions, percentile: number): void {
  if (options.calibrationImages.length === 0) {
    throw quantizeErrors.EDGE_QUANTIZE_CALIBRATION_EMPTY('Expected at least one calibration image but received none', {});
  }
  if (options.method !== 'minmax' && options.method !== 'percentile') {
    throw quantizeErrors.EDGE_QUANTIZE_OPTIONS_INVALID(`Expected method 'minmax' or 'percentile' but received ${JSON.stringify(options.method)}`, { method: options.method });
  }
  if (options.keepFloat !== undefined && !(Number.isInteger(options.keepFloat) && options.keepFloat >= 0)) {
    throw quantizeErrors.EDGE_QUANTIZE_OPTIONS_INVALID(`Expected keepFloat to be a whole number >= 0 but received ${options.keepFloat}`, { keepFloat: options.keepFloat });
  }
  if (options.perTensorTolerance !== undefined && !(options.perTensorTolerance > 0 && Number.isFinite(options.perTensorTolerance))) {
    throw quantizeErrors.EDGE_QUANTIZE_OPTIONS_INVALID(`Expected perTensorTolerance to be a positive number but received ${options.perTensorTolerance}`, { perTensorTolerance: options.perTensorTolerance });
  }
  if (!(percentile > 50 && percentile <= 100)) {
    throw quantizeErrors.EDGE_QUANTIZE_OPTIONS_INVALID(`Expected percentile in (50, 100] but received ${percentile}`, { percentile });
  }
  if (resolve(options.inputPath) === resolve(options.outputPath)) {
    throw quantizeErrors.EDGE_QUANTIZE_OUTPUT_INVALID(`Expected an output path different from the float model but both are ${resolve(options.inputPath)}`, { path: options.inputPath });
  }
}

/** Refuses models the rewrite cannot handle and returns the image input. */
function checkModel(model: ModelProto, path: string): { name: string; dims: number[] } {
  const graph = graphOf(model);
  const already = graph.node.find((n) => quantizedOps.has(n.opType));
  if (already) {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNSUPPORTED(`Expected a float model in ${path} but it already contains ${already.opType} (node ${already.name || '(unnamed)'})`, { path, op: already.opType });
  }
  const opset = defaultOpsetVersion(model);
  if (opset < 11) {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNSUPPORTED(`Expected opset 11 or later in ${path} but it imports opset ${opset}; re-export the model with a newer opset`, { path, opset });
  }
  if (opset < 13) {
    const changed = graph.node.find((n) => changedBefore13.has(n.opType));
    if (changed) {
      throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNSUPPORTED(
        `Expected a model that can be lifted from opset ${opset} to 13 (needed for per-channel QuantizeLinear) but ${path} uses ${changed.opType}, whose signature changed; re-export with opset 13`,
        { path, opset, op: changed.opType },
      );
    }
  }
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const inputs = graph.input.filter((i) => !initializers.has(i.name));
  const first = inputs[0];
  const dims = first?.type?.tensorType?.shape?.dim?.map((d) => toNumber(d.dimValue)) ?? [];
  if (inputs.length !== 1 || !first || first.type?.tensorType?.elemType !== DataType.FLOAT || dims.length !== 4 || dims[1] !== 3 || dims.some((d) => d <= 0)) {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNSUPPORTED(
      `Expected one float image input of fixed shape [N,3,H,W] in ${path} but found ${inputs.map((i) => `${i.name}${JSON.stringify(i.type?.tensorType?.shape?.dim?.map((d) => d.dimParam || toNumber(d.dimValue)) ?? [])}`).join(', ') || 'none'}`,
      { path },
    );
  }
  return { name: first.name, dims };
}

/** Loads the encoded model once so a file ONNX Runtime rejects is never written. */
async function checkLoads(encoded: Uint8Array): Promise<void> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(encoded, { intraOpNumThreads: 1 });
  } catch (err) {
    throw quantizeErrors.EDGE_QUANTIZE_RUNTIME_FAILED(`Expected ONNX Runtime to load the quantized model but it failed: ${(err as Error).message}`, {}, err);
  }
  await session.release();
}
