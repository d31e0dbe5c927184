/**
 * Turns ajv's validation errors into sentences a person can act on: the JSON path, what was
 * expected and what came (sharp's style), plus the nearest known key for a misspelled one.
 * Needs an Ajv instance created with `verbose: true` (it supplies the parent schema's keys).
 */
import type { ErrorObject } from 'ajv';

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

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const text = JSON.stringify(value);
  const shown = text !== undefined && text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `${shown} of type ${type}`;
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
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

/** One sentence per ajv error; `data` is the validated document, used to quote what came. */
export function formatSchemaErrors(errors: readonly ErrorObject[], data: unknown): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    const path = pointerToPath(e.instancePath);
    const got = describeValue(valueAt(data, e.instancePath));
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String(p['additionalProperty']);
        const parentSchema = e.parentSchema as { properties?: Record<string, unknown> } | undefined;
        const known = Object.keys(parentSchema?.properties ?? {});
        const near = nearestName(key, known);
        const where = e.instancePath === '' ? key : `${path}.${key}`;
        lines.push(`Unknown key ${where}${near ? `; did you mean ${near}?` : ''} (known keys: ${known.join(', ')})`);
        break;
      }
      case 'required':
        lines.push(`Expected key ${e.instancePath === '' ? '' : `${path}.`}${String(p['missingProperty'])} but it is missing`);
        break;
      case 'enum':
        lines.push(`Expected one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')} for ${path} but received ${got}`);
        break;
      case 'type':
        lines.push(`Expected ${String(p['type'])} for ${path} but received ${got}`);
        break;
      default:
        lines.push(`Expected ${path} to ${e.message ?? 'match the schema'} but received ${got}`);
    }
  }
  return [...new Set(lines)];
}
