/**
 * A camera's zones and lines as the event policy uses them: normalized coordinates, label filters
 * as sets, dwell times in ms. Built by the resolver from `cameras[].zones` and `cameras[].lines`.
 */
import type { CameraConfig } from '../config/schema.js';
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

/** The zones and lines of one configured camera (the resolver's, and the console's, one reading of them). */
export function sceneSettingsFor(camera: Pick<CameraConfig, 'zones' | 'lines'>): SceneSettings {
  const point = (p: readonly number[]): NormPoint => [p[0] ?? 0, p[1] ?? 0];
  return {
    zones: camera.zones.map((z) => ({ name: z.name, polygon: z.polygon.map(point), labels: z.labels === undefined ? undefined : [...z.labels], minDwellMs: z.minDwellSeconds * 1000 })),
    lines: camera.lines.map((l) => ({ name: l.name, from: point(l.from), to: point(l.to), labels: l.labels === undefined ? undefined : [...l.labels] })),
  };
}
