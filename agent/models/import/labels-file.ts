/**
 * A labels file for `models import --labels`: one label per line (blank lines and `#` comments
 * skipped), or JSON: an array of names, or an object of index to name (`{"0": "person"}`).
 */
import { readFileSync } from 'node:fs';
import { modelErrors } from '../errors.js';

/** Parses labels text; `where` names the file in errors. */
export function parseLabels(text: string, where: string): string[] {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(t);
    } catch (err) {
      throw modelErrors.EDGE_MODEL_IMPORT_LABELS(`Expected JSON labels in ${where} (it starts with ${t[0]}) but parsing failed: ${(err as Error).message}`, { file: where });
    }
    const list = Array.isArray(data) ? data : objectToList(data as Record<string, unknown>, where);
    if (!list.every((v): v is string => typeof v === 'string' && v.length > 0)) {
      throw modelErrors.EDGE_MODEL_IMPORT_LABELS(`Expected every label in ${where} to be a non-empty string`, { file: where });
    }
    return list;
  }
  const lines = t.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
  if (lines.length === 0) throw modelErrors.EDGE_MODEL_IMPORT_LABELS(`Expected one label per line in ${where} but it is empty`, { file: where });
  return lines;
}

function objectToList(data: Record<string, unknown>, where: string): unknown[] {
  const out: unknown[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (!/^\d+$/.test(k)) throw modelErrors.EDGE_MODEL_IMPORT_LABELS(`Expected class indices as keys in ${where} but found "${k}"`, { file: where });
    out[Number(k)] = v;
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] === undefined) throw modelErrors.EDGE_MODEL_IMPORT_LABELS(`Expected labels 0..${out.length - 1} in ${where} but ${i} is missing`, { file: where });
  }
  return out;
}

/** Reads and parses a labels file. */
export function readLabelsFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw modelErrors.EDGE_MODEL_IMPORT_LABELS(`Cannot read the labels file ${path} given with --labels: ${(err as Error).message}`, { file: path });
  }
  return parseLabels(text, path);
}
