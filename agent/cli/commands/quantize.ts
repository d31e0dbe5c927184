/**
 * `quantize <model.onnx> --calibration DIR --out FILE`: static int8 QDQ quantization on the
 * device. Registered by the models command as `models quantize`; the report goes to stdout as
 * JSON and progress to stderr (a rewritten line on a terminal, plain lines otherwise).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { action } from '../action.js';
import { createLogger } from '../../log/logger.js';
import { listCalibrationImages } from '../../quantize/calibration-set.js';
import { quantizeModel, type QuantizeModelOptions } from '../../quantize/quantize-model.js';

/** Options as commander parses them (exported for tests). */
export interface QuantizeFlags {
  calibration: string;
  out: string;
  method: 'minmax' | 'percentile';
  percentile: number;
  activationType: 'int8' | 'uint8';
  reduceRange: boolean;
  padValue: number;
  channelOrder: 'bgr' | 'rgb';
  threads: number;
}

/** Adds the `quantize` subcommand to `parent` (the lead mounts it under `models`). */
export function registerQuantizeCommand(parent: Command): void {
  parent
    .command('quantize')
    .description('Quantize a float ONNX model to static int8 (QDQ), calibrated on a directory of images; the float model is not modified.')
    .argument('<model>', 'path of the float model.onnx')
    .requiredOption('--calibration <dir>', 'directory of calibration images (real frames from the camera)')
    .requiredOption('--out <file>', 'where to write the int8 model (written atomically)')
    .addOption(new Option('--method <method>', 'activation range method').choices(['minmax', 'percentile']).default('percentile'))
    .option('--percentile <p>', 'central share of values kept by the percentile method', parseNumber, 99.99)
    .addOption(new Option('--activation-type <type>', 'int8 (S8S8) or uint8 (U8S8) activations').choices(['int8', 'uint8']).default('int8'))
    .option('--no-reduce-range', 'use full 8-bit weights (ARM or VNNI CPUs); default is 7-bit for x86 AVX2')
    .option('--pad-value <v>', 'letterbox padding value 0-255', parseNumber, 114)
    .addOption(new Option('--channel-order <order>', 'channel order the model expects').choices(['bgr', 'rgb']).default('bgr'))
    .option('--threads <n>', 'ONNX Runtime threads for calibration', parseNumber, 2)
    .action(action(async (model: string, flags: QuantizeFlags) => {
      await runQuantize(model, flags, process.stderr);
    }));
}

/** Runs one quantization with CLI flags; exported for tests. */
export async function runQuantize(model: string, flags: QuantizeFlags, progressStream: NodeJS.WriteStream): Promise<void> {
  const calibrationImages = await listCalibrationImages(flags.calibration);
  const tty = progressStream.isTTY === true;
  const options: QuantizeModelOptions = {
    inputPath: model,
    outputPath: flags.out,
    calibrationImages,
    method: flags.method,
    percentile: flags.percentile,
    activationType: flags.activationType,
    reduceRange: flags.reduceRange,
    letterbox: { padValue: flags.padValue, channelOrder: flags.channelOrder },
    intraOpNumThreads: flags.threads,
    logger: createLogger('warn', { command: 'quantize' }),
    onProgress: ({ pass, passes, done, total }) => {
      const line = `calibration pass ${pass}/${passes}: ${done}/${total} images`;
      if (tty) progressStream.write(`\r${line}${done === total ? '\n' : ''}`);
      else progressStream.write(`${line}\n`);
    },
  };
  const report = await quantizeModel(options);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`Expected a number but received ${JSON.stringify(value)}`);
  return n;
}
