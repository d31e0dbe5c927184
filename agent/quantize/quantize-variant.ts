/**
 * Quantizes a model the store knows into a new variant beside it: `<modelDir>/<newId>/model.onnx`
 * plus a manifest deriving from the float model, so the variant loads by id like any other
 * model. Calibration frames go through the agent's own Preprocessor, so the ranges are measured
 * on exactly the tensors inference will feed.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ModelRunner } from '../pipeline/model-runner.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { ModelManifest } from '../models/manifest.js';
import type { ModelStore } from '../models/model-store.js';
import { Preprocessor } from '../preprocess/preprocessor.js';
import type { ActivationType } from './activation-range.js';
import type { CalibrationMethod, CalibrationOptions } from './calibrate.js';
import { quantizeErrors } from './errors.js';
import { calibrationScenes } from './eval-scenes.js';
import { compareWithReference, referenceRecords, type ReferenceRecords } from './agreement.js';
import { quantizeModel, type KeepFloatSearch, type QuantizationReport } from './quantize-model.js';
import { variantManifest, writeManifest } from './variant-manifest.js';

const idPattern = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** What to quantize and how. */
export interface QuantizeVariantOptions {
  readonly store: ModelStore;
  /** Id of the float model. */
  readonly id: string;
  /** Id of the variant (default: see defaultVariantId). */
  readonly outId?: string;
  readonly calibrationDir: string;
  readonly calibrationImages: readonly string[];
  /**
   * Scenes composited in memory from the calibration images (random sizes and places, seeded;
   * never the evaluation scenes' placements) added to the calibration frames; default 0.
   */
  readonly calibrationScenes?: number;
  readonly method: CalibrationMethod;
  readonly percentile?: number;
  readonly activationType?: ActivationType;
  readonly reduceRange?: boolean;
  /** See QuantizeModelOptions.floatStem. */
  readonly floatStem?: boolean;
  /** See QuantizeModelOptions.perTensorTolerance. */
  readonly perTensorTolerance?: number;
  /**
   * Most sensitive blocks (a weighted node and its activation) kept float (see quantizeModel), or
   * 'auto': the fewest on the ladder 0, 1, 2, 4, 8, 16 whose detections agree with the float
   * model's on the calibration frames at least `autoTarget`.
   */
  readonly keepFloat?: number | 'auto';
  /** Agreement on the calibration frames that 'auto' stops at (default 1: every box matched). */
  readonly autoTarget?: number;
  readonly intraOpNumThreads?: number;
  readonly logger?: Logger;
  readonly onProgress?: CalibrationOptions['onProgress'];
}

/** The variant written. */
export interface QuantizedVariant {
  readonly manifest: ModelManifest;
  readonly manifestPath: string;
  readonly modelPath: string;
  readonly report: QuantizationReport;
  /** The calibration images used (undecodable ones are skipped with a warning). */
  readonly calibrationImages: readonly string[];
}

/** The id a variant gets when none is given. */
export function defaultVariantId(id: string, activationType: ActivationType = 'int8'): string {
  return `${id}-${activationType}`;
}

/** Quantizes model `id` from `store` into a new variant in the store's model directory. */
export async function quantizeVariant(options: QuantizeVariantOptions): Promise<QuantizedVariant> {
  const { store, id } = options;
  const base = store.manifest(id);
  if (base.quantization !== 'none') {
    throw quantizeErrors.EDGE_QUANTIZE_MODEL_UNSUPPORTED(`Expected a float model (quantization "none") for "${id}" but its manifest says "${base.quantization}"`, { id, quantization: base.quantization });
  }
  const newId = options.outId ?? defaultVariantId(id, options.activationType);
  checkNewId(store, id, newId);
  const floatPath = await store.ensure(id);
  const preprocessor = new Preprocessor(base.input);
  const prepareInput = async (path: string): Promise<Float32Array> => {
    const prepared = await preprocessor.prepare({ kind: 'encoded', data: await readFile(path) }, path);
    // The preprocessor reuses its buffer for the next frame; calibration may still hold this one.
    return Float32Array.from(prepared.data);
  };
  const calibrationImages = await decodableImages(options.calibrationImages, prepareInput, options.logger);
  const sceneSources = await Promise.all(calibrationImages.map(async (path) => ({ name: basename(path), data: await readFile(path) })));
  const scenes = await calibrationScenes(sceneSources, options.calibrationScenes ?? 0);
  const calibrationFrames = scenes.map((scene) => async () => {
    const prepared = await preprocessor.prepare({ kind: 'encoded', data: scene.data }, scene.name);
    return Float32Array.from(prepared.data);
  });
  const dir = join(store.modelDir, newId);
  const candidatePath = join(dir, 'candidate.onnx');
  const created = !existsSync(dir);
  await mkdir(dir, { recursive: true });
  const modelPath = join(dir, 'model.onnx');
  try {
    return await writeVariant();
  } catch (err) {
    if (created) await rm(dir, { recursive: true, force: true });
    throw err;
  }

  /**
   * Scores a candidate by detection agreement with the float model on the calibration frames
   * (images and scenes): the evaluation set stays unseen, so the report still tests the choice.
   */
  async function agreementSearch(): Promise<KeepFloatSearch> {
    const runnerOptions = { deviceId: 'quantize', intraOpThreads: options.intraOpNumThreads ?? 2, logger: options.logger ?? silentLogger() };
    const float = await ModelRunner.fromFile(base, floatPath, runnerOptions);
    let reference: ReferenceRecords;
    try {
      reference = await referenceRecords(float, [...sceneSources, ...scenes]);
    } finally {
      await float.close();
    }
    const quantized = { ...base, quantization: options.activationType === 'uint8' ? 'uint8-qdq' : 'int8-qdq' } as const;
    return {
      ladder: autoKeepFloatLadder,
      target: options.autoTarget ?? 1,
      score: async (model) => {
        await writeFile(candidatePath, model);
        const runner = await ModelRunner.fromFile(quantized, candidatePath, runnerOptions);
        try {
          return (await compareWithReference(base.task, reference, runner)).agreement;
        } finally {
          await runner.close();
        }
      },
    };
  }

  async function writeVariant(): Promise<QuantizedVariant> {
    const search = options.keepFloat === 'auto' ? await agreementSearch() : undefined;
    let report: QuantizationReport;
    try {
      report = await quantizeModel({
        inputPath: floatPath,
        outputPath: modelPath,
        calibrationImages,
        method: options.method,
        ...(options.percentile === undefined ? {} : { percentile: options.percentile }),
        letterbox: { padValue: base.input.padValue, channelOrder: base.input.channelOrder === 'BGR' ? 'bgr' : 'rgb' },
        prepareInput,
        calibrationFrames,
        ...(options.activationType === undefined ? {} : { activationType: options.activationType }),
        ...(options.reduceRange === undefined ? {} : { reduceRange: options.reduceRange }),
        ...(typeof options.keepFloat === 'number' ? { keepFloat: options.keepFloat } : {}),
        ...(search ? { keepFloatSearch: search } : {}),
        ...(options.perTensorTolerance === undefined ? {} : { perTensorTolerance: options.perTensorTolerance }),
        ...(options.floatStem === undefined ? {} : { floatStem: options.floatStem }),
        ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
    } finally {
      await rm(candidatePath, { force: true });
    }
    const manifest = variantManifest(base, newId, report, { dir: options.calibrationDir });
    const manifestPath = await writeManifest(dir, manifest);
    return { manifest, manifestPath, modelPath, report, calibrationImages };
  }
}

/** Counts of float blocks 'auto' tries, fewest first: each step roughly doubles what stays float. */
export const autoKeepFloatLadder: readonly number[] = [0, 1, 2, 4, 8, 16];

/**
 * The images the preprocessor can decode; a frame a camera cut short is skipped with a warning
 * rather than failing a calibration of hundreds of frames. None left is an error.
 */
async function decodableImages(paths: readonly string[], prepare: (path: string) => Promise<Float32Array>, logger: Logger | undefined): Promise<string[]> {
  const good: string[] = [];
  const skipped: string[] = [];
  for (const path of paths) {
    try {
      await prepare(path);
      good.push(path);
    } catch (err) {
      skipped.push(path);
      logger?.warn({ image: path, reason: (err as Error).message }, 'skipping calibration image that cannot be decoded');
    }
  }
  if (good.length === 0) {
    throw quantizeErrors.EDGE_QUANTIZE_CALIBRATION_EMPTY(`Expected at least one decodable calibration image but none of ${paths.length} could be decoded (first: ${paths[0] ?? 'none'})`, { skipped });
  }
  return good;
}

/** Refuses ids the schema would reject and ids that already name a model not derived from `id`. */
function checkNewId(store: ModelStore, id: string, newId: string): void {
  if (!idPattern.test(newId)) {
    throw quantizeErrors.EDGE_QUANTIZE_OPTIONS_INVALID(`Expected --out-id to match ${idPattern.source} but received ${JSON.stringify(newId)}`, { outId: newId });
  }
  if (newId === id) {
    throw quantizeErrors.EDGE_QUANTIZE_OUTPUT_INVALID(`Expected a variant id different from the float model's but both are "${id}"`, { id });
  }
  const existing = store.manifests().find((m) => m.id === newId);
  if (existing && existing.derivedFrom !== id) {
    throw quantizeErrors.EDGE_QUANTIZE_OUTPUT_INVALID(`Expected a new variant id but "${newId}" already names a model that is not a variant of "${id}"; choose another with --out-id`, { id, outId: newId });
  }
}
