/**
 * Which models can stand in for one another, and in what order of expected accuracy. A variant is
 * a manifest whose `derivedFrom` names the model; the order comes from manifest fields alone:
 * float before half precision before int8, and within each, the larger input first.
 */
import type { ModelManifest, Quantization } from '../models/manifest.js';

/** One model the selector may choose, most accurate first by `rank` (0 is the best). */
export interface VariantCandidate {
  readonly id: string;
  /** Position in the accuracy order: 0 for the most accurate candidate. */
  readonly rank: number;
  /** Size of the model file, the basis of its memory estimate. */
  readonly fileBytes: number;
}

const precisionOrder: Readonly<Record<Quantization, number>> = {
  none: 0,
  float16: 1,
  'int8-qdq': 2,
  'int8-qoperator': 2,
  'uint8-qdq': 2,
};

function inputPixels(m: ModelManifest): number {
  const s = m.input.shape;
  return m.input.layout === 'NCHW' ? (s[2] ?? 0) * (s[3] ?? 0) : (s[1] ?? 0) * (s[2] ?? 0);
}

/** Negative when `a` is expected to be more accurate than `b`. */
export function compareAccuracy(a: ModelManifest, b: ModelManifest): number {
  return precisionOrder[a.quantization] - precisionOrder[b.quantization] || inputPixels(b) - inputPixels(a) || a.id.localeCompare(b.id);
}

/** Model `id` and every manifest derived from it, as candidates in accuracy order. */
export function variantCandidates(manifests: readonly ModelManifest[], id: string): VariantCandidate[] {
  const family = manifests.filter((m) => m.id === id || m.derivedFrom === id);
  return [...family].sort(compareAccuracy).map((m, rank) => ({ id: m.id, rank, fileBytes: m.bytes }));
}
