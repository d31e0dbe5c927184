/** Maps one camera's config onto the capture layer's source options (the only place the two meet). */
import type { FrameSourceOptions } from '../capture/create-frame-source.js';
import type { AgentConfig, CameraConfig } from '../config/schema.js';

/**
 * Source options for `camera`: the same keys as `cameras[].source`, already defaulted by the
 * schema, plus the size from `capture.frameWidth`/`frameHeight` when the camera gives none and,
 * for `auto`, the backends of `capture.autoBackends`.
 */
export function sourceOptionsFor(camera: CameraConfig, config: AgentConfig): FrameSourceOptions {
  const s = camera.source;
  const name = camera.name;
  const timing = {
    openTimeoutMs: s.openTimeoutMs,
    stallTimeoutMs: s.stallTimeoutMs,
    restartBackoffInitialMs: s.restartBackoffInitialMs,
    restartBackoffMaxMs: s.restartBackoffMaxMs,
  };
  const format = { width: s.width ?? config.capture.frameWidth, height: s.height ?? config.capture.frameHeight, fps: s.fps };
  const binary = s.binary === undefined ? {} : { binary: s.binary };
  switch (s.type) {
    case 'files':
      return { type: 'files', name, fps: s.fps, loop: s.loop, ...(s.path === undefined ? {} : { path: s.path }), ...(s.glob === undefined ? {} : { glob: s.glob }) };
    case 'rpicam':
      return { type: 'rpicam', name, mode: s.mode, cameraIndex: s.cameraIndex, ...format, ...timing, ...binary };
    case 'raspistill':
      return { type: 'raspistill', name, ...format, ...timing };
    case 'v4l2':
      // crossCheck refuses a v4l2 source without a device, so it is there.
      return { type: 'v4l2', name, device: s.device as string, inputFormat: s.inputFormat, ...format, ...timing, ...binary };
    case 'rtsp':
    case 'http':
      return { type: s.type, name, url: s.url as string, ...format, ...timing, ...binary };
    case 'gstreamer':
      return { type: 'gstreamer', name, pipeline: s.pipeline as string, ...timing, ...binary };
    case 'auto':
      return {
        type: 'auto', name, backends: config.capture.autoBackends, cameraIndex: s.cameraIndex, mode: s.mode, inputFormat: s.inputFormat,
        ...(s.pipeline === undefined ? {} : { pipeline: s.pipeline }), ...format, ...timing,
      };
  }
}

