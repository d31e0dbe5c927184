/** Reads model manifests from disk and validates them against manifest.schema.json. */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { formatSchemaErrors } from '../errors/schema-errors.js';
import { modelErrors } from './errors.js';
import type { ModelManifest } from './manifest.js';

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
  if (m.input.shape[0] !== 1) problems.push(`Expected input.shape[0] (batch) to be 1 but received ${m.input.shape[0]}`);
  if (m.task === 'detection' && m.decoder.name === 'softmax-topk') problems.push('Expected a detection decoder (yolox, yunet) for task detection but received softmax-topk');
  if (m.task === 'classification' && m.decoder.name !== 'softmax-topk') problems.push(`Expected decoder softmax-topk for task classification but received ${m.decoder.name}`);
  if (problems.length > 0) {
    throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Invalid model manifest ${where}:\n  - ${problems.join('\n  - ')}`, { file: where, errors: problems });
  }
  return m;
}

/** Reads and validates one manifest file. */
export function loadManifestFile(path: string): ModelManifest {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw modelErrors.EDGE_MODEL_MANIFEST_UNREADABLE(`Cannot read model manifest ${path}: ${(err as Error).message}`, { file: path }, err);
  }
  return parseManifest(data, path);
}

/** Every manifest under `dirs` (each laid out as `<id>/manifest.json`); earlier dirs win on the same id. */
export function loadManifests(dirs: readonly string[]): Map<string, ModelManifest> {
  const out = new Map<string, ModelManifest>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name, 'manifest.json');
      if (!entry.isDirectory() || !existsSync(file) || out.has(entry.name)) continue;
      const manifest = loadManifestFile(file);
      if (manifest.id !== entry.name) {
        throw modelErrors.EDGE_MODEL_MANIFEST_INVALID(`Expected id "${entry.name}" in ${file} (its folder name) but received "${manifest.id}"`, { file });
      }
      out.set(manifest.id, manifest);
    }
  }
  return out;
}
