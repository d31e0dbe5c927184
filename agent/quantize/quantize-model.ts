/**
 * The quantizer's library entry point: float ONNX in, static int8 QDQ ONNX out, calibrated on
 * real images. The new file is written atomically (temporary file, then rename) after ONNX
 * Runtime has loaded it, and the float model is only ever read.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../log/logger.js';
import type { ActivationType } from './activation-range.js';
import { calibrateRanges, type CalibrationMethod, type CalibrationOptions } from './calibrate.js';
import { letterboxImage, type LetterboxSpec } from './calibration-input.js';
import { quantizeErrors } from './errors.js';
import { changedBefore13, quantizedOps } from './op-support.js';
import { DataType, defaultOpsetVersion, encodeModel, graphOf, readModel, toNumber, type ModelProto } from './onnx-model.js';
import { planQdq } from './qdq-plan.js';
import { rewriteToQdq } from './qdq-rewrite.js';
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
  /** Activation element type (default int8, S8S8 as ONNX Runtime advises; uint8 gives U8S8). */
  readonly activationType?: ActivationType;
  /**
   * 7-bit weights (default true): x86 CPUs without VNNI multiply u8 x s8 pairs into int16 and
   * saturate with full 8-bit weights; ARM and VNNI CPUs can set false for a little accuracy.
   */
  readonly reduceRange?: boolean;
  /** ONNX Runtime threads for calibration (default 2). */
  readonly intraOpNumThreads?: number;
  /**
   * Turns one calibration image into the model's input tensor; default: the quantizer's own
   * letterbox (`letterbox` above). The model store path passes the agent's Preprocessor so
   * calibration sees exactly what inference will.
   */
  readonly prepareInput?: (imagePath: string) => Promise<Float32Array>;
  readonly logger?: Logger;
  readonly onProgress?: CalibrationOptions['onProgress'];
}

/** What was written and how it compares with the float model. */
export interface QuantizationReport {
  readonly inputPath: string;
  readonly outputPath: string;
  readonly format: 'qdq';
  readonly weightType: 'int8-per-channel-symmetric';
  readonly activationType: 'int8-asymmetric' | 'uint8-asymmetric';
  /** Weights limited to [-63, 63] (7 bits). */
  readonly reduceRange: boolean;
  readonly method: CalibrationMethod;
  readonly percentile: number | undefined;
  readonly calibrationImages: number;
  readonly floatBytes: number;
  readonly int8Bytes: number;
  /** int8Bytes / floatBytes. */
  readonly sizeRatio: number;
  readonly sha256: string;
  readonly quantizedNodes: Readonly<Record<string, number>>;
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
  const plan = planQdq(graphOf(model));
  const measured = [...plan.activations].filter((t) => !plan.sharedParams.has(t));
  options.logger?.info({ model: options.inputPath, tensors: measured.length, images: options.calibrationImages.length, method: options.method }, 'calibrating activations');

  const spec: LetterboxSpec = { width: input.dims[3]!, height: input.dims[2]!, ...options.letterbox };
  const prepare = options.prepareInput ?? (async (path: string) => (await letterboxImage(path, spec)).data);
  const frames = options.calibrationImages.map((path) => () => prepare(path));
  const ranges = await calibrateRanges(model, input.name, input.dims, measured, frames, {
    method: options.method,
    percentile,
    histogramBins: options.histogramBins ?? 2048,
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });

  const summary = rewriteToQdq(model, plan, ranges, { activationType: options.activationType ?? 'int8', reduceRange: options.reduceRange ?? true });
  model.producerName = 'edge-agent-quantize';
  const encoded = encodeModel(model);
  await checkLoads(encoded);
  await writeAtomically(options.outputPath, encoded);
  const report: QuantizationReport = {
    inputPath: options.inputPath,
    outputPath: options.outputPath,
    format: 'qdq',
    weightType: 'int8-per-channel-symmetric',
    activationType: options.activationType === 'uint8' ? 'uint8-asymmetric' : 'int8-asymmetric',
    reduceRange: options.reduceRange ?? true,
    method: options.method,
    percentile: options.method === 'percentile' ? percentile : undefined,
    calibrationImages: options.calibrationImages.length,
    floatBytes: bytes.length,
    int8Bytes: encoded.length,
    sizeRatio: encoded.length / bytes.length,
    sha256: createHash('sha256').update(encoded).digest('hex'),
    quantizedNodes: plan.quantizedNodes,
    ...summary,
    durationMs: performance.now() - started,
  };
  options.logger?.info({ output: options.outputPath, sizeRatio: report.sizeRatio, nodes: report.quantizedNodes }, 'wrote int8 model');
  return report;
}

function validateOptions(options: QuantizeModelOptions, percentile: number): void {
  if (options.calibrationImages.length === 0) {
    throw quantizeErrors.EDGE_QUANTIZE_CALIBRATION_EMPTY('Expected at least one calibration image but received none', {});
  }
  if (options.method !== 'minmax' && options.method !== 'percentile') {
    throw quantizeErrors.EDGE_QUANTIZE_OPTIONS_INVALID(`Expected method 'minmax' or 'percentile' but received ${JSON.stringify(options.method)}`, { method: options.method });
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
