/**
 * `edge-agent models import <file.onnx>`: reads the graph (the quantizer's onnx-proto reader),
 * recognises its output layout and preprocessing (agent/models/import/), proves that ONNX Runtime
 * loads and runs it and that its decoder accepts what it returns, then copies the file into the
 * model store and writes its manifest, each atomically (the file first, so a crash between the two
 * leaves a manifest that refuses a file it does not match, never one that loads a wrong one).
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { describeError } from '../../errors/agent-error.js';
import { loadOrt } from '../../inference/ort.js';
import type { Logger } from '../../log/logger.js';
import { modelErrors } from '../../models/errors.js';
import { summarizeGraph, type GraphSummary } from '../../models/import/graph-summary.js';
import { readLabelsFile } from '../../models/import/labels-file.js';
import { layoutNames, type LayoutName, type PreprocessName } from '../../models/import/layouts.js';
import { planImport, type ImportPlan } from '../../models/import/plan-import.js';
import { preprocessHelp, preprocessNames } from '../../models/import/preprocessing.js';
import type { ModelManifest } from '../../models/manifest.js';
import { parseManifest } from '../../models/manifest-loader.js';
import { createDecoder } from '../../postprocess/create-decoder.js';
import { planGeometry } from '../../preprocess/geometry.js';
import { writeAtomically } from '../../quantize/write-atomically.js';
import { action } from '../action.js';
import { cliLogger } from '../cli-logger.js';
import { addConfigFlags } from '../load-for-command.js';
import { modelStoreFromFlags, type StoreFlags } from '../model-store-from-flags.js';

/** The flags of `models import`, as commander parses them. */
export interface ImportFlags extends StoreFlags {
  id?: string;
  labels?: string;
  task?: 'detect' | 'classify' | 'pose';
  layout?: LayoutName;
  imgsz?: [number, number];
  preprocess?: PreprocessName;
  force?: boolean;
  dryRun?: boolean;
}

/** What an import did (or, with --dry-run, would do). */
export interface ImportOutcome {
  plan: ImportPlan;
  graph: GraphSummary;
  /** Where the model file was written; undefined for a dry run. */
  path: string | undefined;
}

/** Parses `--imgsz 640` or `--imgsz 480x640` (height x width). */
export function parseImgsz(value: string): [number, number] {
  const m = /^(\d{1,5})(?:[x,](\d{1,5}))?$/.exec(value.trim());
  const h = Number(m?.[1]);
  const w = Number(m?.[2] ?? m?.[1]);
  if (!m || h < 1 || w < 1) throw new InvalidArgumentError(`Expected N or HxW (e.g. 640 or 480x640) but received "${value}".`);
  return [h, w];
}

/** Imports `file` into the store the flags name. */
export async function importModel(file: string, flags: ImportFlags, logger: Logger): Promise<ImportOutcome> {
  // onnx-proto and protobufjs load only for an import (test/runtime/lazy-modules.test.ts).
  const { readModel } = await import('../../quantize/onnx-model.js');
  const { model, bytes } = await readModel(file);
  const graph = summarizeGraph(model);
  const labels = flags.labels !== undefined ? { names: readLabelsFile(flags.labels), file: flags.labels } : undefined;
  const plan = planImport(graph, {
    source: file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    id: flags.id,
    labels,
    task: flags.task,
    layout: flags.layout,
    imgsz: flags.imgsz,
    preprocess: flags.preprocess,
    now: new Date(),
  });
  const manifest = parseManifest(JSON.parse(JSON.stringify(plan.manifest)), `(manifest planned for ${file})`);
  await proveItRuns(manifest, bytes, graph, file);
  const store = modelStoreFromFlags(flags, logger);
  if (!flags.force && store.manifests().some((m) => m.id === manifest.id)) {
    throw modelErrors.EDGE_MODEL_IMPORT_EXISTS(`Expected a new model id but "${manifest.id}" is already in the store (${store.modelDir}); pass --force to replace it, or --id to import under another id`, { id: manifest.id });
  }
  if (flags.dryRun) return { plan, graph, path: undefined };
  const dir = join(store.modelDir, manifest.id);
  await mkdir(dir, { recursive: true });
  const path = join(dir, manifest.file);
  await writeAtomically(path, bytes);
  await writeAtomically(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  logger.info({ id: manifest.id, path, layout: plan.layout }, 'model imported');
  return { plan, graph, path };
}

/** Loads the model in ONNX Runtime, runs it once on a blank input and decodes the result. */
async function proveItRuns(manifest: ModelManifest, bytes: Uint8Array, graph: GraphSummary, file: string): Promise<void> {
  const ort = await loadOrt();
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  } catch (err) {
    const reason = describeError(err).split('\n')[0] ?? '';
    throw modelErrors.EDGE_MODEL_IMPORT_UNSUPPORTED(
      `Expected a model ONNX Runtime ${ort.env.versions.common} can load but ${file} (opsets ${graph.opsets.join(', ')}) fails: ${reason}; re-export it with an opset ONNX Runtime supports (opset 17 is safe) and without custom operators`,
      { file, opsets: graph.opsets },
      err,
    );
  }
  try {
    const size = manifest.input.shape.reduce((a, b) => a * b, 1);
    const data = manifest.input.dtype === 'uint8' ? new Uint8Array(size) : new Float32Array(size);
    let result: Awaited<ReturnType<typeof session.run>>;
    try {
      result = await session.run({ [manifest.input.name]: new ort.Tensor(manifest.input.dtype, data, manifest.input.shape) });
    } catch (err) {
      throw modelErrors.EDGE_MODEL_IMPORT_UNSUPPORTED(`Expected ${file} to run on a blank [${manifest.input.shape.join(', ')}] input in ONNX Runtime but it fails: ${describeError(err).split('\n')[0] ?? ''}; check --imgsz and that the model runs in ONNX Runtime`, { file }, err);
    }
    const outputs: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
    for (const [name, t] of Object.entries(result)) outputs[name] = { data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>), dims: t.dims };
    const [h, w] = manifest.input.layout === 'NCHW' ? [manifest.input.shape[2], manifest.input.shape[3]] : [manifest.input.shape[1], manifest.input.shape[2]];
    const geometry = planGeometry(w as number, h as number, w as number, h as number, manifest.input.resize, manifest.input.align);
    // A decoder that rejects what the model returns would fail on every frame; fail here instead.
    createDecoder(manifest).decode(outputs, { geometry, scoreThreshold: manifest.decoder.scoreThreshold });
  } finally {
    await session.release();
  }
}

/** Adds `import` under `parent` (the `models` command). */
export function registerImportCommand(parent: Command): void {
  const cmd = parent
    .command('import')
    .description('Import an ONNX model you trained or exported (Ultralytics, YOLOv5/v7, end-to-end, SSD, pose, classifiers): recognise its layout, write a manifest and copy it into the model store')
    .argument('<file>', 'the .onnx file')
    .option('--id <id>', 'model id in the store (default: from the file name)')
    .option('--labels <file>', 'class names, one per line or JSON (default: the names in the model metadata)')
    .addOption(new Option('--task <task>', 'what the model does, when the layout alone is ambiguous').choices(['detect', 'classify', 'pose']))
    .addOption(new Option('--layout <name>', 'output layout, when it cannot be recognised').choices([...layoutNames]))
    .option('--imgsz <size>', 'input size N or HxW, for a model with a dynamic input', parseImgsz)
    .addOption(new Option('--preprocess <name>', `input preprocessing (${preprocessNames.map((n) => `${n}: ${preprocessHelp[n]}`).join('; ')})`).choices([...preprocessNames]))
    .option('--force', 'replace a model already in the store under this id')
    .option('--dry-run', 'print what would be written and write nothing');
  addConfigFlags(cmd, { models: true }).action(
    action(async (file: string, flags: ImportFlags) => {
      const outcome = await importModel(file, flags, cliLogger());
      const m = outcome.plan.manifest;
      process.stdout.write(`${file}: ${m.task}, layout ${outcome.plan.layout}, ${m.labels.length} labels, opset ${outcome.graph.opset}${outcome.graph.producer ? `, from ${outcome.graph.producer}` : ''}\ninferred:\n`);
      for (const line of outcome.plan.inferred) process.stdout.write(`  - ${line}\n`);
      if (outcome.path === undefined) {
        process.stdout.write(`dry run, nothing written; the manifest would be:\n${JSON.stringify(m, null, 2)}\n`);
        return;
      }
      process.stdout.write(`imported "${m.id}" (${m.bytes} bytes, sha256 ${m.sha256}) -> ${outcome.path}\nuse it with: edge-agent infer IMAGE --model ${m.id}\n`);
    }),
  );
}
