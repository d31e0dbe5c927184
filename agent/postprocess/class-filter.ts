/**
 * The per-camera class filter of a model (`classes: [person, car]`) and its per-class thresholds
 * (`classThresholds: {person: 0.6}`). The decoder runs at the lowest threshold any kept class
 * asks for; this then drops what the filter or a class's own threshold does not keep.
 */
import type { DecodedOutput } from '../results/result-record.js';

/** Which labels a camera keeps from a model, and a score threshold per label. */
export interface ClassFilter {
  /** Labels to keep; undefined keeps every label. */
  classes?: readonly string[] | undefined;
  /** Threshold per label, instead of the model's threshold for that label. */
  thresholds?: Readonly<Record<string, number>> | undefined;
}

/** True when the filter changes nothing (no class list, no per-class threshold). */
export function isPassThrough(f: ClassFilter | undefined): boolean {
  return f === undefined || (f.classes === undefined && Object.keys(f.thresholds ?? {}).length === 0);
}

/** The threshold to decode at: the lowest that any kept label may need. */
export function decodeThreshold(threshold: number, f: ClassFilter | undefined): number {
  if (isPassThrough(f)) return threshold;
  const keep = f?.classes;
  let lowest = keep === undefined || keep.some((c) => f?.thresholds?.[c] === undefined) ? threshold : Infinity;
  for (const [label, t] of Object.entries(f?.thresholds ?? {})) if (keep === undefined || keep.includes(label)) lowest = Math.min(lowest, t);
  return Number.isFinite(lowest) ? lowest : threshold;
}

/** Drops detections or classes whose label is not kept or whose score is under its label's threshold. */
export function keepClasses<T extends DecodedOutput>(out: T, threshold: number, f: ClassFilter | undefined): T {
  if (isPassThrough(f)) return out;
  const keeps = (label: string, score: number) => (f?.classes === undefined || f.classes.includes(label)) && score >= (f?.thresholds?.[label] ?? threshold);
  if ('detections' in out) return { ...out, detections: out.detections.filter((d) => keeps(d.label, d.score)) };
  if ('classes' in out) return { ...out, classes: out.classes.filter((c) => keeps(c.label, c.score)) };
  return out;
}
