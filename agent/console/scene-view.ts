/**
 * A camera's zones and lines as the console draws them: read from the configuration in force
 * (so a live reconfiguration shows at the next picture), in normalized frame coordinates, and the
 * objects standing in each zone on the drawn frame (the bottom centre of a box inside the polygon,
 * as the event policy counts them; label filters applied, dwell time not: it is what is there now).
 */
import { anchorOf, insidePolygon, type NormPoint } from '../pipeline/geometry.js';
import type { Detection } from '../results/result-record.js';

/** One zone as the console shows it. */
export interface ZoneView {
  name: string;
  polygon: readonly NormPoint[];
  /** Labels that count; null: every label. */
  labels: readonly string[] | null;
}

/** One directed line as the console shows it. */
export interface LineView {
  name: string;
  from: NormPoint;
  to: NormPoint;
  labels: readonly string[] | null;
}

/** Every zone and line of one camera. */
export interface SceneView {
  zones: readonly ZoneView[];
  lines: readonly LineView[];
}

/** A camera's section of the configuration, as far as the console reads it (CameraConfig fits). */
export interface SceneConfig {
  readonly name: string;
  readonly zones: readonly { readonly name: string; readonly polygon: readonly (readonly number[])[]; readonly labels?: readonly string[] }[];
  readonly lines: readonly { readonly name: string; readonly from: readonly number[]; readonly to: readonly number[]; readonly labels?: readonly string[] }[];
}

/** The empty scene: a camera with no zones and no lines. */
export const NO_SCENE: SceneView = { zones: [], lines: [] };

const point = (p: readonly number[]): NormPoint => [p[0] ?? 0, p[1] ?? 0];

/** The scene of one configured camera. */
export function sceneOf(camera: SceneConfig): SceneView {
  return {
    zones: camera.zones.map((z) => ({ name: z.name, polygon: z.polygon.map(point), labels: z.labels ?? null })),
    lines: camera.lines.map((l) => ({ name: l.name, from: point(l.from), to: point(l.to), labels: l.labels ?? null })),
  };
}

/** True when the scene has nothing to draw. */
export function sceneEmpty(scene: SceneView): boolean {
  return scene.zones.length === 0 && scene.lines.length === 0;
}

/** Objects per zone on one frame of `width` x `height` source pixels. */
export function zoneOccupancy(zones: readonly ZoneView[], detections: readonly Detection[], width: number, height: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const zone of zones) {
    counts[zone.name] = detections.filter((d) => (zone.labels === null || zone.labels.includes(d.label)) && insidePolygon(anchorOf(d.box, width, height), zone.polygon)).length;
  }
  return counts;
}
