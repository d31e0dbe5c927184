/**
 * The agent's one translation of JSON Schema (ajv) errors into sentences a person can act on, for
 * the configuration, device profiles and model manifests alike: what was expected, what came and
 * at which key path (sharp's style), with the nearest known name suggested for a misspelled key or
 * value (as better-sqlite3 does for misspelled options). Needs an Ajv instance created with
 * `verbose: true` (it supplies the parent schema's keys).
 */
import type { ErrorObject } from 'ajv';
import { isSecretKey, withoutUrlCredentials } from '../support/redact.js';

/** Levenshtein distance, for "did you mean" suggestions on unknown keys. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The closest candidate to `name` when it is near enough to be a typo, else undefined. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Converts a JSON pointer such as `/input/shape/0` to `input.shape[0]`. */
export function pointerToPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out === '' ? '(root)' : out;
}

/** One thing wrong with a validated value, ready to print and to put into error details. */
export interface SchemaProblem {
  /** Key path such as `cameras[0].source.type`. */
  path: string;
  /** The full sentence. */
  message: string;
  /** A suggested replacement key or value, when one is close enough to be a typo. */
  suggestion?: string;
}

/**
 * Describes a received value the way sharp does: `-1 of type number`. At a secret key path
 * (`publish.password`) only the type is told, and URL credentials are never quoted.
 */
export function describeReceived(value: unknown, path = ''): string {
  if (value === undefined) return 'nothing';
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (value !== null && isSecretKey(path)) return `a value of type ${type} (not shown: ${path} is a secret)`;
  // JSON.stringify gives undefined for a function or a symbol; their type says enough.
  const text = withoutUrlCredentials(JSON.stringify(value, (k, v: unknown) => (k !== '' && isSecretKey(k) ? '***' : v)) ?? typeof value);
  return `${text.length > 60 ? `${text.slice(0, 57)}...` : text} of type ${type}`;
}

/** Joins a parent key path and a child key. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function pathOf(pointer: string): string {
  return pointer === '' ? '' : pointerToPath(pointer);
}

/** One problem per ajv error (duplicates removed); `data` is the layer that was validated. */
export function problemsFromAjv(errors: readonly ErrorObject[], data: unknown): SchemaProblem[] {
  const out = new Map<string, SchemaProblem>();
  for (const e of errors) {
    const problem = problemFromAjv(e, data);
    if (problem) out.set(problem.message, problem);
  }
  return [...out.values()];
}

function problemFromAjv(e: ErrorObject, data: unknown): SchemaProblem | undefined {
  const path = pathOf(e.instancePath);
  const where = path === '' ? 'the top level' : path;
  const received = describeReceived(valueAt(data, e.instancePath), path);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p['additionalProperty']);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const near = nearestName(key, known);
      const full = childPath(path, key);
      return {
        path: full,
        message: `Unknown key ${full}${near === undefined ? '' : `; did you mean ${childPath(path, near)}?`} (expected one of ${known.join(', ')})`,
        ...(near === undefined ? {} : { suggestion: near }),
      };
    }
    case 'required': {
      const full = childPath(path, String(p['missingProperty']));
      return { path: full, message: `Expected a value for ${full} but received nothing` };
    }
    case 'enum': {
      const allowed = (p['allowedValues'] as unknown[]).map((v) => String(v));
      const value = valueAt(data, e.instancePath);
      const near = typeof value === 'string' ? nearestName(value, allowed) : undefined;
      return {
        path,
        message: `Expected one of ${allowed.join(', ')} for ${where} but received ${received}${near === undefined ? '' : `; did you mean ${near}?`}`,
        ...(near === undefined ? {} : { suggestion: near }),
      };
    }
    case 'type': {
      const type = String(p['type']).replace(',', ' or ');
      return { path, message: `Expected ${type === 'integer' ? 'an integer' : type} for ${where} but received ${received}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const op = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' }[e.keyword];
      return { path, message: `Expected a number ${op} ${String(p['limit'])} for ${where} but received ${received}` };
    }
    case 'minLength':
      return { path, message: `Expected a non-empty string for ${where} but received ${received}` };
    case 'minItems':
      return { path, message: `Expected at least ${String(p['limit'])} item(s) in ${where} but received ${received}` };
    case 'uniqueItems':
      return { path, message: `Expected no repeated items in ${where} but received ${received}` };
    case 'pattern':
      return { path, message: `Expected ${where} to match ${String(p['pattern'])} but received ${received}` };
    case 'if':
      // The failing `then` branch reports the actual problem.
      return undefined;
    default:
      return { path, message: `Expected ${where} to satisfy "${e.message ?? e.keyword}" but received ${received}` };
  }
}

/** One sentence per ajv error; `data` is the validated document, used to quote what came. */
export function formatSchemaErrors(errors: readonly ErrorObject[], data: unknown): string[] {
  return problemsFromAjv(errors, data).map((p) => p.message);
}
