/** Reads model manifests from disk and validates them against manifest.schema.json. */
import { closeSync, readFileSync, readSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { AgentError } from '../errors/agent-error.js';
import { formatSchemaErrors } from '../errors/schema-errors.js';
import { modelErrors } from './errors.js';
import type { ModelManifest } from './manifest.js';
import { openRegularFile } from './regular-file.js';

/** A manifest is a few kilobytes; anything past this is not one, and is not read further. */
export const MAX_MANIFEST_BYTES = 1024 * 1024;

/**
 * Largest input height and width a manifest may declare: the input tensor is allocated whole
 * (3 x 4096 x 4096 float32 is 192 MiB), and a bigger one cannot be held on the boards we run on.
 */
export const MAX_INPUT_SIDE = 4096;

const schemaPath = fileURLToPath(new URL('./manifest.schema.json', import.meta.url));
const validate = new Ajv({ allErrors: true, strict: true, verbose: true }).compile<ModelManifest>(JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>);

/** The manifests shipped with the agent: `models/<id>/manifest.json` at the package root. */
export const bundledManifestDir = fileURLToPath(new URL('../../models/', import.meta.url));

/** Validates a parsed manifest; `where` names its file in the error. */
export function parseManifest(data: unknown, where: string): ModelManifest {
  if (!validate(data)) {
    const lines = formatSchemaErrors(validate.errors ?? [], data);
    throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Invalid model manifest ${where}:\n  - ${lines.join('\n  - ')}`, { file: where, errors: lines });
  }
  const m = data;
  // Cross-field rules the schema cannot say.
  const problems: string[] = [];
  if (m.input.layout === 'NCHW' && m.input.shape[1] !== 3) problems.push(`Expected input.shape[1] to be 3 channels for NCHW but received ${m.input.shape[1]}`);
  if (m.input.layout === 'NHWC' && m.input.shape[3] !== 3) problems.push(`Expected input.shape[3] to be 3 channels for NHWC but received ${m.input.shape[3]}`);
  const side = inputSide(m.input.shape, m.input.layout);
  if (side.height > MAX_INPUT_SIDE || side.width > MAX_INPUT_SIDE) problems.push(`Expected input.shape to have a height and width of at most ${MAX_INPUT_SIDE} but received ${m.input.shape.join('x')}`);
  if (m.input.shape[0] !== 1) problems.push(`Expected input.shape[0] (batch) to be 1 but received ${m.input.shape[0]}`);
  if (m.task === 'detection' && m.decoder.name === 'softmax-topk') problems.push('Expected a detection decoder (yolox, yunet, yolo-anchor-free, yolov5, end-to-end, ssd, ultralytics-pose) for task detection but received softmax-topk');
  if (m.task === 'classification' && m.decoder.name !== 'softmax-topk') problems.push(`Expected decoder softmax-topk for task classification but received ${m.decoder.name}`);
  if (problems.length > 0) {
    throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Invalid model manifest ${where}:\n  - ${problems.join('\n  - ')}`, { file: where, errors: problems });
  }
  return m;
}

/** Height and width of an input shape in its layout (NaN-free: a short shape gives 0). */
function inputSide(shape: readonly number[], layout: string): { height: number; width: number } {
  const [, a = 0, b = 0, c = 0] = shape;
  return layout === 'NCHW' ? { height: b, width: c } : { height: a, width: b };
}

/** Reads at most MAX_MANIFEST_BYTES of a regular file; a special file or a larger one is refused. */
function readManifestText(path: string): string {
  const { fd, bytes } = openRegularFile(path, 'model manifest');
  try {
    if (bytes > MAX_MANIFEST_BYTES) {
      throw modelErrors.EDGE_MODEL_MANIFEST_UNREADABLE(`Expected a model manifest of at most ${MAX_MANIFEST_BYTES} bytes but ${path} has ${bytes}; it is not a manifest`, { file: path, bytes });
    }
    // One byte past the size seen: a file that grows meanwhile is noticed, never read without end.
    const buffer = Buffer.alloc(bytes + 1);
    let got = 0;
    for (let n = -1; n !== 0 && got < buffer.length; got += n) n = readSync(fd, buffer, got, buffer.length - got, got);
    if (got > bytes) {
      throw modelErrors.EDGE_MODEL_MANIFEST_UNREADABLE(`Expected model manifest ${path} to stay ${bytes} bytes but it grew while being read; read it again once it is written`, { file: path });
    }
    return buffer.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Reads and validates one manifest file. */
export function loadManifestFile(path: string): ModelManifest {
  let data: unknown;
  try {
    data = JSON.parse(readManifestText(path));
  } catch (err) {
    if (err instanceof AgentError) throw err;
    throw modelErrors.EDGE_MODEL_MANIFEST_UNREADABLE(`Cannot read model manifest ${path}: ${(err as Error).message}`, { file: path }, err);
  }
  return parseManifest(data, path);
}

/** The manifests found under some directories: the valid ones, and why each broken one was refused. */
export interface ManifestCatalogue {
  manifests: Map<string, ModelManifest>;
  /** Keyed by model id (the folder name): the error its manifest gave. Its model is disabled. */
  broken: Map<string, AgentError>;
}

/**
 * Every manifest under `dirs` (each laid out as `<id>/manifest.json`); earlier dirs win on the
 * same id. A manifest that cannot be read or is invalid disables only its own model: it is kept in
 * `broken` (and still wins over a later dir's manifest of the same id, so a broken override never
 * silently runs another version).
 */
export function loadManifestCatalogue(dirs: readonly string[]): ManifestCatalogue {
  const manifests = new Map<string, ModelManifest>();
  const broken = new Map<string, AgentError>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw modelErrors.EDGE_MODEL_MANIFEST_UNREADABLE(`Expected a readable directory of model manifests at ${dir} but listing it failed: ${(err as Error).message}`, { dir }, err);
    }
    for (const entry of entries) {
      const file = join(dir, entry.name, 'manifest.json');
      if (!entry.isDirectory() || !existsSync(file) || manifests.has(entry.name) || broken.has(entry.name)) continue;
      try {
        const manifest = loadManifestFile(file);
        if (manifest.id !== entry.name) {
          throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Expected id "${entry.name}" in ${file} (its folder name) but received "${manifest.id}"`, { file });
        }
        manifests.set(manifest.id, manifest);
      } catch (err) {
        broken.set(entry.name, err instanceof AgentError ? err : modelErrors.EDGE_MODEL_MANIFEST_UNREADABLE(`Cannot read model manifest ${file}: ${String(err)}`, { file }, err));
      }
    }
  }
  return { manifests, broken };
}

/** The valid manifests under `dirs` (see loadManifestCatalogue; broken ones are left out). */
export function loadManifests(dirs: readonly string[]): Map<string, ModelManifest> {
  return loadManifestCatalogue(dirs).manifests;
}
