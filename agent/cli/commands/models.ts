/**
 * `edge-agent models pull|list|verify|info|import`: the model store from the shell, the same one `run`
 * uses for the same configuration (load-for-command.ts). Pull verifies sha256 and size before a
 * file becomes visible; info checks the graph against the manifest.
 */
import type { Command } from 'commander';
import { exitCodes } from '../../errors/agent-error.js';
import { ModelSession } from '../../inference/model-session.js';
import { modelErrors } from '../../models/errors.js';
import type { ModelManifest } from '../../models/manifest.js';
import { action } from '../action.js';
import { registerImportCommand } from './models-import.js';
import { registerQuantizeCommand } from './quantize.js';
import { cliLogger } from '../cli-logger.js';
import { addConfigFlags } from '../load-for-command.js';
import { modelStoreFromFlags, type StoreFlags } from '../model-store-from-flags.js';

interface ModelsFlags extends StoreFlags {
  json?: boolean;
  force?: boolean;
}

function withStoreFlags(cmd: Command): Command {
  return addConfigFlags(cmd, { models: true });
}

/** Registers `models` and its subcommands. */
export function registerModelsCommand(program: Command): Command {
  const models = program.command('models').description('pull, import, list, verify and inspect models');

  withStoreFlags(models.command('pull').description('download models named by their manifests, verify sha256 and size, store atomically'))
    .argument('<id...>', 'model ids')
    .option('--force', 'pull again even when a verified file is present')
    .action(action(async (ids: string[], flags: ModelsFlags) => {
      const store = modelStoreFromFlags(flags, cliLogger());
      for (const id of ids) {
        const r = await store.pull(id, { force: flags.force === true });
        process.stdout.write(`${id}: ${r.from === 'already-present' ? 'already present and verified' : `pulled from ${r.from}`} (${r.bytes} bytes, sha256 ${r.sha256}) -> ${r.path}\n`);
      }
    }));

  withStoreFlags(models.command('list').description('list known models and whether each is pulled'))
    .option('--json', 'print JSON')
    .action(action(async (flags: ModelsFlags) => {
      const store = modelStoreFromFlags(flags, cliLogger());
      const rows = [];
      for (const m of store.manifests()) {
        const v = await store.verify(m.id);
        rows.push({ id: m.id, version: m.version, task: m.task, quantization: m.quantization, bytes: m.bytes, state: v.state, path: v.path });
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const r of rows) process.stdout.write(`${r.id.padEnd(24)} ${r.version.padEnd(10)} ${r.task.padEnd(15)} ${r.quantization.padEnd(8)} ${String(r.bytes).padStart(10)} B  ${r.state === 'ok' ? 'pulled' : r.state}\n`);
    }));

  withStoreFlags(models.command('verify').description("re-hash pulled models against their manifests; non-zero exit when any differs"))
    .argument('[id...]', 'model ids (default: every pulled model)')
    .option('--json', 'print JSON')
    .action(action(async (ids: string[], flags: ModelsFlags) => {
      const store = modelStoreFromFlags(flags, cliLogger());
      const targets = ids.length > 0 ? ids : store.manifests().map((m) => m.id);
      const results = [];
      for (const id of targets) results.push(await store.verify(id));
      // Without ids, a model that was never pulled is not a failure; a named one is.
      const bad = results.filter((r) => r.state !== 'ok' && (ids.length > 0 || r.state !== 'missing'));
      if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else for (const r of results) process.stdout.write(`${r.id}: ${r.state}${r.state === 'sha256-mismatch' ? ` (expected ${r.expectedSha256}, found ${r.actualSha256})` : r.state === 'size-mismatch' ? ` (expected ${r.expectedBytes} bytes, found ${r.actualBytes})` : ''}\n`);
      return bad.length > 0 ? exitCodes.model : 0;
    }));

  withStoreFlags(models.command('info').description('show the inputs and outputs ONNX Runtime reports, checked against the manifest'))
    .argument('<id>', 'model id')
    .option('--json', 'print JSON')
    .action(action(async (id: string, flags: ModelsFlags) => {
      const logger = cliLogger();
      const store = modelStoreFromFlags(flags, logger);
      const manifest = store.manifest(id);
      const path = await store.ensure(id);
      const data = manifest.input.dtype === 'uint8' ? new Uint8Array(manifestInputSize(manifest)) : new Float32Array(manifestInputSize(manifest));
      const session = await ModelSession.create(manifest, path, data, { logger, warmUp: false });
      const graph = session.describe();
      await session.release();
      const problems = compareGraph(manifest, graph);
      const info = { id, version: manifest.version, path, sha256: manifest.sha256, task: manifest.task, quantization: manifest.quantization, provider: session.provider, ...graph, matchesManifest: problems.length === 0, problems };
      if (flags.json) process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      else {
        process.stdout.write(`${id} ${manifest.version} (${manifest.task}, quantization ${manifest.quantization})\n  file: ${path}\n`);
        for (const i of graph.inputs) process.stdout.write(`  input  ${i.name}: ${i.type} [${i.shape.join(', ')}]\n`);
        for (const o of graph.outputs) process.stdout.write(`  output ${o.name}: ${o.type} [${o.shape.join(', ')}]\n`);
        process.stdout.write(problems.length === 0 ? '  matches its manifest\n' : '');
      }
      if (problems.length > 0) {
        throw modelErrors.EDGE_MODEL_GRAPH_MISMATCH(`Model "${id}" does not match its manifest:\n  - ${problems.join('\n  - ')}`, { id, problems });
      }
    }));
  registerImportCommand(models);
  registerQuantizeCommand(models);
  return models;
}

function manifestInputSize(m: ModelManifest): number {
  return m.input.shape.reduce((a, b) => a * b, 1);
}

/** Differences between what the manifest declares and what the graph reports. */
export function compareGraph(m: ModelManifest, graph: ReturnType<ModelSession['describe']>): string[] {
  const problems: string[] = [];
  const input = graph.inputs.find((i) => i.name === m.input.name);
  if (!input) problems.push(`Expected input "${m.input.name}" but the graph has ${graph.inputs.map((i) => i.name).join(', ')}`);
  else {
    if (input.type !== m.input.dtype) problems.push(`Expected input "${m.input.name}" of type ${m.input.dtype} but the graph says ${input.type}`);
    const fixed = input.shape.every((d) => typeof d === 'number' && d > 0);
    if (fixed && input.shape.join(',') !== m.input.shape.join(',')) problems.push(`Expected input shape [${m.input.shape.join(', ')}] but the graph says [${input.shape.join(', ')}]`);
  }
  for (const o of m.outputs) {
    const g = graph.outputs.find((x) => x.name === o.name);
    if (!g) problems.push(`Expected output "${o.name}" but the graph has ${graph.outputs.map((x) => x.name).join(', ')}`);
    else if (g.shape.every((d) => typeof d === 'number' && d > 0) && g.shape.join(',') !== o.shape.join(',') && !o.shape.includes(-1)) {
      problems.push(`Expected output "${o.name}" of shape [${o.shape.join(', ')}] but the graph says [${g.shape.join(', ')}]`);
    }
  }
  return problems;
}
