/**
 * A camera's zones and lines as the console draws them: read from the configuration in force
 * (so a live reconfiguration shows at the next picture), in normalized frame coordinates, and the
 * objects standing in each zone on the drawn frame (the bottom centre of a box inside the polygon,
 * as the event policy counts them; label filters applied, dwell time not: it is what is there now).
 */
import type { CameraConfig } from '../config/schema.js';
import { anchorOf, insidePolygon, type NormPoint } from '../pipeline/geometry.js';
import { labelCounts, sceneSettingsFor } from '../pipeline/scene.js';
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

/** A camera's section of the configuration, as far as the console reads it. */
export type SceneConfig = Pick<CameraConfig, 'name' | 'zones' | 'lines'>;

/** The empty scene: a camera with no zones and no lines. */
export const NO_SCENE: SceneView = { zones: [], lines: [] };

/** The scene of one configured camera, read as the event policy reads it (`labels` null: every label). */
export function sceneOf(camera: SceneConfig): SceneView {
  const { zones, lines } = sceneSettingsFor(camera);
  return {
    zones: zones.map((z) => ({ name: z.name, polygon: z.polygon, labels: z.labels ?? null })),
    lines: lines.map((l) => ({ name: l.name, from: l.from, to: l.to, labels: l.labels ?? null })),
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
    counts[zone.name] = detections.filter((d) => labelCounts(zone.labels ?? undefined, d.label) && insidePolygon(anchorOf(d.box, width, height), zone.polygon)).length;
  }
  return counts;
}
