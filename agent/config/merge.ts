/**
 * Layer merging and freezing. Objects merge key by key; arrays and scalars replace what the layer
 * below gave, because a merged list of cameras or execution providers would surprise everyone.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Returns a new object: `over` on top of `base`; `undefined` in `over` leaves the base value. */
export function mergeLayers(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const below = out[key];
    out[key] = isPlainObject(value) && isPlainObject(below) ? mergeLayers(below, value) : structuredClone(value);
  }
  return out;
}

/** Freezes an object graph in place so no part of the agent can change the config it was given. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

interface OrderNode {
  properties?: Readonly<Record<string, OrderNode>>;
  items?: OrderNode;
}

/** Rebuilds objects with keys in schema order, so printed configs read like the docs. */
export function orderLikeSchema(value: unknown, node: OrderNode): unknown {
  if (Array.isArray(value)) return node.items ? value.map((v) => orderLikeSchema(v, node.items as OrderNode)) : value;
  if (!isPlainObject(value) || !node.properties) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node.properties)) if (key in value) out[key] = orderLikeSchema(value[key], child);
  for (const [key, v] of Object.entries(value)) if (!(key in out)) out[key] = v;
  return out;
}
