/**
 * A camera's zones and lines as the event policy uses them: normalized coordinates, label filters
 * as sets, dwell times in ms. Built by the resolver from `cameras[].zones` and `cameras[].lines`.
 */
import type { NormPoint } from './geometry.js';

/** One zone. */
export interface ZoneSettings {
  name: string;
  polygon: readonly NormPoint[];
  /** Labels that count; undefined: every label. */
  labels: readonly string[] | undefined;
  /** Time inside before an entry counts. */
  minDwellMs: number;
}

/** One directed line. */
export interface LineSettings {
  name: string;
  from: NormPoint;
  to: NormPoint;
  /** Labels that count; undefined: every label. */
  labels: readonly string[] | undefined;
}

/** Every zone and line of one camera. */
export interface SceneSettings {
  zones: readonly ZoneSettings[];
  lines: readonly LineSettings[];
}

/** True when `label` passes the filter `labels`. */
export function labelCounts(labels: readonly string[] | undefined, label: string): boolean {
  return labels === undefined || labels.includes(label);
}
