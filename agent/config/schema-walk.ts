/**
 * Walks the config schema's keys, so the environment variables and the docs are derived from
 * the one declaration instead of being listed twice.
 */

/** The parts of a JSON Schema node this walker and its users read. */
export interface SchemaNode {
  type?: string | readonly string[];
  enum?: readonly unknown[];
  items?: SchemaNode;
  properties?: Readonly<Record<string, SchemaNode>>;
  required?: readonly string[];
  default?: unknown;
  runtimeDefault?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  pattern?: string;
}

/** One key of the config with its path and schema. */
export interface SchemaKey {
  /** Path segments, such as ['publish', 'tls', 'ca']. Array items are marked with '[]'. */
  path: readonly string[];
  node: SchemaNode;
  /** True when the key holds a scalar or a list of scalars (what a variable or flag can set). */
  scalar: boolean;
}

/** Every key in document order; descends into objects and into array items of objects. */
export function schemaKeys(root: SchemaNode, prefix: readonly string[] = []): SchemaKey[] {
  const out: SchemaKey[] = [];
  for (const [name, node] of Object.entries(root.properties ?? {})) {
    const path = [...prefix, name];
    const isObject = node.properties !== undefined;
    const itemsAreObjects = node.items?.properties !== undefined;
    out.push({ path, node, scalar: !isObject && !itemsAreObjects });
    if (isObject) out.push(...schemaKeys(node, path));
    if (itemsAreObjects && node.items) out.push(...schemaKeys(node.items, [...path, '[]']));
  }
  return out;
}

/** Writes a path as a person reads it: `cameras[].source.type`. */
export function formatKeyPath(path: readonly string[]): string {
  return path.reduce((acc, seg) => (seg === '[]' ? `${acc}[]` : acc === '' ? seg : `${acc}.${seg}`), '');
}
