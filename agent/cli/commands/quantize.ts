/**
 * `edge-agent models quantize <id> --calibration DIR`: makes a static int8 QDQ variant of a float
 * model in the model store, then compares it with the float model on an evaluation set through
 * the agent's own runner and decoders. Progress goes to stderr (a bar on a terminal, plain lines
 * otherwise); the report goes to stdout.
 */
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ModelRunner } from '../../pipeline/model-runner.js';
import type { Logger } from '../../log/logger.js';
import type { ModelStore } from '../../models/model-store.js';
import { defaultActivationType } from '../../quantize/activation-range.js';
import { compareVariant, type AgreementReport, type EvalImage } from '../../quantize/agreement.js';
import { listCalibrationImages } from '../../quantize/calibration-set.js';
import { quantizeErrors } from '../../quantize/errors.js';
import { compositeScenes } from '../../quantize/eval-scenes.js';
import { calibrationProgress, type ProgressStream } from '../../quantize/progress-line.js';
import type { QuantizedVariant } from '../../quantize/quantize-variant.js';
import { action } from '../action.js';
import { cliLogger } from '../cli-logger.js';
import { modelStoreFromFlags, storeFlagHelp, type StoreFlags } from '../model-store-from-flags.js';

/** Options as commander parses them (exported for tests). */
export interface QuantizeFlags extends StoreFlags {
  calibration: string;
  outId?: string;
  method: 'minmax' | 'percentile';
  percentile: number;
  activationType?: 'int8' | 'uint8';
  reduceRange: boolean;
  calibrationScenes: number;
  keepFloat: number | 'auto';
  perTensorTolerance: number;
  eval?: string;
  scenes: number;
  minAgreement?: number;
  threads: number;
  json?: boolean;
}

/** What the command reports. */
export interface QuantizeCommandReport {
  readonly id: string;
  readonly variant: QuantizedVariant['manifest'];
  readonly modelPath: string;
  readonly quantization: QuantizedVariant['report'];
  readonly evalSet: AgreementReport;
  readonly scenes: AgreementReport | undefined;
}

/** Adds `quantize` under `parent` (the `models` command). */
export function registerQuantizeCommand(parent: Command): void {
  const cmd = parent
    .command('quantize')
    .description('Make a static int8 (QDQ) variant of a float model, calibrated on a directory of images, and report how closely it agrees with the float model. The float model is not modified.')
    .argument('<id>', 'id of the float model in the store')
    .requiredOption('--calibration <dir>', 'directory of calibration images (real frames from the camera)')
    .option('--out-id <id>', 'id of the new variant (default: <id>-<activation type>, e.g. person-yolox-192-uint8 on x86)')
    .addOption(new Option('--method <method>', 'activation range method').choices(['minmax', 'percentile']).default('percentile'))
    .option('--percentile <p>', 'central share of values kept by the percentile method', parseNumber, 99.99)
    .addOption(new Option('--activation-type <type>', 'int8 (S8S8, advised for ARM) or uint8 (U8S8, fuses better on x86); default: by CPU').choices(['int8', 'uint8']))
    .option('--no-reduce-range', 'use full 8-bit weights (ARM or VNNI CPUs); default is 7-bit for x86 AVX2')
    .option('--calibration-scenes <n>', 'also calibrate on this many scenes composited in memory from the calibration images (seeded random sizes and places, never the evaluation scenes)', parseNumber, 32)
    .option('--keep-float <n|auto>', "keep float the n blocks (a weighted layer and its activation) whose quantization alone moves the outputs most (measured); 'auto': the fewest of 0, 1, 2, 4, 8, 16 whose detections match the float model's on every calibration frame", parseKeepFloat, 'auto')
    .option('--per-tensor-tolerance <x>', 'one weight scale per tensor when that raises its error at most x times (1: always per channel)', parseNumber, 2)
    .option('--eval <dir>', 'directory of images to compare variant and float on (default: the calibration directory)')
    .option('--scenes <n>', 'also compare on this many scenes composited from the evaluation images (0 for none)', parseNumber, 6)
    .option('--min-agreement <x>', 'fail (exit status 3) and remove the variant when agreement on the evaluation set or the scenes is below x (0..1)', parseNumber)
    .option('--threads <n>', 'ONNX Runtime intra-op threads for calibration and evaluation', parseNumber, 2)
    .option('--json', 'print the report as JSON');
  for (const [flags, help] of storeFlagHelp()) cmd.option(flags, help);
  cmd.action(action(async (id: string, flags: QuantizeFlags) => {
    const logger = cliLogger();
    const report = await runQuantize(id, flags, process.stderr, logger);
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
    await checkAgreement(report, flags);
  }));
}

/** Quantizes, reloads the store so the variant is known by id, and compares it with the float model. */
export async function runQuantize(id: string, flags: QuantizeFlags, progress: ProgressStream, logger: Logger): Promise<QuantizeCommandReport> {
  if (flags.minAgreement !== undefined && !(flags.minAgreement >= 0 && flags.minAgreement <= 1)) {
    throw quantizeErrors.EDGE_QUANTIZE_OPTIONS_INVALID(`Expected --min-agreement between 0 and 1 but received ${flags.minAgreement}`, { minAgreement: flags.minAgreement });
  }
  const calibrationImages = await listCalibrationImages(flags.calibration);
  // Imported here: onnx-proto and the quantizer cost every other command (`run`) about 8 MB of memory.
  const { quantizeVariant } = await import('../../quantize/quantize-variant.js');
  const variant = await quantizeVariant({
    store: modelStoreFromFlags(flags, logger),
    id,
    ...(flags.outId === undefined ? {} : { outId: flags.outId }),
    calibrationDir: flags.calibration,
    calibrationImages,
    method: flags.method,
    percentile: flags.percentile,
    // By CPU unless given: uint8 on x86, where S8S8 barely fuses; int8 on ARM (see defaultActivationType).
    activationType: flags.activationType ?? defaultActivationType(),
    reduceRange: flags.reduceRange,
    calibrationScenes: Math.floor(flags.calibrationScenes),
    keepFloat: flags.keepFloat,
    perTensorTolerance: flags.perTensorTolerance,
    intraOpNumThreads: flags.threads,
    logger,
    onProgress: calibrationProgress(progress),
  });
  // A fresh store reads the manifest just written, proving the variant loads by id.
  const store = modelStoreFromFlags(flags, logger);
  const evalImages = await readImages(flags.eval === undefined ? variant.calibrationImages : await listCalibrationImages(flags.eval));
  const scenes = flags.scenes > 0 ? await compositeScenes(evalImages, Math.floor(flags.scenes)) : [];
  const { evalSet, sceneSet } = await compare(store, id, variant.manifest.id, evalImages, scenes, flags.threads, logger);
  return { id, variant: variant.manifest, modelPath: variant.modelPath, quantization: variant.report, evalSet, scenes: sceneSet };
}

async function compare(store: ModelStore, id: string, variantId: string, images: EvalImage[], scenes: EvalImage[], threads: number, logger: Logger): Promise<{ evalSet: AgreementReport; sceneSet: AgreementReport | undefined }> {
  const options = { deviceId: 'quantize', logger, intraOpThreads: threads };
  const float = await ModelRunner.load(store, id, options);
  try {
    const variant = await ModelRunner.load(store, variantId, options);
    try {
      const evalSet = await compareVariant(float, variant, images);
      const sceneSet = scenes.length > 0 ? await compareVariant(float, variant, scenes) : undefined;
      return { evalSet, sceneSet };
    } finally {
      await variant.close();
    }
  } finally {
    await float.close();
  }
}

async function readImages(paths: readonly string[]): Promise<EvalImage[]> {
  return Promise.all(paths.map(async (p) => ({ name: basename(p), data: await readFile(p) })));
}

/** Throws (model exit status) and removes the variant when agreement is below --min-agreement. */
export async function checkAgreement(report: QuantizeCommandReport, flags: QuantizeFlags): Promise<void> {
  const min = flags.minAgreement;
  if (min === undefined) return;
  const low = [['evaluation set', report.evalSet] as const, ['composited scenes', report.scenes] as const].filter(([, r]) => r !== undefined && r.agreement < min);
  if (low.length === 0) return;
  await rm(dirname(report.modelPath), { recursive: true, force: true });
  const what = low.map(([name, r]) => `${r!.agreement.toFixed(3)} on the ${name}`).join(' and ');
  throw quantizeErrors.EDGE_QUANTIZE_AGREEMENT_LOW(
    `Expected agreement of variant "${report.variant.id}" with "${report.id}" of at least ${min} but measured ${what}; removed ${dirname(report.modelPath)}. Try more calibration images from the camera, more --calibration-scenes, --keep-float N, or --method percentile`,
    { id: report.id, variant: report.variant.id, minAgreement: min },
  );
}

function summary(r: QuantizeCommandReport): string {
  const q = r.quantization;
  const lines = [
    `${r.variant.id}: ${r.variant.quantization} variant of ${r.id} -> ${r.modelPath}`,
    `  size ${q.int8Bytes} B (${(q.sizeRatio * 100).toFixed(1)}% of ${q.floatBytes} B), sha256 ${q.sha256}`,
    `  calibration: ${r.variant.calibration?.description ?? ''}`,
  ];
  if (q.keepFloatTried.length > 0) {
    const tried = q.keepFloatTried.map((c) => `${c.keepFloat} blocks ${c.score.toFixed(3)}`).join(', ');
    lines.push(`  float blocks chosen: ${q.keptFloat.length} (agreement on the calibration frames: ${tried})`);
  }
  for (const [name, a] of [['evaluation set', r.evalSet], ['composited scenes', r.scenes]] as const) {
    if (a === undefined) continue;
    lines.push(
      a.task === 'classification'
        ? `  ${name} (${a.images} images): top-1 agreement ${a.agreement.toFixed(3)}, mean score difference ${a.meanScoreDiff.toFixed(3)}`
        : `  ${name} (${a.images} images): agreement ${a.agreement.toFixed(3)} (${a.matchedBoxes} matched of ${a.floatBoxes} float / ${a.variantBoxes} variant boxes, IoU >= 0.8), mean score difference ${a.meanScoreDiff.toFixed(3)} (|d| ${a.meanAbsScoreDiff.toFixed(3)})`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function parseKeepFloat(value: string): number | 'auto' {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`Expected a whole number >= 0 or "auto" but received ${JSON.stringify(value)}`);
  return n;
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`Expected a number but received ${JSON.stringify(value)}`);
  return n;
}
