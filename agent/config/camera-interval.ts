/** How often a camera is inferred, from `targetIntervalMs` or `targetFps`. */
import type { CameraConfig } from './schema.js';

/** Minimum ms between two inferred frames of `camera` (targetIntervalMs, or 1000 / targetFps; default 1000). */
export function intervalMsFor(camera: Pick<CameraConfig, 'targetIntervalMs' | 'targetFps'>): number {
  if (camera.targetIntervalMs !== undefined) return camera.targetIntervalMs;
  if (camera.targetFps !== undefined) return 1000 / camera.targetFps;
  return 1000;
}
