/**
 * The environment layer: EDGE_AGENT_* variables, derived from the schema so every scalar key has
 * one (`publish.brokerUrl` is EDGE_AGENT_PUBLISH__BROKER_URL: sections joined by `__`, camelCase
 * as SNAKE_CASE). Lists are comma-separated. Camera lists cannot be set this way: they belong in
 * the file. An EDGE_AGENT_* variable the agent does not know is refused with the nearest name,
 * because a misspelled override silently ignored is worse than a failed start.
 */
import { nearestName } from '../errors/schema-errors.js';
import { configErrors } from './errors.js';
import { configSchema } from './schema.js';
import { schemaKeys, type SchemaNode } from './schema-walk.js';

/** Prefix of every variable the agent reads. */
export const ENV_PREFIX = 'EDGE_AGENT_';
/** Names a config file when no --config flag is given. */
export const CONFIG_FILE_VARIABLE = 'EDGE_AGENT_CONFIG';

/** Older names kept working (they predate the schema-derived names). */
export const ENV_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  EDGE_AGENT_MODEL_MIRROR: 'EDGE_AGENT_MODELS__MIRROR',
  EDGE_AGENT_MODEL_DIR: 'EDGE_AGENT_MODELS__DIR',
});

/** One variable and the config key it sets. */
export interface EnvBinding {
  variable: string;
  path: readonly string[];
  node: SchemaNode;
}

function snake(segment: string): string {
  return segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The variable name for a config key path. */
export function envVariableName(path: readonly string[]): string {
  return ENV_PREFIX + path.map(snake).join('__');
}

/** Every variable that sets a config key, in schema order. */
export function envBindings(): EnvBinding[] {
  return schemaKeys(configSchema as SchemaNode)
    .filter((k) => k.scalar && !k.path.includes('[]'))
    .map((k) => ({ variable: envVariableName(k.path), path: k.path, node: k.node }));
}

function types(node: SchemaNode): readonly string[] {
  if (node.enum) return [...new Set(node.enum.map((v) => (v === null ? 'null' : typeof v)))];
  if (node.type === undefined) return [];
  return typeof node.type === 'string' ? [node.type] : node.type;
}

/** Reads one variable's text as the key's type; leaves text it cannot convert for ajv to refuse with a clear message. */
function coerce(text: string, node: SchemaNode): unknown {
  if (node.type === 'array' && node.items) {
    const items = node.items;
    return text === '' ? [] : text.split(',').map((part) => coerce(part.trim(), items));
  }
  const accepted = types(node);
  if (accepted.includes('null') && text === 'null') return null;
  if ((accepted.includes('integer') || accepted.includes('number')) && /^-?\d+(\.\d+)?(e\d+)?$/i.test(text.trim())) return Number(text);
  if (accepted.includes('boolean')) {
    const lowered = text.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
    if (['false', '0', 'no', 'off'].includes(lowered)) return false;
  }
  return text;
}

/** The environment layer and where each of its values came from. */
export interface EnvLayer {
  layer: Record<string, unknown>;
  /** Variable name per key path written as `a.b.c`, for error messages. */
  variableFor: ReadonlyMap<string, string>;
  /** The config file named by EDGE_AGENT_CONFIG, if any. */
  configFile: string | undefined;
}

/** Builds the layer from EDGE_AGENT_* variables; empty values count as unset. */
export function environmentLayer(env: Readonly<Record<string, string | undefined>>): EnvLayer {
  const bindings = new Map(envBindings().map((b) => [b.variable, b]));
  const layer: Record<string, unknown> = {};
  const variableFor = new Map<string, string>();
  let configFile: string | undefined;
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined || value === '') continue;
    if (name === CONFIG_FILE_VARIABLE) {
      configFile = value;
      continue;
    }
    const binding = bindings.get(ENV_ALIASES[name] ?? name);
    if (!binding) {
      const known = [...bindings.keys(), ...Object.keys(ENV_ALIASES), CONFIG_FILE_VARIABLE];
      const near = nearestName(name, known);
      throw configErrors.EDGE_CONFIG_ENV_INVALID(
        `Unknown environment variable ${name}${near === undefined ? '' : `; did you mean ${near}?`} (docs/configuration.md lists every EDGE_AGENT_* variable)`,
        { variable: name, ...(near === undefined ? {} : { suggestion: near }) },
      );
    }
    let cursor = layer;
    for (const segment of binding.path.slice(0, -1)) {
      const next = (cursor[segment] ??= {}) as Record<string, unknown>;
      cursor = next;
    }
    cursor[binding.path[binding.path.length - 1] as string] = coerce(value, binding.node);
    variableFor.set(binding.path.join('.'), name);
  }
  return { layer, variableFor, configFile };
}
