/** Maps one camera's config onto the capture layer's source options (the only place the two meet). */
import { join } from 'node:path';
import type { FrameSourceOptions } from '../capture/create-frame-source.js';
import type { AgentConfig, CameraConfig } from '../config/schema.js';

/** Source options for `camera`, with capture-wide defaults from `config.capture`. */
export function sourceOptionsFor(camera: CameraConfig, config: AgentConfig): FrameSourceOptions {
  const s = camera.source;
  const timing = {
    stallTimeoutMs: s.stallTimeoutMs,
    restartBackoff: { initialMs: Math.max(1, s.restartBackoffInitialMs), maxMs: Math.max(1, s.restartBackoffMaxMs) },
  };
  const size = { width: s.width ?? config.capture.frameWidth, height: s.height ?? config.capture.frameHeight };
  const fps = s.fps === undefined ? {} : { framesPerSecond: s.fps };
  const name = camera.name;
  switch (s.type) {
    case 'files':
      // A glob is relative to `path` when both are given; the files source accepts either.
      return { kind: 'files', name, path: s.glob !== undefined ? (s.path !== undefined ? join(s.path, s.glob) : s.glob) : (s.path as string), loop: s.loop, ...fps };
    case 'rpicam':
      return { kind: 'rpicam', name, cameraIndex: s.cameraIndex, ...size, ...fps, ...timing, ...(s.binary === undefined ? {} : { videoBinary: s.binary }) };
    case 'raspistill':
      return { kind: 'raspistill', name, ...size, ...fps, ...timing };
    case 'v4l2':
      return { kind: 'v4l2', name, device: s.device as string, output: s.inputFormat === 'raw' ? 'rgb' : 'mjpeg', ...size, ...fps, ...timing, ...(s.binary === undefined ? {} : { binary: s.binary }) };
    case 'rtsp':
    case 'http':
      return { kind: s.type, name, url: s.url as string, ...size, ...fps, ...timing, ...(s.binary === undefined ? {} : { binary: s.binary }) };
    case 'gstreamer':
      return { kind: 'gstreamer', name, ...(s.pipeline === undefined ? {} : { pipeline: s.pipeline }), ...size, ...fps, ...timing, ...(s.binary === undefined ? {} : { binary: s.binary }) };
    case 'auto':
      return { kind: 'auto', name, ...size, ...fps, ...timing };
  }
}

/** Minimum ms between two inferred frames of `camera` (targetIntervalMs, or 1000 / targetFps; default 1000). */
export function intervalMsFor(camera: CameraConfig): number {
  if (camera.targetIntervalMs !== undefined) return camera.targetIntervalMs;
  if (camera.targetFps !== undefined) return 1000 / camera.targetFps;
  return 1000;
}
