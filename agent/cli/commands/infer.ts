/**
 * `edge-agent infer <image...> --model <id>`: runs a model on image files and prints one result
 * record per image (NDJSON), or a table with --pretty. A bad image is reported on stderr and
 * skipped; the others still run, and the exit status says some failed. The model store, device id
 * and inference settings come from the same configuration `run` would use (load-for-command.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { AgentError, exitCodes } from '../../errors/agent-error.js';
import { ModelRunner } from '../../pipeline/model-runner.js';
import { inputErrors } from '../../preprocess/errors.js';
import { supportedImageFormats } from '../../support/image-format.js';
import { DEFAULT_MAX_INPUT_PIXELS } from '../../preprocess/preprocessor.js';
import type { ResultRecord } from '../../results/result-record.js';
import { action } from '../action.js';
import { cliLogger } from '../cli-logger.js';
import { addConfigFlags, loadForCommand, modelStoreFor, type ConfigFlags } from '../load-for-command.js';
import type { ProviderName } from '../../inference/providers.js';
import { parseIntegerFlag, parseNumberFlag, parseProvidersFlag } from '../parse-flags.js';
import { formatResultTable } from '../result-table.js';

/** Files larger than this are refused before reading: no camera frame or photo comes near it. */
const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

interface InferFlags extends ConfigFlags {
  model: string;
  threshold?: string;
  pretty?: boolean;
  provider?: string;
  threads?: string;
  deviceId?: string;
  maxPixels?: string;
  logLevel?: string;
}

/** Registers `infer`. */
export function registerInferCommand(program: Command): void {
  const cmd = program
    .command('infer')
    .description('run a model on image files and print one JSON result per image (NDJSON)')
    .argument('<image...>', `${supportedImageFormats} files (others, such as GIF, TIFF, AVIF or SVG, are refused by their first bytes before decoding)`)
    .requiredOption('-m, --model <id>', 'model id (see `edge-agent models list`)')
    .option('-t, --threshold <score>', "minimum score to report, 0..1 (default: the model's manifest)")
    .option('--pretty', 'print a readable table instead of NDJSON')
    .option('--provider <list>', 'execution providers to try in order, e.g. cuda,cpu (cpu is always the last resort; default: inference.executionProviders)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads, 0 = one per core (default: inference.intraOpThreads)')
    .option('--device-id <id>', 'deviceId written into each record (default: the configured deviceId, see `edge-agent doctor`)')
    .option('--max-pixels <n>', `refuse images with more pixels than this (default: ${DEFAULT_MAX_INPUT_PIXELS})`)
    .option('--log-level <level>', 'stderr log level: error, warn, info, debug');
  addConfigFlags(cmd, { models: true });
  cmd.addHelpText('after', '\nExit status: 0 all images ran, 2 usage, 3 model error, 4 some images could not be read or decoded.\nExample: edge-agent infer --model person-yolox-192 --from ../shared/models photo.jpg --pretty');
  cmd.action(action(async (images: string[], flags: InferFlags) => runInfer(images, flags)));
}

async function runInfer(images: string[], flags: InferFlags): Promise<number> {
  const threshold = flags.threshold === undefined ? undefined : parseNumberFlag('--threshold', flags.threshold, 0, 1);
  const threads = flags.threads === undefined ? undefined : parseIntegerFlag('--threads', flags.threads, 0, 256);
  const providers = flags.provider === undefined ? undefined : parseProvidersFlag('--provider', flags.provider);
  const maxPixels = flags.maxPixels === undefined ? undefined : parseIntegerFlag('--max-pixels', flags.maxPixels, 1, 2 ** 32);
  const logger = cliLogger(flags.logLevel);
  // --device-id goes through the config layer so the schema checks it like any deviceId.
  const { config } = loadForCommand(flags, { flags: { deviceId: flags.deviceId } });
  const store = modelStoreFor(config, logger);
  const runner = await ModelRunner.load(store, flags.model, {
    deviceId: config.deviceId,
    logger,
    executionProviders: providers ?? (config.inference.executionProviders as ProviderName[]),
    intraOpThreads: threads ?? config.inference.intraOpThreads,
    graphOptimization: config.inference.graphOptimization,
    ...(maxPixels === undefined ? {} : { maxInputPixels: maxPixels }),
  });
  let failed = 0;
  const results: { file: string; record: ResultRecord }[] = [];
  try {
    for (const [seq, file] of images.entries()) {
      try {
        const data = await readImageFile(file);
        const record = await runner.infer({ source: file, seq, capturedAt: new Date(), image: { kind: 'encoded', data } }, threshold);
        if (flags.pretty) results.push({ file, record });
        else process.stdout.write(`${JSON.stringify(record)}\n`);
      } catch (err) {
        // Only a bad input is skipped; a model or runtime failure ends the command.
        if (!(err instanceof AgentError) || err.kind !== 'input') throw err;
        failed++;
        process.stderr.write(`edge-agent: ${file}: ${err.message} [${err.code}]\n`);
      }
    }
  } finally {
    await runner.close();
  }
  if (flags.pretty) process.stdout.write(formatResultTable(results));
  return failed > 0 ? exitCodes.input : 0;
}

async function readImageFile(file: string): Promise<Buffer> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_IMAGE_FILE_BYTES) {
      throw inputErrors.EDGE_INPUT_TOO_LARGE(`Expected an image file of at most ${MAX_IMAGE_FILE_BYTES} bytes but ${file} has ${info.size}`, { file, bytes: info.size });
    }
    return await readFile(file);
  } catch (err) {
    if (err instanceof AgentError) throw err;
    throw inputErrors.EDGE_INPUT_UNREADABLE(`Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file }, err);
  }
}
