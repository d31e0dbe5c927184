/**
 * The configuration file most `edge-agent run` tests start from: one camera (`lobby`) replaying
 * the shared images through the files source with the person model, models from the shared
 * mirror, data in the test's folder. Tests override only what they are about.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { sharedImages, sharedModels } from './shared.js';

/** What a test changes in the one-camera configuration. */
export interface OneCameraConfig {
  deviceId?: string;
  /** The files source's rate; also the camera's `targetFps` unless `targetFps` is given. */
  fps?: number;
  targetFps?: number;
  loop?: boolean;
  /** Folder the files source plays (the shared images by default). */
  images?: string;
  /** Keys of the one model entry besides its id (threshold, report, ...). */
  model?: Record<string, unknown>;
  /** Top-level keys added or replaced (health, inference, publish, ...). */
  top?: Record<string, unknown>;
}

/** Writes `<dir>/agent.yaml` with one files camera and the person model; returns its path. */
export function writeOneCameraConfig(dir: string, options: OneCameraConfig = {}): string {
  const fps = options.fps ?? 4;
  const config = {
    deviceId: options.deviceId ?? 'test-kiosk',
    dataDir: join(dir, 'data'),
    logLevel: 'info',
    models: { mirror: sharedModels },
    health: { port: 0 },
    ...options.top,
    cameras: [
      {
        name: 'lobby',
        source: { type: 'files', path: options.images ?? sharedImages, fps, loop: options.loop ?? false },
        targetFps: options.targetFps ?? fps,
        models: [{ id: 'person-yolox-192', ...options.model }],
      },
    ],
  };
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, stringify(config));
  return file;
}
