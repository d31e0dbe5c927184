/**
 * Validation against the config schema, in two forms: each layer alone (every key optional, so a
 * mistake is reported against the file, variable or flag that made it), and the merged result
 * (required keys present; ajv fills in the defaults).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { configSchema } from './schema.js';
import { problemsFromAjv, type SchemaProblem } from '../errors/schema-errors.js';
import type { SchemaNode } from './schema-walk.js';

function newAjv(useDefaults: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults, verbose: true });
  // An annotation for docs and types only: loadConfig computes these values.
  ajv.addKeyword({ keyword: 'runtimeDefault', schemaType: 'string' });
  return ajv;
}

/**
 * The schema of one layer: no key is required and nothing is defaulted at the object levels a
 * layer merges into. Array items stay whole, since a layer that gives a list replaces it.
 */
export function layerSchema(node: SchemaNode): SchemaNode {
  const { required: _required, default: _default, runtimeDefault: _runtime, $id: _id, ...rest } = node as SchemaNode & { $id?: string };
  if (!rest.properties) return rest;
  const properties: Record<string, SchemaNode> = {};
  for (const [key, child] of Object.entries(rest.properties)) properties[key] = layerSchema(child);
  return { ...rest, properties };
}

let fullValidator: ValidateFunction | undefined;
let layerValidator: ValidateFunction | undefined;

/** Problems in one layer, which is left unchanged. */
export function checkLayer(layer: unknown): SchemaProblem[] {
  layerValidator ??= newAjv(false).compile(layerSchema(configSchema as SchemaNode));
  return layerValidator(layer) ? [] : problemsFromAjv(layerValidator.errors ?? [], layer);
}

/** Problems in the merged config; on success `config` has every default filled in (in place). */
export function checkMerged(config: Record<string, unknown>): SchemaProblem[] {
  fullValidator ??= newAjv(true).compile(configSchema);
  return fullValidator(config) ? [] : problemsFromAjv(fullValidator.errors ?? [], config);
}
